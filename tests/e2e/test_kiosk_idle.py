"""The idle timeout: a citizen who walks away mid-rating leaves nothing for the next one."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.kiosk_helpers import answer, expect_reset, open_and_pair, pairing_code, rate, stored
from tests.support.browser import TABLET
from tests.support.e2e import starts_servers
from tests.support.live import LiveServer

IDLE_SECONDS = 2


@pytest.fixture(scope="module")
@starts_servers
def live_server(live_database, tmp_path_factory):
    server = LiveServer(database_url=live_database, secret_key="idle-test-secret-" + "x" * 40,
                        extra_env={"KIOSK_IDLE_SECONDS": str(IDLE_SECONDS)})
    server.start(tmp_path_factory.mktemp("logs"))
    yield server
    server.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(**TABLET)
    yield context.new_page()
    context.close()


def test_the_idle_timeout_clears_a_half_finished_rating(page, live_server, live_factory,
                                                        live_session):
    counter = live_factory.counter()
    live_session.commit()
    open_and_pair(page, live_server.url, pairing_code(live_session, counter))
    page.click("#lang-toggle")
    expect(page.locator("#q-text")).to_contain_text("requirements")
    answer(page, 0, 1)
    answer(page, 1, 1)
    answer(page, 2, 1)
    expect(page.locator("#screen-question")).to_have_attribute("data-index", "3")

    # No wait_for_timeout: the page itself must come back to the start, in Indonesian.
    expect_reset(page)
    expect(page.locator("#q-text")).to_contain_text("persyaratan")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('kiosk.q.'))"
                         ".length") == 0

    rate(page, face=4)
    expect(page.locator("#status")).to_have_attribute("data-queued", "0", timeout=10_000)
    [rating] = stored(live_session, counter)
    assert (rating.u1, rating.u2, rating.u3) == (4, 4, 4)


def test_the_idle_timeout_also_clears_the_comment_screen(page, live_server, live_factory,
                                                         live_session):
    counter = live_factory.counter()
    live_session.commit()
    open_and_pair(page, live_server.url, pairing_code(live_session, counter))
    for index in range(9):
        answer(page, index, 3)
    expect(page.locator("#screen-comment")).to_be_visible()
    page.click('#kind-chips [data-value="praise"]')
    page.fill("#comment-text", "Cepat sekali")

    expect_reset(page)
    for index in range(9):
        answer(page, index, 3)
    expect(page.locator("#comment-text")).to_have_value("")
    expect(page.locator("#kind-chips .chosen")).to_have_count(0)
    assert stored(live_session, counter) == []
