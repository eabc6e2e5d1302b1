"""Signing in and out, failed-login locks, password change, safe redirects."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.accounts import safe_next
from core.auth import verify_password
from core.models import AuditEntry, utcnow

PASSWORD = "rahasia-yang-panjang-123"


def login(client, username, password=PASSWORD, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"username": username, "password": password})


def test_the_login_page_has_the_form_and_its_masuk_button(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page
    assert ">Masuk</button>" in page


def test_a_correct_password_signs_in_and_lands_on_the_role_home(client, factory, db_session):
    user = factory.user(role="admin")
    response = login(client, user.username)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    db_session.refresh(user)
    assert user.last_login_at is not None
    assert utcnow() - user.last_login_at < timedelta(minutes=1)


def test_usernames_are_matched_without_regard_to_case(client, factory, db_session):
    user = factory.user(username="Siti.Rahma")
    assert login(client, "siti.rahma").status_code == 302
    db_session.refresh(user)
    assert user.last_login_at is not None


def test_an_unknown_user_and_a_wrong_password_get_the_same_message(client, factory):
    user = factory.user()
    unknown = login(client, "nobody-here").get_data(as_text=True)
    wrong = login(client, user.username, "salah-salah-salah").get_data(as_text=True)
    assert "Nama pengguna atau kata sandi salah" in unknown
    assert _message(unknown) == _message(wrong)
    assert client.get("/admin/").status_code == 302  # still signed out


def _message(page: str) -> str:
    start = page.index('role="alert"')
    return page[start:page.index("</p>", start)]


def test_five_failures_lock_the_account_even_against_the_right_password(client, factory,
                                                                          db_session):
    user = factory.user()
    for _ in range(5):
        login(client, user.username, "bukan-kata-sandinya")
    db_session.refresh(user)
    assert user.locked_until is not None and user.locked_until > utcnow()
    locked = login(client, user.username)
    assert locked.status_code == 200  # the form again, not a redirect
    assert client.get("/admin/").status_code == 302
    # The locked account's message is the one an unknown name gets: nothing is revealed.
    assert _message(locked.get_data(as_text=True)) == _message(
        login(client, "no-such-user").get_data(as_text=True))
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "user.locked")).one()
    assert entry.target == f"user:{user.username}"


def test_the_lock_ends_after_its_time_and_a_success_clears_the_count(client, factory,
                                                                      db_session):
    user = factory.user(failed_logins=3, locked_until=utcnow() - timedelta(seconds=1))
    assert login(client, user.username).status_code == 302
    db_session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None


def test_four_failures_do_not_lock(client, factory, db_session):
    user = factory.user()
    for _ in range(4):
        login(client, user.username, "bukan-kata-sandinya")
    db_session.refresh(user)
    assert user.locked_until is None
    assert login(client, user.username).status_code == 302


def test_a_deactivated_account_cannot_sign_in(client, factory):
    user = factory.user(active=False)
    assert login(client, user.username).status_code == 200
    assert client.get("/admin/").status_code == 302


def test_logout_ends_the_session(client, factory):
    user = factory.user()
    login(client, user.username)
    assert client.post("/logout").status_code == 302
    assert client.get("/admin/").status_code == 302


def test_logout_is_post_only_so_a_link_cannot_sign_anyone_out(client):
    assert client.get("/logout").status_code == 405


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/x", "/\\evil.example", "http:/evil.example",
    "javascript:alert(1)", "admin", "",
])
def test_next_never_leads_off_the_site(target):
    assert safe_next(target) is None


def test_next_returns_to_a_page_on_the_site(client, factory):
    user = factory.user()
    response = login(client, user.username, next_="/admin/units?x=1")
    assert response.headers["Location"] == "/admin/units?x=1"
    other = factory.user()
    client.post("/logout")
    response = login(client, other.username, next_="//evil.example/")
    assert "evil" not in response.headers["Location"]


def test_a_protected_page_sends_anonymous_visitors_to_login_with_next(client):
    response = client.get("/admin/units")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/admin/units")


def test_session_cookie_is_httponly_and_samesite(client, factory):
    user = factory.user()
    response = login(client, user.username)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure(make_app):
    production = make_app(ENV_NAME="production")
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.config["REMEMBER_COOKIE_SECURE"] is True


def test_a_login_without_a_csrf_token_is_refused(make_app, factory, db_session):
    user = factory.user()
    guarded = make_app(WTF_CSRF_ENABLED=True)
    response = guarded.test_client().post(
        "/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 400
    db_session.refresh(user)
    assert user.last_login_at is None


# --- password change ------------------------------------------------------------------


def change(client, current=PASSWORD, new="kata-sandi-baru-2026", confirm=None):
    return client.post("/account/password", data={
        "current_password": current, "new_password": new, "confirm": confirm or new})


def test_changing_the_password_needs_the_current_one(signed_in, factory, db_session):
    user = factory.user()
    client = signed_in(user)
    page = change(client, current="bukan-yang-sekarang").get_data(as_text=True)
    assert "Kata sandi saat ini salah" in page
    db_session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


@pytest.mark.parametrize("new, message", [
    ("pendek123", "minimal 10"),
    ("{username}", "nama pengguna"),
])
def test_a_new_password_must_be_long_and_not_the_username(signed_in, factory, db_session,
                                                          new, message):
    user = factory.user(username="petugas.loket")
    page = change(signed_in(user), new=new.format(username=user.username)).get_data(as_text=True)
    assert message in page.lower()
    db_session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(client, factory, app,
                                                                       db_session):
    user = factory.user()
    login(client, user.username)
    other_device = app.test_client()
    login(other_device, user.username)
    assert other_device.get("/admin/").status_code == 200

    response = change(client)
    assert response.status_code == 302
    db_session.refresh(user)
    assert verify_password(user.password_hash, "kata-sandi-baru-2026")
    assert client.get("/admin/").status_code == 200
    assert other_device.get("/admin/").status_code == 302  # signed out
    assert login(other_device, user.username, "kata-sandi-baru-2026").status_code == 302


def test_the_account_page_sends_each_role_home(signed_in, factory):
    officer = factory.officer()
    assert signed_in(factory.user(role="admin")).get("/account").headers["Location"] == "/admin/"
    home = signed_in(factory.user(role="officer", officer=officer)).get("/account")
    assert home.status_code == 302 and "/login" not in home.headers["Location"]
