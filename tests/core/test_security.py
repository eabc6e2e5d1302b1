"""Hardening: CSRF on every form, security headers on every page, addresses kept only as keyed
hashes."""

from __future__ import annotations

import uuid

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from core import create_app
from core.privacy import keyed_hash
from survey.models import Rating
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

# Token-free JSON APIs: authority comes from a header or the QR token, never a cookie, so a
# forged cross-site request carries nothing. Everything else that accepts POST needs a token.
TOKEN_FREE_PREFIXES = ("/api/", "/kiosk/api/")
# Forms exempt from the global check because they check their own token later (to keep a
# citizen's answers, or after raising the upload limit): without a token they must still
# change nothing. Any other exemption fails the walk below.
SELF_CHECKING = {"survey.survey": {400}, "admin.import_officers": {200, 400}}


def _routes():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET, "TESTING": True})
    return sorted(
        (rule.rule, rule.endpoint)
        for rule in app.url_map.iter_rules()
        if "POST" in rule.methods and not rule.rule.startswith(TOKEN_FREE_PREFIXES)
    )


FORM_ROUTES = _routes()


def test_the_walk_below_found_the_forms_it_should_guard():
    endpoints = {endpoint for _rule, endpoint in FORM_ROUTES}
    assert {"survey.survey", "complaints.complaint_status", "complaints.flagged_clear"} <= endpoints


@pytest.fixture
def csrf_on(app, monkeypatch):
    """The test app with CSRF checks on (Flask-WTF reads the setting on every request)."""
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    return app


@pytest.fixture
def token(db_session, factory):
    return token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)


@pytest.mark.parametrize(("rule", "endpoint"), FORM_ROUTES, ids=[r for r, _ in FORM_ROUTES])
def test_every_form_post_without_a_csrf_token_is_refused_with_400(
    csrf_on, signed_in, factory, token, rule, endpoint
):
    admin = factory.user(role="admin")
    with csrf_on.test_request_context():
        converters = csrf_on.url_map._rules_by_endpoint[endpoint][0]._converters
        values = {name: 1 if isinstance(conv, IntegerConverter) else "x"
                  for name, conv in converters.items()}
        if "token" in values:
            values["token"] = token
        path = url_for(endpoint, **values)
    client = signed_in(admin)
    response = client.post(path, data={"rating_id": str(uuid.uuid4()), "U1": "4", "x": "y"})
    expected = SELF_CHECKING.get(endpoint, {400})
    assert response.status_code in expected, f"{rule} accepted a POST without a CSRF token"


def test_a_form_post_with_a_valid_token_passes_the_check(csrf_on, signed_in, factory):
    unit = factory.unit()
    head = factory.user(role="head", department_id=unit.department_id)
    rating = factory.rating(unit=unit, flags="off-hours")
    client = signed_in(head)
    page = client.get("/integritas/").get_data(as_text=True)
    csrf = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    response = client.post("/integritas/bersihkan",
                           data={"csrf_token": csrf, "rating_id": str(rating.id)})
    assert response.status_code == 303


# --- headers --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/login", "/healthz", "/api/v1/units", "/s/not.valid-x",
                                  "/pengaduan/", "/no-such-page"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_rating_answer_carries_the_headers_and_sets_no_cookie(client, token):
    response = client.post("/api/v1/ratings", json={"id": str(uuid.uuid4()), "token": token,
                                                    "answers": {"U1": 4}})
    assert response.status_code == 201
    assert "Set-Cookie" not in response.headers  # no session, and no device cookie: limits off
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers.getlist("X-Content-Type-Options") == ["nosniff"]


def test_a_header_a_view_set_itself_is_kept_and_not_doubled(app):
    with app.test_request_context("/"):
        response = app.make_response(("x", 200, {"x-frame-options": "SAMEORIGIN"}))
        response = app.process_response(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_session_signed_with_a_retired_key_still_opens_and_a_new_key_is_used(make_app):
    old = make_app(SECRET_KEY="o" * 40)
    with old.test_request_context("/"):
        cookie = old.session_interface.get_signing_serializer(old).dumps({"probe": 1})
    rotated = make_app(SECRET_KEY="n" * 40, SECRET_KEY_FALLBACKS=["o" * 40])
    for _ in range(2):  # the serializer is kept once built: still the right keys
        with rotated.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            from flask import session

            assert session.get("probe") == 1
    rotated.config["SECRET_KEY_FALLBACKS"] = []  # retired for good on a running app
    with rotated.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        from flask import session

        assert session.get("probe") is None


def test_session_cookies_are_httponly_and_samesite_and_secure_in_production(make_app):
    app = make_app(ENV_NAME="production")
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


# --- addresses ------------------------------------------------------------------------------


def test_a_citizens_address_is_stored_only_as_a_keyed_hash(app, client, db_session, token):
    rating_id = str(uuid.uuid4())
    response = client.post("/api/v1/ratings", json={"id": rating_id, "token": token,
                                                    "answers": {"U1": 4}},
                           environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 201
    rating = db_session.get(Rating, uuid.UUID(rating_id))
    with app.test_request_context():
        expected = keyed_hash("203.0.113.77")
    assert rating.client_hash == expected
    assert "203.0.113" not in rating.client_hash
    # Every text column of the rating, not just the hash, is free of the address.
    row = db_session.execute(select(Rating.__table__).where(Rating.id == rating.id)).one()
    assert not any("203.0.113" in str(value) for value in row)


def test_the_hash_is_keyed_so_it_cannot_be_looked_up_without_the_secret(make_app):
    one, other = make_app(SECRET_KEY="a" * 40), make_app(SECRET_KEY="b" * 40)
    with one.test_request_context():
        first = keyed_hash("203.0.113.77")
    with other.test_request_context():
        second = keyed_hash("203.0.113.77")
    import hashlib

    assert first != second
    assert first not in hashlib.sha256(b"203.0.113.77").hexdigest()
