"""What a browser or proxy may keep: nothing of a signed-in user's pages (no-store); the public
results stay cacheable; production pins HTTPS with HSTS. /api/v1/units lists only published
units."""

from __future__ import annotations

import pytest

from tests.conftest import build_app


@pytest.fixture
def world(factory):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    rating = factory.rating(unit=unit, officer=officer)
    complaint = factory.comment(rating, kind="complaint", category="antrean",
                                text="Antre lama", contact="0812-3456-7890",
                                contact_consent=True, status="baru",
                                due_on=rating.submitted_at.date())
    return {"unit": unit, "officer": officer, "complaint": complaint}


def test_every_page_of_a_signed_in_user_says_no_store(signed_in, factory, world):
    client = signed_in(factory.user(role="admin"))
    pages = [
        f"/pengaduan/{world['complaint'].id}",
        "/pengaduan/",
        "/dasbor/",
        f"/dasbor/petugas/{world['officer'].id}",
        f"/api/v1/officers/{world['officer'].nip}/component?from=2026-01-01&to=2026-01-31",
        "/admin/",
        "/account/password",
        "/hasil/",  # even a public page, while signed in: it carries the user's menu
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert response.headers.get("Cache-Control") == "no-store", page


def test_the_complaint_with_a_contact_is_not_kept_even_by_a_head(signed_in, factory, world):
    head = factory.user(role="head", department_id=world["unit"].department_id)
    response = signed_in(head).get(f"/pengaduan/{world['complaint'].id}")
    assert response.status_code == 200
    assert "0812-3456-7890" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_is_not_kept_and_public_results_are_left_alone(client, world):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    for page in ("/hasil/", "/api/v1/units"):
        response = client.get(page)
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", "")


def test_production_sends_hsts_and_development_does_not(database_url, client):
    production = build_app(database_url, ENV_NAME="production")
    try:
        response = production.test_client().get("/healthz")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    finally:
        production.extensions["db"].engine.dispose()
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_the_units_api_lists_only_published_units(client, factory):
    shown = factory.unit()
    hidden = factory.unit(published=False)
    codes = {unit["code"] for unit in client.get("/api/v1/units").json["units"]}
    assert shown.code in codes
    assert hidden.code not in codes
