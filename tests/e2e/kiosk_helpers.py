"""Driving the kiosk page in Chromium: pairing, officer sign-in and one rating."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from analytics.fold import fold_pending
from core.db import begin_write
from core.models import Counter
from kiosk import services
from survey.models import Rating
from tests.support.factories import app_thresholds

QUESTIONS = 9


def begin_writing(live_session) -> None:
    """Write beside the live server: a fresh transaction that takes SQLite's write lock up
    front (a read transaction that later writes fails at once if the server wrote between)."""
    live_session.rollback()
    begin_write(live_session)


def pairing_code(live_session, counter: Counter) -> str:
    begin_writing(live_session)
    _row, code = services.create_pairing_code(live_session, counter)
    live_session.commit()
    return code


def open_and_pair(page: Page, base_url: str, code: str) -> None:
    page.goto(f"{base_url}/kiosk/")
    expect(page.locator("#screen-pair")).to_be_visible()
    page.fill("#pair-code", code)
    page.fill("#pair-name", "Tablet uji")
    page.click("#pair-form button[type=submit]")
    expect(page.locator("#screen-question")).to_be_visible()


def wait_for_question(page: Page, index: int) -> None:
    page.locator(f'#screen-question[data-index="{index}"][data-ready="true"]').wait_for()


def answer(page: Page, index: int, face: int) -> None:
    wait_for_question(page, index)
    page.click(f"#screen-question .face-{face}")


def rate(page: Page, face: int = 4, kind: str | None = None, category: str | None = None) -> None:
    """A whole rating, from the first question to the thank-you screen."""
    for index in range(QUESTIONS):
        answer(page, index, face)
    expect(page.locator("#screen-comment")).to_be_visible()
    if kind:
        page.click(f'#kind-chips [data-value="{kind}"]')
    if category:
        page.click(f'#category-chips [data-value="{category}"]')
    page.click("#send")
    expect(page.locator("#screen-thanks")).to_be_visible()


def expect_reset(page: Page) -> None:
    expect(page.locator("#screen-question")).to_be_visible(timeout=10_000)
    expect(page.locator("#screen-question")).to_have_attribute("data-index", "0")
    expect(page.locator("#screen-question .face.chosen")).to_have_count(0)


def sign_in(page: Page, nip: str, pin: str) -> None:
    page.click("#officer-button")
    page.fill("#officer-nip", nip)
    page.fill("#officer-pin", pin)
    page.click("#officer-submit")
    expect(page.locator("#officer-panel")).to_be_hidden()


def stored(live_session, counter: Counter) -> list[Rating]:
    live_session.rollback()  # a fresh snapshot: the server wrote since our last read
    # As the fold worker would: attributed, judged, counted.
    fold_pending(live_session, thresholds=app_thresholds())
    return list(live_session.scalars(select(Rating).where(Rating.counter_id == counter.id)))


def count(live_session, counter: Counter) -> int:
    live_session.rollback()  # a fresh snapshot: the server wrote since our last read
    return live_session.scalar(
        select(func.count()).select_from(Rating).where(Rating.counter_id == counter.id)
    )
