"""A pytest plugin for tests/test_test_loop.py (``-p tests.support.collected``): writes, for
every test a run selected and every test it deselected, its markers and whether its own code
or any fixture it uses starts a real server, to the JSON file $COLLECTED_TESTS_JSON."""

from __future__ import annotations

import inspect
import json
import os
import re

# What starting gunicorn, Chromium, an SMTP server or a webhook receiver looks like in code.
STARTS_A_SERVER = re.compile(
    r"\b(?:\w*Server|WebhookReceiver|FoldWorker)\(|sync_playwright|\.launch\(|\bGUNICORN\b"
    r"|[\"']gunicorn[\"']")

_deselected: list = []


def _source(function) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):
        return ""


def starts_a_server(item) -> bool:
    sources = [_source(getattr(item, "function", None))]
    info = getattr(item, "_fixtureinfo", None)
    if info is not None:
        sources += [_source(definition.func) for definitions in info.name2fixturedefs.values()
                    for definition in definitions]
    return any(STARTS_A_SERVER.search(source) for source in sources)


def _row(item, selected: bool) -> dict:
    return {"nodeid": item.nodeid, "selected": selected,
            "markers": sorted({mark.name for mark in item.iter_markers()}),
            "starts_a_server": starts_a_server(item)}


def pytest_deselected(items):
    _deselected.extend(items)


def pytest_collection_finish(session):
    rows = [_row(item, True) for item in session.items]
    rows += [_row(item, False) for item in _deselected]
    with open(os.environ["COLLECTED_TESTS_JSON"], "w") as out:
        json.dump(rows, out)
