"""The phone survey's faces are drawings, not emoji: a phone without a colour-emoji font
showed four empty boxes where the faces should be. Drawn inline, they need no font, no
script and no extra request."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.browser import PHONE

# Emoji and pictographs, and the variation selector that asks for their colour form.
EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF\uFE0F]")


@pytest.fixture
def survey_url(live_server, live_factory, live_session):
    shift = live_factory.shift()
    code = current_code(live_session, counter=shift.counter)
    live_session.commit()
    return f"{live_server.url}/s/{token_for(code, TEST_SECRET)}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_each_answer_shows_a_drawn_face_that_needs_no_emoji_font(browser, survey_url,
                                                                   javascript):
    context = browser.new_context(**PHONE, locale="id-ID", java_script_enabled=javascript)
    page = context.new_page()
    try:
        page.goto(survey_url)
        answers = page.locator(".question .answer")
        expect(answers.first).to_be_visible()
        assert EMOJI.findall(page.inner_text("main")) == []
        for index in range(answers.count()):
            drawing = answers.nth(index).locator("svg.face-svg")
            expect(drawing).to_have_count(1)
            box = drawing.bounding_box()
            assert box is not None and box["width"] >= 32 and box["height"] >= 32
            # Decorative: the answer's own label names it for a screen reader.
            expect(drawing).to_have_attribute("aria-hidden", "true")
        # Worst to best, each drawn differently.
        mouths = [page.locator(f"#q-U1 .answer-{value} .face-mouth").get_attribute("d")
                  for value in range(1, 5)]
        assert len(set(mouths)) == 4

        page.locator("#q-U1 .answer-4").click()
        page.get_by_role("button", name="Kirim penilaian").click()
        expect(page).to_have_url(f"{survey_url}/terima-kasih")
        expect(page.locator(".thanks svg.face-svg")).to_be_visible()
        assert EMOJI.findall(page.inner_text("main")) == []
    finally:
        context.close()
