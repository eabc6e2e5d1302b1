"""What a tester found on real counter tablets, in real Chromium: a tablet revoked while it
thanks a citizen, the comment screen on every tablet size (with the on-screen keyboard up),
the order of the chips, and two tabs of one tablet sharing one queue."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from kiosk import services
from survey.elements import COMPLAINT_CATEGORIES
from tests.e2e.kiosk_helpers import (
    QUESTIONS,
    answer,
    begin_writing,
    count,
    expect_reset,
    open_and_pair,
    pairing_code,
    rate,
    sign_in,
    stored,
)
from tests.support.browser import TABLET


@pytest.fixture
def counter(live_factory, live_session):
    counter = live_factory.counter(label="Loket Perizinan")
    live_session.commit()
    return counter


def revoke_every_tablet_of(live_session, counter) -> None:
    begin_writing(live_session)
    for device in services.devices(live_session, {counter.unit_id}):
        services.revoke_device(live_session, device)
    live_session.commit()


# --- revoked while the thank-you shows ------------------------------------------------------


def test_a_tablet_revoked_while_it_thanks_a_citizen_stops_and_says_it_is_out_of_service(
    browser, live_server, live_session, counter
):
    context = browser.new_context(**TABLET)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    api_calls: list[str] = []
    page.on("request", lambda request: "/kiosk/api/" in request.url
            and api_calls.append(request.url))
    # The page's timers run on a clock the test can move: ten minutes pass in no time.
    page.clock.install()
    try:
        open_and_pair(page, live_server.url, pairing_code(live_session, counter))
        context.set_offline(True)
        rate(page, face=1)
        revoke_every_tablet_of(live_session, counter)

        # The network comes back while the thank-you shows: the queued rating is refused.
        context.set_offline(False)

        out_of_service = page.locator("#screen-out-of-service")
        expect(out_of_service).to_be_visible()
        api_calls.clear()
        page.clock.run_for(10 * 60 * 1000)  # the thank-you timer, heartbeats, retries

        expect(out_of_service).to_be_visible()
        expect(out_of_service).to_contain_text("tidak sedang digunakan")
        expect(page.locator("#screen-question")).to_be_hidden()
        expect(page.locator("#screen-pair")).to_be_hidden()
        assert "flask kiosk pair" not in page.inner_text("body")  # what is shown, not hidden
        expect(page.locator(".kiosk-counter")).to_have_text("")
        assert errors == []
        assert api_calls == [], "a revoked tablet keeps calling the server"
        # The citizen's rating is kept on the tablet, to be sent once it is paired again.
        expect(page.locator("#status")).to_have_attribute("data-queued", "1")

        page.reload()
        expect(out_of_service).to_be_visible()
        expect(page.locator("#screen-pair")).to_be_hidden()

        # Staff open the pairing form from it; left alone, it goes back to the notice.
        page.click("#repair")
        expect(page.locator("#screen-pair")).to_be_visible()
        page.clock.run_for(60 * 1000)
        expect(out_of_service).to_be_visible()

        # Paired again, the kept rating is sent.
        page.click("#repair")
        expect(page.locator("#screen-pair")).to_be_visible()
        page.fill("#pair-code", pairing_code(live_session, counter))
        page.click("#pair-form button[type=submit]")
        expect(page.locator("#screen-question")).to_be_visible()
        expect(page.locator("#status")).to_have_attribute("data-queued", "0", timeout=20_000)
        assert [r.u1 for r in stored(live_session, counter)] == [1]
        assert errors == []
    finally:
        context.close()


# --- every tablet size, keyboard up ---------------------------------------------------------

SIZES = [(1024, 768), (1280, 800), (800, 1280)]


def inside_viewport(page: Page, selector: str) -> bool:
    """Wholly on screen, where a finger can reach it without scrolling."""
    return page.evaluate(
        """(selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return r.width > 0 && r.height > 0 && r.top >= 0 && r.left >= 0
                && r.bottom <= window.innerHeight && r.right <= window.innerWidth;
        }""", selector)


def wait_inside_viewport(page: Page, selector: str) -> None:
    page.wait_for_function(
        """(selector) => {
            const r = document.querySelector(selector).getBoundingClientRect();
            return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;
        }""", arg=selector, timeout=5_000)


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_a_complaint_with_all_its_categories_fits_the_tablet_with_the_keyboard_up(
    browser, live_server, live_session, counter, width, height
):
    context = browser.new_context(**{**TABLET, "viewport": {"width": width, "height": height}})
    page = context.new_page()
    try:
        open_and_pair(page, live_server.url, pairing_code(live_session, counter))
        for value in range(1, 5):
            assert inside_viewport(page, f"#screen-question .face-{value}")
        for index in range(QUESTIONS):
            answer(page, index, 2)
        expect(page.locator("#screen-comment")).to_be_visible()
        page.click('#kind-chips [data-value="complaint"]')
        expect(page.locator("#category-chips .chip-button")).to_have_count(
            len(COMPLAINT_CATEGORIES))

        for selector in ("#send", "#comment-text", '#category-chips [data-value="lainnya"]'):
            assert inside_viewport(page, selector), f"{selector} is off the screen"

        # The on-screen keyboard takes the lower part of the screen while the text field
        # has the focus: the browser's viewport shrinks to what is left.
        page.click("#comment-text")
        keyboard = int(height * (0.45 if width > height else 0.3))
        page.set_viewport_size({"width": width, "height": height - keyboard})
        page.keyboard.type("Antrean lama")
        wait_inside_viewport(page, "#send")
        wait_inside_viewport(page, "#comment-text")

        page.click("#send")
        expect(page.locator("#screen-thanks")).to_be_visible()
        expect(page.locator("#status")).to_have_attribute("data-queued", "0", timeout=10_000)
        [rating] = stored(live_session, counter)
        assert (rating.comment.kind, rating.comment.text) == ("complaint", "Antrean lama")
    finally:
        context.close()


def test_the_chips_keep_the_designed_order_in_both_languages(browser, live_server,
                                                              live_session, counter):
    context = browser.new_context(**TABLET)
    page = context.new_page()
    try:
        open_and_pair(page, live_server.url, pairing_code(live_session, counter))
        for index in range(QUESTIONS):
            answer(page, index, 3)
        page.click('#kind-chips [data-value="suggestion"]')

        def values(selector):
            return page.eval_on_selector_all(selector, "els => els.map(e => e.dataset.value)")

        for _language in ("id", "en"):
            assert values("#kind-chips .chip-button") == ["praise", "complaint", "suggestion"]
            categories = values("#category-chips .chip-button")
            assert categories == list(COMPLAINT_CATEGORIES)
            assert categories[-1] == "lainnya"
            page.click("#lang-toggle")
        expect(page.locator('#kind-chips [data-value="praise"]')).to_have_text("Pujian")
    finally:
        context.close()


# --- two tabs, one tablet -------------------------------------------------------------------


@pytest.mark.parametrize("election", ["web-locks", "lease"])
def test_two_tabs_of_one_tablet_share_one_sender_and_show_the_same_queue(
    browser, live_server, live_session, counter, election
):
    context = browser.new_context(**TABLET)
    if election == "lease":  # a browser without Web Locks (the kiosk served over plain HTTP)
        context.add_init_script("Object.defineProperty(navigator, 'locks', {value: undefined})")
    first, second = context.new_page(), context.new_page()
    senders: list[Page] = []  # the tab of each rating the server answered
    for page in (first, second):
        page.on("response", lambda response, page=page:
                response.url.endswith("/kiosk/api/ratings") and senders.append(page))
    try:
        open_and_pair(first, live_server.url, pairing_code(live_session, counter))
        second.goto(f"{live_server.url}/kiosk/")
        expect(second.locator("#screen-question")).to_be_visible()

        context.set_offline(True)
        rate(first, face=4)
        expect_reset(first)
        rate(second, face=2)
        for page in (first, second):
            expect(page.locator("#status")).to_have_attribute("data-queued", "2")
            expect(page.locator("#status")).to_contain_text("2 menunggu dikirim")

        context.set_offline(False)

        for page in (first, second):
            expect(page.locator("#status")).to_have_attribute("data-queued", "0",
                                                              timeout=20_000)
        assert sorted(r.u1 for r in stored(live_session, counter)) == [2, 4]
        assert len(set(map(id, senders))) == 1, "both tabs sent the queue"
        assert len(senders) == 2  # each rating sent once
        assert count(live_session, counter) == 2
    finally:
        context.close()


# --- a citizen at the officer's panel --------------------------------------------------------

PIN = "602413"


def test_a_citizen_typing_wrong_sign_out_pins_does_not_lock_the_officer_out(
    browser, live_server, live_factory, live_session, counter
):
    officer = live_factory.officer(unit=counter.unit, name="Dewi Lestari")
    services.set_officer_pin(live_session, officer, PIN)
    live_session.commit()
    context = browser.new_context(**TABLET)
    page = context.new_page()
    try:
        open_and_pair(page, live_server.url, pairing_code(live_session, counter))
        sign_in(page, officer.nip, PIN)
        served = page.locator("#served-by")
        expect(served).to_have_text("Anda dilayani oleh Dewi Lestari")

        page.click("#officer-button")
        expect(page.locator("#officer-nip")).to_be_hidden()  # the PIN alone signs out
        for guess in ("1111", "2222", "3333", "4444", "5555", "6666"):
            page.fill("#officer-pin", guess)
            page.click("#officer-submit")
            expect(page.locator("#officer-error")).to_be_visible()
        expect(page.locator("#officer-error")).to_contain_text("ketik NIP dan PIN")
        page.click("#officer-cancel")

        # Still serving: the citizen ended nothing, and the tablet still rates for her.
        expect(served).to_have_text("Anda dilayani oleh Dewi Lestari")
        rate(page, face=4)
        expect(page.locator("#status")).to_have_attribute("data-queued", "0", timeout=10_000)
        [rating] = stored(live_session, counter)
        assert rating.officer_id == officer.id

        # She signs out with NIP and PIN.
        page.click("#officer-button")
        expect(page.locator("#officer-nip")).to_be_visible()
        page.fill("#officer-nip", officer.nip)
        page.fill("#officer-pin", PIN)
        page.click("#officer-submit")
        expect(page.locator("#officer-panel")).to_be_hidden()
        expect(page.locator("#nobody-serving")).to_be_visible()
        # ... and her own sign-in was never locked.
        sign_in(page, officer.nip, PIN)
        expect(served).to_have_text("Anda dilayani oleh Dewi Lestari")
    finally:
        context.close()
