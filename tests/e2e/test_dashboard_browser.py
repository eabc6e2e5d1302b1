"""The dashboards in real Chromium against gunicorn, on the demo city loaded by the real
``flask demo-data`` command: the head signs in through the login page and finds every chart
drawn by plotly.js with no console error and nothing refused by the Content-Security-Policy;
the officer sees their own component; the public page shows the units' IKM. No serious
WCAG 2.1 AA violation on any of them (axe).

``DASHBOARD_SCREENSHOT=docs/img/dashboard.png`` saves the head's dashboard (the README's
picture)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

import demo
from analytics import ikm_read
from analytics.dashboard import preset_period
from core.models import Unit
from core.settings import ROOT
from tests.e2e.test_admin_browser import serious_violations

FLASK = Path(sys.executable).with_name("flask")
# What analytics.js records before any page script runs (init scripts are not subject to
# the page's CSP): every refusal, as the browser reports it.
WATCH_CSP = """
window.__refused = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__refused.push(e.violatedDirective + ' ' + (e.blockedURI || '') + ' ' + (e.sample || ''));
});
"""


@pytest.fixture(scope="module")
def demo_city(live_server, live_database):
    env = live_server.environment()
    done = subprocess.run([str(FLASK), "--app", "wsgi", "demo-data"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="id-ID", viewport={"width": 1280, "height": 900})
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(
        f"console {m.type}: {m.text} ({m.location['url']})") if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    # Chromium asks every site for /favicon.ico; no page of ours links one.
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()


def problems(page: Page) -> list[str]:
    found = [line for line in page.problems  # type: ignore[attr-defined]
             if "favicon.ico" not in line]
    return found + [f"CSP refused: {r}" for r in page.evaluate("window.__refused")]


def sign_in(page: Page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(demo.PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_load_state()


def wait_for_charts(page: Page) -> int:
    charts = page.locator(".chart")
    count = charts.count()
    assert count > 0
    page.wait_for_function(
        "n => document.querySelectorAll('.chart.chart-drawn').length === n", arg=count,
        timeout=20_000)
    return count


def test_the_head_signs_in_and_finds_every_chart_drawn_without_errors(page, live_server,
                                                                      demo_city):
    sign_in(page, live_server.url, "kadis.kesehatan")
    # The accounts area sends a head to the dashboard after signing in.
    assert page.url.startswith(f"{live_server.url}/dasbor/")
    charts = wait_for_charts(page)
    assert charts == 6  # IKM, elements, complaints ×2, comment topics ×2
    for index in range(charts):
        chart = page.locator(".chart").nth(index)
        assert chart.locator("svg.main-svg").count() >= 1
    # The trend has a line per unit of the department (two puskesmas), and no other unit.
    assert page.locator("#chart-ikm-trend .scatterlayer .trace").count() == 2
    assert "Kantor Disdukcapil" not in page.content()
    target = os.environ.get("DASHBOARD_SCREENSHOT")
    if target:
        page.screenshot(path=target, full_page=True,
                        clip={"x": 0, "y": 0, "width": 1280, "height": 1480})
    # Hovering draws a tooltip (plotly styles it through the CSSOM, which the CSP allows).
    page.locator("#chart-elements .nsewdrag").first.hover()
    page.locator("#chart-elements .hoverlayer .hovertext").first.wait_for()
    # Plotly's own stylesheet came from static, not an injected <style>.
    assert page.evaluate("document.querySelectorAll('style').length") == 0
    assert page.locator(".main-svg").first.evaluate(
        "e => getComputedStyle(e).position") == "absolute"
    assert problems(page) == []
    assert serious_violations(page) == []


def test_the_head_drills_down_from_an_element_to_its_comments(page, live_server, demo_city):
    sign_in(page, live_server.url, "kadis.kesehatan")
    page.get_by_role("link", name="Lihat komentar").first.click()
    page.wait_for_load_state()
    assert "/dasbor/komentar" in page.url and "element=U" in page.url
    assert page.locator(".comment-card").count() > 0
    assert problems(page) == []


def test_the_officer_sees_their_own_component_with_its_chart(page, live_server, demo_city):
    sign_in(page, live_server.url, "petugas.siti")
    assert "/dasbor/" in page.url
    assert page.get_by_role("heading", name="Siti Rahmawati, A.Md.Keb.").is_visible()
    assert wait_for_charts(page) == 1
    assert page.locator("#chart-distribution svg.main-svg").count() >= 1
    assert page.get_by_text("Pengaturan yang dipakai").is_visible()
    assert problems(page) == []
    assert serious_violations(page) == []


def test_the_public_page_shows_the_units_ikm_on_a_phone(browser, live_server, live_session,
                                                        demo_city):
    context = browser.new_context(locale="id-ID", viewport={"width": 360, "height": 740},
                                  is_mobile=True, has_touch=True)
    context.add_init_script(WATCH_CSP)
    phone = context.new_page()
    try:
        phone.goto(f"{live_server.url}/hasil/")
        units = list(live_session.scalars(select(Unit).where(Unit.published.is_(True))))
        assert len(units) >= 2
        links = phone.locator(".public-unit-link")
        assert links.count() == len(units)
        unit = next(u for u in units if u.code == "PKM-SUKAMAJU")
        today = datetime.now(ZoneInfo(unit.timezone)).date()
        expected = ikm_read.unit_ikm(live_session, unit, preset_period("tahun", today))
        shown = f"{expected.result.ikm_converted:.2f}".replace(".", ",")
        card = links.filter(has_text=unit.name)
        assert shown in card.inner_text()
        card.click()
        phone.wait_for_load_state()
        assert phone.get_by_test_id("ikm").inner_text() == shown
        assert phone.locator("table.public-elements tbody tr").count() == 9
        assert "Siti Rahmawati" not in phone.content()
        # Fits the phone: nothing wider than the screen.
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360
        assert phone.evaluate("window.__refused") == []
        assert serious_violations(phone) == []
    finally:
        context.close()


def test_the_csp_watch_does_catch_a_refusal(page, live_server, demo_city):
    # Guards the checks above against passing because no refusal is ever recorded.
    page.goto(f"{live_server.url}/hasil/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color:red\">x</p>')")
    page.wait_for_function("window.__refused.length > 0")
    assert any("style-src" in line for line in problems(page))
