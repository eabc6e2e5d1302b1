"""The citizen's path in real headless Chromium on a phone-sized screen: open the QR link,
answer, submit, be thanked; with and without JavaScript; and an automated WCAG 2.1 AA check
(axe-core) of the survey page and the thank-you page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from analytics.fold import fold_pending
from survey.models import Rating
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.browser import PHONE
from tests.support.factories import app_thresholds

WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def shift(live_factory, live_session):
    shift = live_factory.shift()
    shift.officer.name = "Siti Rahmawati"
    shift.counter.label = "Loket Pendaftaran"
    shift.counter.unit.name = "Puskesmas Suka Maju"
    live_session.commit()
    return shift


@pytest.fixture
def survey_url(live_server, live_session, shift):
    code = current_code(live_session, counter=shift.counter)
    live_session.commit()
    return f"{live_server.url}/s/{token_for(code, TEST_SECRET)}"


def phone(browser, **options):
    # A phone in Indonesia asks for Indonesian; the page follows the browser's preference.
    context = browser.new_context(**PHONE, locale="id-ID", **options)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = phone(browser)
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context, page = phone(browser, java_script_enabled=False)
    yield page
    context.close()


def ratings_for(live_session, counter_id: int) -> list[Rating]:
    """As the fold leaves them (it folds here, as the fold worker would)."""
    live_session.rollback()
    fold_pending(live_session, thresholds=app_thresholds())
    live_session.expire_all()
    return list(live_session.scalars(select(Rating).where(Rating.counter_id == counter_id)))


def fill_in(page: Page, answers: dict[str, int]) -> None:
    for code, value in answers.items():
        page.locator(f"#q-{code} .answer-{value}").click()
        expect(page.locator(f"#q-{code} input[value='{value}']")).to_be_checked()


def test_a_citizen_rates_on_a_phone_and_the_rating_is_stored(page, survey_url, live_session,
                                                              shift):
    page.goto(survey_url)
    expect(page.locator(".served-by")).to_contain_text("Anda dilayani oleh Siti Rahmawati")
    expect(page.locator(".unit-name")).to_contain_text("Puskesmas Suka Maju")
    fill_in(page, {"U1": 4, "U3": 2, "U6": 3, "U7": 4, "U9": 1})
    page.locator("input[name=comment_kind][value=praise]").check()
    page.fill("#comment_text", "Petugas ramah dan sabar menjelaskan.")
    page.get_by_role("button", name="Kirim penilaian").click()

    expect(page).to_have_url(f"{survey_url}/terima-kasih")
    expect(page.locator("h1")).to_have_text("Terima kasih atas penilaian Anda")
    [rating] = ratings_for(live_session, shift.counter_id)
    assert rating.channel == "qr"
    assert rating.answers() == {"U1": 4, "U3": 2, "U6": 3, "U7": 4, "U9": 1}
    assert rating.officer_id == shift.officer_id
    assert rating.comment.text == "Petugas ramah dan sabar menjelaskan."


def test_the_answers_fit_a_phone_screen_with_large_touch_targets(page, survey_url):
    page.goto(survey_url)
    width = page.viewport_size["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    for box in (page.locator("#q-U1 .answer").nth(n).bounding_box() for n in range(4)):
        assert box["height"] >= 44 and box["width"] >= 44
        assert box["x"] >= 0 and box["x"] + box["width"] <= width


def test_the_survey_submits_without_javascript(page_without_js, survey_url, live_session, shift):
    page = page_without_js
    page.goto(survey_url)
    fill_in(page, {"U2": 3, "U4": 4})
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page).to_have_url(f"{survey_url}/terima-kasih")
    [rating] = ratings_for(live_session, shift.counter_id)
    assert rating.answers() == {"U2": 3, "U4": 4}


def test_a_keyboard_alone_can_answer_and_submit(page, survey_url, live_session, shift):
    page.goto(survey_url)
    page.locator("#q-U1 input[value='1']").focus()
    # Arrow keys move within a radio group, as a screen-reader user expects.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    expect(page.locator("#q-U1 input[value='3']")).to_be_checked()
    page.get_by_role("button", name="Kirim penilaian").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{survey_url}/terima-kasih")
    [rating] = ratings_for(live_session, shift.counter_id)
    assert rating.answers() == {"U1": 3}


# --- WCAG 2.1 AA (axe-core) -----------------------------------------------------------------


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA},
                                       "resultTypes": ["violations"]})
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_survey_page_passes_wcag_aa(page, survey_url, language):
    page.goto(f"{survey_url}?lang={language}")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert serious_violations(page) == []


def test_the_survey_page_with_errors_passes_wcag_aa(page, survey_url):
    page.goto(survey_url)
    page.locator("input[name=comment_kind][value=complaint]").check()
    page.fill("#comment_text", "Antrean lama.")
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page.locator(".alert, .field-error").first).to_be_visible()
    assert serious_violations(page) == []


def test_the_thank_you_page_passes_wcag_aa(page, survey_url):
    page.goto(survey_url)
    fill_in(page, {"U7": 4})
    page.get_by_role("button", name="Kirim penilaian").click()
    expect(page).to_have_url(f"{survey_url}/terima-kasih")
    assert serious_violations(page) == []


def test_the_page_for_a_refused_code_passes_wcag_aa(page, live_server):
    page.goto(f"{live_server.url}/s/NoSuchCode12.xxxxxxxxxxxxxxxxxxxxxxxxxxx")
    expect(page.locator("h1")).to_be_visible()
    assert serious_violations(page) == []


def test_the_accessibility_check_does_catch_a_violation(page):
    # Guards the checks above against passing because axe silently checked nothing.
    page.set_content('<!doctype html><html lang="id"><body><main><img src="a.png"></main>'
                     '</body></html>')
    assert any(v.startswith("image-alt") for v in serious_violations(page))
