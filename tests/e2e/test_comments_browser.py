"""Citizens' words handled with care, in real Chromium against gunicorn: a comment with a
phone number and a swear word is masked on the head's comments page and on the officer's
own page; on the follow-up page only the assignee reads the original; the head hides it
from the queue and it leaves the officer's praise. The pages meet WCAG 2.1 AA."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect

from core.auth import hash_password
from core.models import User
from tests.e2e.test_complaints_browser import serious_violations

PASSWORD = "sandi-komentar-e2e-2026"
PHONE = "0812-3456-7890"
ORIGINAL = f"Bu Siti goblok, minta uang rokok. Hubungi saya {PHONE}"
MASKED = "Bu Siti g***, minta uang rokok. Hubungi saya [nomor telepon]"


@pytest.fixture
def world(live_factory, live_session):
    unit = live_factory.unit(name="Puskesmas Anggrek")
    officer = live_factory.officer(unit=unit, name="Siti Rahmawati")

    def account(role, **fields):
        user = User(username=f"{role}-{uuid.uuid4().hex[:6]}", display_name=f"Akun {role}",
                    role=role, password_hash=hash_password(PASSWORD), **fields)
        live_session.add(user)
        live_session.flush()
        return user

    head = account("head", department_id=unit.department_id)
    assignee = account("supervisor", unit_id=unit.id)
    staff = account("officer", officer_id=officer.id)
    complaint = live_factory.comment(
        live_factory.rating(unit=unit, officer_id=officer.id), kind="complaint",
        category="biaya", status="diproses", text=ORIGINAL, assignee_id=assignee.id,
        due_on=date.today() + timedelta(days=5))
    praise = live_factory.comment(
        live_factory.rating(unit=unit, officer_id=officer.id), kind="praise",
        text=f"Bu Siti ramah, WA saya {PHONE} kalau berkas jadi")
    live_session.commit()
    return {"head": head, "assignee": assignee, "staff": staff, "complaint": complaint,
            "praise": praise}


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    yield context
    context.close()


def signed_in_page(context, base: str, user: User) -> Page:
    context.clear_cookies()
    page = context.new_page()
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(user.username)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()
    return page


def test_masked_for_the_head_and_the_officer_original_for_the_assignee_only(
        browser_page, live_server, world):
    base = live_server.url
    complaint = world["complaint"]

    page = signed_in_page(browser_page, base, world["head"])
    page.goto(f"{base}/dasbor/komentar")
    card = page.locator(f'[data-comment-id="{complaint.id}"]')
    expect(card.locator(".comment-text")).to_have_text(MASKED)
    expect(card.locator(".tag-chip.tag-mendesak")).to_be_visible()
    expect(card.locator(".tag-chip.tag-kasar")).to_be_visible()
    expect(card.locator(".tag-chip.tag-petugas")).to_be_visible()
    assert PHONE not in page.content()
    assert serious_violations(page) == []
    page.goto(f"{base}/pengaduan/{complaint.id}")
    expect(page.locator(".complaint-text")).to_have_text(MASKED)
    assert PHONE not in page.content()

    officer_page = signed_in_page(browser_page, base, world["staff"])
    officer_page.goto(f"{base}/dasbor/saya")
    praise = officer_page.locator(".praise .comment-text")
    expect(praise).to_have_text("Bu Siti ramah, WA saya [nomor telepon] kalau berkas jadi")
    assert PHONE not in officer_page.content()

    assignee_page = signed_in_page(browser_page, base, world["assignee"])
    assignee_page.goto(f"{base}/pengaduan/{complaint.id}")
    expect(assignee_page.locator(".complaint-text")).to_contain_text(PHONE)
    expect(assignee_page.locator(".text-note")).to_contain_text("Teks asli")
    assert serious_violations(assignee_page) == []


def test_a_head_hides_a_comment_from_the_queue_and_it_leaves_the_officers_praise(
        browser_page, live_server, world):
    base = live_server.url
    praise = world["praise"]
    page = signed_in_page(browser_page, base, world["head"])
    page.goto(f"{base}/moderasi/")
    item = page.locator(f'[data-comment-id="{world["complaint"].id}"]')
    expect(item).to_contain_text("pungli")  # the reason
    expect(page.locator(".moderation-queue > li").first).to_have_attribute(
        "data-comment-id", str(world["complaint"].id))
    assert serious_violations(page) == []
    mention = page.locator(f'[data-comment-id="{praise.id}"]')
    mention.get_by_label("Alasan menyembunyikan").fill("Berisi nomor pribadi")
    mention.get_by_role("button", name="Sembunyikan").click()
    expect(page.locator(".flash-ok")).to_be_visible()

    officer_page = signed_in_page(browser_page, base, world["staff"])
    officer_page.goto(f"{base}/dasbor/saya")
    expect(officer_page.locator(".praise")).to_have_count(0)
    expect(officer_page.get_by_text("Belum ada pujian pada periode ini.")).to_be_visible()
