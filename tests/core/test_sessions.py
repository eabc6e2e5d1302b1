"""Sessions end on the server: a copied cookie dies with sign-out, a deactivated account's
cookie stays dead after reactivation, a new password ends the others, and a staff sign-in
lasts SESSION_HOURS (12 by default), not Flask's 31 days."""

from __future__ import annotations

import time

from flask_login import FlaskLoginClient
from flask_login.utils import _create_identifier

from admin import services as admin
from core.auth import Account
from core.settings import build

PASSWORD = "rahasia-yang-panjang-123"


def sign_in(app, user):
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding the same session cookie (stolen, or left on a shared PC)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_a_copied_session_cookie_works_until_sign_out_and_never_after(app, factory):
    user = factory.user(role="admin")
    client = sign_in(app, user)
    thief = copy_of(app, client)
    assert thief.get("/admin/").status_code == 200
    assert client.post("/logout").status_code == 302
    assert thief.get("/admin/").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_signing_in_again_after_sign_out_works(app, factory):
    user = factory.user(role="admin")
    client = sign_in(app, user)
    client.post("/logout")
    assert sign_in(app, user).get("/admin/").status_code == 200


def test_a_deactivated_accounts_old_cookie_stays_dead_after_reactivation(app, factory,
                                                                        db_session):
    user = factory.user(role="admin")
    factory.user(role="admin")  # another administrator, so this one may be deactivated
    client = sign_in(app, user)
    admin.set_user_active(db_session, "test", user, False)
    db_session.flush()
    assert client.get("/admin/").status_code == 302
    admin.set_user_active(db_session, "test", user, True)
    db_session.flush()
    assert client.get("/admin/").status_code == 302
    assert sign_in(app, user).get("/admin/").status_code == 200


def test_a_new_password_ends_the_other_sessions_but_keeps_this_one(app, factory):
    user = factory.user(role="admin")
    here = sign_in(app, user)
    elsewhere = sign_in(app, user)
    response = here.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "kata-sandi-baru-2026",
        "confirm": "kata-sandi-baru-2026"})
    assert response.status_code == 302
    assert here.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


def _session_signed_in(app, user, seconds_ago: int):
    previous = app.test_client_class
    app.test_client_class = FlaskLoginClient
    try:
        client = app.test_client(user=Account(user, int(time.time()) - seconds_ago))
    finally:
        app.test_client_class = previous
    with app.test_request_context(environ_base=client.environ_base):
        identifier = _create_identifier()
    with client.session_transaction() as session:
        session["_id"] = identifier
    return client


def test_a_staff_session_ends_after_session_hours(app, factory):
    user = factory.user(role="admin")
    assert app.config["SESSION_HOURS"] == 12
    assert _session_signed_in(app, user, 11 * 3600).get("/admin/").status_code == 200
    assert _session_signed_in(app, user, 12 * 3600 + 60).get("/admin/").status_code == 302


def test_the_session_cookie_itself_expires_with_session_hours(app):
    assert app.permanent_session_lifetime.total_seconds() == 12 * 3600


def test_session_hours_is_a_setting(tmp_path):
    config = build(tmp_path, {"SECRET_KEY": "x" * 40}, environ={"SESSION_HOURS": "8"})
    assert config["SESSION_HOURS"] == 8


def test_a_session_id_from_before_session_versions_is_refused(app, factory):
    user = factory.user(role="admin")
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user.id}:0"
        session["_fresh"] = True
    assert client.get("/admin/").status_code == 302
