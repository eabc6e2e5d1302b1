"""A department head works an alert in real Chromium against gunicorn: the dashboard shows
the open count, the inbox lists the alert (not another department's), the head acknowledges
it, comments and closes it, and the history says who did what; the pages meet WCAG 2.1 AA."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect

from analytics import alerts
from analytics.alerts_models import Alert
from core.auth import hash_password
from core.models import User, utcnow
from tests.e2e.test_complaints_browser import PASSWORD, serious_violations, sign_in


@pytest.fixture
def world(live_factory, live_session, live_server):
    unit = live_factory.unit(name="Puskesmas Teratai")
    elsewhere = live_factory.unit(name="UPT Parkir Seruni")
    rules = {}
    for place in (unit, elsewhere):
        rules[place.id] = alerts.add_rule(live_session, None, "ikm_below", unit_id=place.id,
                                          threshold=76.61, window_minutes=60, min_ratings=5,
                                          check_scope=False)
    now = utcnow()
    rating = live_factory.rating({"U1": 1, "U3": 1}, unit=unit,
                                 submitted_at=now - timedelta(minutes=20))
    live_factory.comment(rating, kind="complaint", category="antrean", status="baru",
                         text="Antrean mengular sampai parkiran")
    mine = Alert(rule=rules[unit.id], place=f"unit:{unit.id}", unit_id=unit.id, value=52.5,
                 ratings=7, window_start=now - timedelta(minutes=60),
                 opened_at=now - timedelta(minutes=10), last_seen_at=now - timedelta(minutes=5))
    theirs = Alert(rule=rules[elsewhere.id], place=f"unit:{elsewhere.id}",
                   unit_id=elsewhere.id, value=40.0, ratings=9)
    live_session.add_all([mine, theirs])
    head = User(username=f"kadis-{uuid.uuid4().hex[:6]}", display_name="Bapak Kepala Dinas",
                role="head", department_id=unit.department_id,
                password_hash=hash_password(PASSWORD))
    live_session.add(head)
    live_session.commit()
    return {"head": head, "alert": mine, "theirs": theirs}


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_a_head_acknowledges_comments_on_and_closes_an_alert(page: Page, live_server, world,
                                                             live_session):
    base = live_server.url
    sign_in(page, base, world["head"].username)

    page.goto(f"{base}/dasbor/")
    expect(page.get_by_test_id("open-alerts")).to_have_text("1")
    page.get_by_test_id("open-alerts").click()
    expect(page).to_have_url(f"{base}/peringatan/?status=open")
    rows = page.locator("tr.alert-row")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Puskesmas Teratai")
    expect(page.locator("main")).not_to_contain_text("UPT Parkir Seruni")
    assert serious_violations(page) == []

    rows.get_by_role("link").click()
    expect(page).to_have_url(f"{base}/peringatan/{world['alert'].id}")
    expect(page.locator("h1")).to_contain_text("IKM Puskesmas Teratai turun ke 52,50")
    expect(page.locator(".evidence")).to_contain_text("Antrean mengular sampai parkiran")
    assert serious_violations(page) == []

    page.get_by_role("button", name="Tandai diketahui").click()
    expect(page.locator(".flash-ok")).to_be_visible()
    expect(page.locator("dd.alert-status")).to_contain_text("Diketahui")
    expect(page.get_by_role("button", name="Tandai diketahui")).to_have_count(0)

    page.get_by_label("Komentar", exact=True).fill("Loket cadangan dibuka jam 10.15")
    page.get_by_role("button", name="Kirim komentar").click()
    expect(page.locator(".history")).to_contain_text("Loket cadangan dibuka jam 10.15")

    page.get_by_label("Catatan penutup (opsional)").fill("Antrean kembali normal")
    page.get_by_role("button", name="Selesaikan").click()
    expect(page.locator("dd.alert-status")).to_contain_text("Selesai")
    history = page.locator(".history")
    expect(history).to_contain_text("Diketahui")
    expect(history).to_contain_text("Bapak Kepala Dinas")
    expect(history).to_contain_text("Antrean kembali normal")

    # Another department's alert is not there to see.
    response = page.goto(f"{base}/peringatan/{world['theirs'].id}")
    assert response is not None and response.status == 404

    live_session.expire_all()
    stored = live_session.get(Alert, world["alert"].id)
    assert stored.status == "selesai" and stored.acknowledged_by == world["head"].id
    assert live_session.get(Alert, world["theirs"].id).status == "terbuka"
