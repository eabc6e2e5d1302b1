"""End-to-end fixtures: a migrated database of its own, gunicorn serving it, and Chromium."""

from __future__ import annotations

import os

import pytest
from sqlalchemy.orm import Session

from core.db import make_engine
from tests.conftest import TEST_SECRET
from tests.support.browser import CHROMIUM_ARGS, chromium_path
from tests.support.databases import temporary_database
from tests.support.e2e import starts_servers
from tests.support.factories import Factory
from tests.support.live import LiveServer


@pytest.fixture(scope="module")
def live_database(tmp_path_factory):
    with temporary_database(tmp_path_factory.mktemp("live-db")) as url:
        yield url


@pytest.fixture(scope="module")
def live_engine(live_database):
    engine = make_engine(live_database)
    yield engine
    engine.dispose()


@pytest.fixture
def live_session(live_engine):
    """A session on the live server's database; what it commits, the server sees."""
    with Session(live_engine, expire_on_commit=False) as session:
        yield session


@pytest.fixture
def live_factory(live_session):
    return Factory(live_session)


@pytest.fixture(scope="module")
@starts_servers
def live_server(live_database, tmp_path_factory):
    server = LiveServer(database_url=live_database, secret_key=TEST_SECRET)
    server.start(tmp_path_factory.mktemp("logs"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
@starts_servers
def browser(playwright_instance):
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed (apt-get install chromium); "
                        "CI must run the browser tests")
        pytest.skip("Chromium is not installed: `make test` installs it")
    browser = playwright_instance.chromium.launch(executable_path=path, args=CHROMIUM_ARGS,
                                                  headless=True)
    yield browser
    browser.close()
