"""Fixtures: one migrated database per run (SQLite, or PostgreSQL with TEST_DATABASE_URL),
each test in a transaction rolled back afterwards; factories; the CLI runner."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from core import create_app
from tests.support.databases import temporary_database
from tests.support.e2e import is_end_to_end
from tests.support.factories import Factory

TEST_SECRET = "test-secret-key-that-is-long-enough-for-production-0123456789"


# The files that take a minute or more, longest first. With ``-n 2`` (make test) xdist hands
# out whole files (``--dist loadfile --no-loadscope-reorder``) in the order its workers
# collected them: started last, the drills alone would keep one worker busy for minutes
# after the other had run out of work.
LONGEST_FIRST = (
    "bench/tests/test_drills.py",
    "tests/e2e/test_kiosk_tablet.py",
    "tests/core/test_ballot_stuffing.py",
    "tests/e2e/test_kiosk_flow.py",
    "tests/e2e/test_dashboard_browser.py",
    "tests/test_test_loop.py",
)


def pytest_collection_modifyitems(config, items):
    """Mark ``e2e`` every test that starts gunicorn, Chromium or a mail or webhook server
    (tests/support/e2e.py says which), so ``-m "not e2e"`` leaves them all out. In an xdist
    worker, order the files longest first: those above, then files with e2e tests, then
    files with slow ones, then the rest (a file's tests stay together, in their order)."""
    for item in items:
        if is_end_to_end(item):
            item.add_marker(pytest.mark.e2e)
    if hasattr(config, "workerinput"):
        rank: dict[str, int] = {}
        for item in items:
            path = _file_of(item)
            rank[path] = min(rank.get(path, 9), _rank(path, item))
        items.sort(key=lambda item: rank[_file_of(item)])


def _file_of(item) -> str:
    return item.nodeid.split("::", 1)[0]


def _rank(path: str, item) -> int:
    if path in LONGEST_FIRST:
        return LONGEST_FIRST.index(path)
    if item.get_closest_marker("e2e"):
        return len(LONGEST_FIRST)
    if item.get_closest_marker("slow"):
        return len(LONGEST_FIRST) + 1
    return len(LONGEST_FIRST) + 2


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with temporary_database(tmp_path_factory.mktemp("db")) as url:
        yield url


@functools.cache
def _limits_folder() -> Path:
    """This run's rate-limit counters: the default file in instance/ outlives a run, and a
    second run within the limits' window (CI runs SQLite, then PostgreSQL) would meet them."""
    folder = Path(tempfile.mkdtemp(prefix="suara-test-limits-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def build_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "RATELIMIT_FILE": _limits_folder() / "ratelimit.db",
        "SECRET_KEY": TEST_SECRET,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "BASE_URL": "http://suara.test",
        # Every fold batch reads the alert windows it touches: a test folds twice in a
        # second and expects the second batch seen (ids repeat across rolled-back tests).
        "ALERT_WINDOW_RECHECK_SECONDS": 0,
        **overrides,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def app(database_url):
    app = build_app(database_url)
    yield app
    app.extensions["db"].engine.dispose()


@pytest.fixture
def connection(app):
    """A connection in an outer transaction that every test rolls back."""
    engine = app.extensions["db"].engine
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


def bind_to(app, connection):
    """Make the app's sessions join ``connection``'s transaction (as savepoints)."""
    database = app.extensions["db"]
    original = database.sessionmaker
    database.sessionmaker = sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )
    return original


@pytest.fixture
def db_session(app, connection):
    original = bind_to(app, connection)
    session = app.extensions["db"].sessionmaker()
    yield session
    session.close()
    app.extensions["db"].sessionmaker = original


@pytest.fixture
def make_app(database_url, connection):
    """Another app on the same database, with other settings, inside this test's transaction."""
    made = []

    def factory(**overrides):
        other = build_app(database_url, **overrides)
        bind_to(other, connection)
        made.append(other)
        return other

    yield factory
    for other in made:
        other.extensions["db"].engine.dispose()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


@pytest.fixture
def runner(app, db_session):
    return app.test_cli_runner()


@pytest.fixture
def factory(app, db_session):
    return Factory(db_session, app.extensions["password_hasher"])


@pytest.fixture
def signed_in(app, db_session):
    """``signed_in(user)``: a test client with that user's session (Flask-Login's own way)."""
    from flask_login import FlaskLoginClient
    from flask_login.utils import _create_identifier

    from core.auth import Account

    def make(user):
        previous = app.test_client_class
        app.test_client_class = FlaskLoginClient
        try:
            client = app.test_client(user=Account(user))
        finally:
            app.test_client_class = previous
        # Strong session protection drops a session without the identifier of the client
        # (address and user agent) that signed in; FlaskLoginClient does not set one.
        with app.test_request_context(environ_base=client.environ_base):
            identifier = _create_identifier()
        with client.session_transaction() as session:
            session["_id"] = identifier
        return client

    return make


@pytest.fixture
def app_context(app):
    with app.test_request_context():
        yield
