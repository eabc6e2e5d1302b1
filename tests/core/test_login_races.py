"""Sign-ins at the same moment, on a real database outside the test transaction, from
threads (argon2 lets go of the GIL while it hashes, so they truly overlap): concurrent wrong
passwords are each counted and lock the account; concurrent right ones all get in (no 503
on SQLite); a wrong current password on /account/password counts like a failed sign-in."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, User, utcnow
from tests.conftest import build_app
from tests.support.databases import temporary_database
from tests.support.factories import Factory

PASSWORD = "rahasia-yang-panjang-123"


# Real threads against real argon2 costs (Factory outside an app: the default hasher), so
# the checks overlap as they do in production: seconds each.
pytestmark = pytest.mark.slow


@pytest.fixture
def live_app(tmp_path):
    with temporary_database(tmp_path) as url:
        app = build_app(url)
        yield app
        app.extensions["db"].engine.dispose()


def make_users(app, count: int) -> list[str]:
    with Session(app.extensions["db"].engine) as session:
        names = [Factory(session).user(role="admin").username for _ in range(count)]
        session.commit()
    return names


def user_row(app, username: str) -> User:
    with Session(app.extensions["db"].engine) as session:
        return session.scalars(select(User).where(User.username == username)).one()


def all_at_once(count: int, attempt):
    """Run ``attempt(i)`` in ``count`` threads released together; their results."""
    start = threading.Barrier(count)

    def run(index):
        start.wait()
        return attempt(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def test_eight_concurrent_wrong_passwords_lock_the_account(live_app):
    [username] = make_users(live_app, 1)

    def wrong(_index):
        return live_app.test_client().post(
            "/login", data={"username": username, "password": "bukan-kata-sandinya"}).status_code

    assert set(all_at_once(8, wrong)) == {200}  # the form again, each time
    user = user_row(live_app, username)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # Eight failures: five locked it, the three after count toward the next lock.
    assert user.failed_logins == 3
    right = live_app.test_client().post("/login", data={"username": username,
                                                        "password": PASSWORD})
    assert right.status_code == 200  # locked, even with the right password
    with Session(live_app.extensions["db"].engine) as session:
        locks = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.locked"))
        assert len(list(locks)) == 1


def test_concurrent_right_passwords_all_sign_in(live_app):
    names = make_users(live_app, 4)

    def right(index):
        client = live_app.test_client()
        response = client.post("/login", data={"username": names[index % len(names)],
                                               "password": PASSWORD})
        return response.status_code, client.get("/admin/").status_code

    assert set(all_at_once(8, right)) == {(302, 200)}
    assert all(user_row(live_app, name).last_login_at is not None for name in names)


def test_concurrent_sign_ins_and_failures_never_answer_503(live_app):
    names = make_users(live_app, 2)

    def mixed(index):
        password = PASSWORD if index % 2 else "salah-salah-salah"
        return live_app.test_client().post("/login", data={"username": names[index % 2],
                                                           "password": password}).status_code

    statuses = all_at_once(8, mixed)
    assert 503 not in statuses and 500 not in statuses


def test_wrong_current_passwords_on_the_password_page_lock_the_account(live_app):
    [username] = make_users(live_app, 1)
    client = live_app.test_client()
    assert client.post("/login", data={"username": username,
                                       "password": PASSWORD}).status_code == 302

    def change(current):
        return client.post("/account/password", data={
            "current_password": current, "new_password": "kata-sandi-baru-2026",
            "confirm": "kata-sandi-baru-2026"})

    for _ in range(4):
        assert "Kata sandi saat ini salah" in change("tebakan-salah").get_data(as_text=True)
    assert user_row(live_app, username).failed_logins == 4
    locked = change("tebakan-kelima").get_data(as_text=True)
    assert "akun dikunci 15 menit" in locked
    user = user_row(live_app, username)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # Locked: even the right current password changes nothing, and sign-in is refused.
    assert change(PASSWORD).status_code == 200
    assert user_row(live_app, username).password_hash == user.password_hash
    other = live_app.test_client()
    assert other.post("/login", data={"username": username,
                                      "password": PASSWORD}).status_code == 200


def test_concurrent_wrong_current_passwords_are_each_counted(live_app):
    [username] = make_users(live_app, 1)
    clients = []
    for _ in range(4):
        client = live_app.test_client()
        client.post("/login", data={"username": username, "password": PASSWORD})
        clients.append(client)

    def wrong(index):
        return clients[index].post("/account/password", data={
            "current_password": "tebakan-salah", "new_password": "kata-sandi-baru-2026",
            "confirm": "kata-sandi-baru-2026"}).status_code

    assert set(all_at_once(4, wrong)) == {200}
    assert user_row(live_app, username).failed_logins == 4
