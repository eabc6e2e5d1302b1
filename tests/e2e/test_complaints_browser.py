"""A department head follows up a complaint in real Chromium against gunicorn: the overdue one
stands out, the status form (with its CSRF token) moves it forward and the history shows who
did it; a flagged rating is cleared; the pages meet WCAG 2.1 AA."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from core.auth import hash_password
from core.models import User

PASSWORD = "sandi-kadis-e2e-2026"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture
def world(live_factory, live_session):
    unit = live_factory.unit(name="UPT Disdukcapil Kecamatan Mawar")
    officer = live_factory.officer(unit=unit, name="Rina Marlina")
    late = live_factory.comment(
        live_factory.rating(unit=unit, officer_id=officer.id),
        kind="complaint", category="antrean", status="baru", text="Menunggu tiga jam di loket",
        contact="0812-1111-2222", contact_consent=True, due_on=date.today() - timedelta(days=2))
    fresh = live_factory.comment(
        live_factory.rating(unit=unit), kind="question", status="baru",
        text="Apa syarat pindah domisili?", due_on=date.today() + timedelta(days=5))
    flagged = live_factory.rating(unit=unit, officer_id=officer.id, flags="repeat")
    head = User(username=f"kadis-{uuid.uuid4().hex[:6]}", display_name="Ibu Kepala Dinas",
                role="head", department_id=unit.department_id,
                password_hash=hash_password(PASSWORD))
    live_session.add(head)
    live_session.commit()
    return {"head": head, "late": late, "fresh": fresh, "flagged": flagged}


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def serious_violations(page: Page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_AA},
                                       "resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")]


def test_a_head_moves_an_overdue_complaint_forward_and_clears_a_flag(page, live_server, world):
    base = live_server.url
    sign_in(page, base, world["head"].username)

    page.goto(f"{base}/pengaduan/")
    overdue_row = page.locator("tr.is-overdue")
    expect(overdue_row).to_have_count(1)
    expect(overdue_row).to_contain_text("Menunggu tiga jam di loket")
    expect(overdue_row).to_contain_text("Terlambat")
    assert serious_violations(page) == []

    overdue_row.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/pengaduan/{world['late'].id}")
    expect(page.locator(".contact")).to_contain_text("0812-1111-2222")
    assert serious_violations(page) == []
    page.get_by_label("Status baru").select_option("diproses")
    page.locator("#status-note").fill("Loket tambahan dibuka")
    page.get_by_role("button", name="Ubah status").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator(".history")).to_contain_text("Diproses")
    expect(page.locator(".history")).to_contain_text("Ibu Kepala Dinas")
    expect(page.locator(".history")).to_contain_text("Loket tambahan dibuka")

    page.goto(f"{base}/integritas/")
    expect(page.locator("table.flagged")).to_contain_text("Rina Marlina")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Bersihkan tanda").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator(".empty")).to_be_visible()
