"""Which tests are end-to-end: those that start gunicorn, Chromium, an SMTP server or a
webhook receiver. tests/conftest.py marks them ``e2e`` when they are collected (a
``pytestmark`` in a conftest marks nothing), so ``make test-fast`` (``-m "not e2e"``) can
leave them out. A test is e2e when it lives in one of E2E_FOLDERS, or uses — directly or
through other fixtures — a fixture decorated with ``@starts_servers``."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.settings import ROOT

# Every test here starts gunicorn (and most Chromium).
E2E_FOLDERS = (ROOT / "tests" / "e2e",)
MARK = "starts_servers"


def starts_servers(fixture_function):
    """Put under ``@pytest.fixture``: the fixture starts a real server, so every test that
    uses it is an end-to-end test."""
    setattr(fixture_function, MARK, True)
    return fixture_function


def uses_a_server_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(getattr(definition.func, MARK, False)
               for definitions in info.name2fixturedefs.values() for definition in definitions)


def in_an_e2e_folder(item: pytest.Item) -> bool:
    path = Path(item.path)
    return any(path.is_relative_to(folder) for folder in E2E_FOLDERS)


def is_end_to_end(item: pytest.Item) -> bool:
    return in_an_e2e_folder(item) or uses_a_server_fixture(item)
