"""In real Chromium against gunicorn: the main pages satisfy the strict Content-Security-Policy
(no violation reported), and script payloads typed into any free-text field are shown as
inert text on the complaint pages and the head's dashboard (with the CSP bypassed, so it is
the escaping that is tested, not the policy)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from core.auth import hash_password
from core.models import User
from survey.models import CustomAnswer, Question
from survey.services import active_questionnaire, current_code, token_for
from tests.conftest import TEST_SECRET

PASSWORD = "sandi-kepala-dinas-2026"
SCRIPT = "<script>alert('xss-script')</script>"
IMAGE = "<img src=x onerror=alert('xss-img')>"
SVG = '"><svg onload=alert("xss-svg")>'
LINK = "javascript:alert('xss-link')"

# Records what the page reports as refused by the policy, whatever the console says.
VIOLATIONS_SCRIPT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""


@pytest.fixture
def world(live_factory, live_session):
    department = live_factory.department(name=f"Dinas {SVG}")
    unit = live_factory.unit(department=department, name=f"UPT {SCRIPT}")
    counter = live_factory.counter(unit=unit, label=f"Loket {IMAGE}")
    officer = live_factory.officer(unit=unit, name=f"Budi {IMAGE}")
    code = current_code(live_session, counter=counter)
    questionnaire = active_questionnaire(live_session)
    question = Question(questionnaire=questionnaire, code=f"Q{uuid.uuid4().hex[:6]}",
                        position=30, text_id=f"Apakah ruang tunggu nyaman? {SCRIPT}",
                        text_en=f"Comfortable? {SCRIPT}", standard=False, unit_id=unit.id,
                        labels={"id": ["1", "2", "3", "4"]})
    live_session.add(question)
    live_session.flush()
    rating = live_factory.rating(unit=unit, counter=counter, officer_id=officer.id,
                                 service_type=f"KTP-el {SVG}", flags="off-hours",
                                 answers={"U1": 2, "U3": 1, "U7": 2})
    live_session.add(CustomAnswer(rating_id=rating.id, question_id=question.id, value=2))
    complaint = live_factory.comment(
        rating, kind="complaint", category="perilaku", status="baru",
        text=f"Petugas kasar {SCRIPT} {IMAGE} {SVG} {LINK}",
        contact=f"{LINK} {SCRIPT}", contact_consent=True,
        due_on=date.today() - timedelta(days=2))
    head = User(username=f"kadis-{uuid.uuid4().hex[:6]}", display_name=f"Kadis {IMAGE}",
                role="head", department_id=department.id, password_hash=hash_password(PASSWORD))
    live_session.add(head)
    live_session.commit()
    return {"head": head, "complaint": complaint, "token": token_for(code, TEST_SECRET),
            "unit": unit}


def watched(browser, **context_options):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900},
                                  **context_options)
    context.add_init_script(VIOLATIONS_SCRIPT)
    page = context.new_page()
    page.console_refusals = []  # type: ignore[attr-defined]
    page.dialogs = []  # type: ignore[attr-defined]
    page.on("console", lambda message: page.console_refusals.append(message.text)  # type: ignore
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None)

    def on_dialog(dialog):
        page.dialogs.append(dialog.message)  # type: ignore[attr-defined]
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def test_the_main_pages_satisfy_the_content_security_policy(browser, live_server, world):
    context, page = watched(browser)
    base = live_server.url
    try:
        public = ["/", f"/s/{world['token']}", f"/s/{world['token']}?lang=en",
                  f"/s/{world['token']}/terima-kasih", "/login", "/halaman-tidak-ada"]
        for path in public:
            page.goto(base + path)
            expect(page.locator("h1").first).to_be_visible()
        # A rating through the form, to load the pages that follow a submission too
        # (back in Indonesian: the ?lang=en visit above is remembered).
        page.goto(f"{base}/s/{world['token']}?lang=id")
        page.locator("label.answer-4").first.click()
        page.get_by_role("button", name="Kirim penilaian").click()
        page.wait_for_load_state()

        sign_in(page, base, world["head"].username)
        staff = ["/pengaduan/", f"/pengaduan/{world['complaint'].id}", "/integritas/",
                 "/pengaduan/?overdue=y", "/dasbor/", "/dasbor/komentar"]
        for path in staff:
            response = page.goto(base + path)
            assert response is not None
            if response.status == 404 and path.startswith("/dasbor"):
                continue  # the dashboard is the analytics area's; checked when it is there
            assert response.status == 200, path
            expect(page.locator("h1").first).to_be_visible()
            violations = page.evaluate("window.__cspViolations")
            assert violations == [], f"{path}: {violations}"
        assert page.console_refusals == []  # type: ignore[attr-defined]
    finally:
        context.close()


def test_script_payloads_in_every_free_text_field_are_shown_as_inert_text(browser, live_server,
                                                                         world):
    # No CSP here: if escaping failed, the payloads would run and open dialogs.
    context, page = watched(browser, bypass_csp=True)
    base = live_server.url
    try:
        sign_in(page, base, world["head"].username)
        detail = f"/pengaduan/{world['complaint'].id}"
        pages = {"/pengaduan/": None, detail: None, "/integritas/": None,
                 "/dasbor/komentar": None, "/dasbor/": None}
        for path in pages:
            response = page.goto(base + path)
            assert response is not None
            pages[path] = response.status
            page.wait_for_load_state("load")
            injected = page.evaluate("""() => ({
                scripts: [...document.scripts].filter(s => !s.src).map(s => s.textContent),
                images: document.querySelectorAll('img[src="x"], img[onerror]').length,
                svgs: document.querySelectorAll('svg[onload]').length,
                links: [...document.querySelectorAll('a[href]')]
                    .filter(a => a.href.startsWith('javascript:')).length,
            })""")
            assert injected == {"scripts": [], "images": 0, "svgs": 0, "links": 0}, path
        assert pages["/pengaduan/"] == 200 and pages[detail] == 200

        page.goto(base + detail)
        text = page.locator(".complaint-text")
        expect(text).to_contain_text(SCRIPT)
        expect(text).to_contain_text(IMAGE)
        expect(text).to_contain_text(LINK)
        expect(page.locator(".contact")).to_contain_text(f"{LINK} {SCRIPT}")
        expect(page.locator(".service-type")).to_contain_text(SVG)
        expect(page.locator(".officer-name")).to_contain_text(IMAGE)
        expect(page.locator(".unit-name")).to_contain_text(SCRIPT)
        expect(page.locator(".question-text")).to_contain_text(SCRIPT)
        page.goto(base + "/pengaduan/")
        expect(page.locator(".complaint-text").first).to_contain_text("Petugas kasar <script>")
        assert page.dialogs == []  # type: ignore[attr-defined]
    finally:
        context.close()
