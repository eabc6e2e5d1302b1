"""The fast loop: every test that starts gunicorn, Chromium, an SMTP server or a webhook
receiver is marked e2e, so ``make test-fast`` (``-m "not e2e and not slow"``) runs none of
them; and tests/ imports nothing from bench/ (what both need is in harness/)."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from core.settings import ROOT
from tests.support.collected import STARTS_A_SERVER


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> list[dict]:
    """What ``pytest --collect-only -m "not e2e"`` selects and leaves out, test by test."""
    report = tmp_path_factory.mktemp("collected") / "collected.json"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", "not e2e",
         "-p", "no:cacheprovider", "-p", "tests.support.collected"],
        cwd=ROOT, env={**os.environ, "COLLECTED_TESTS_JSON": str(report)},
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(report.read_text())


# Kept out of the test function: the check reads test functions' own code.
SERVER_CODE = ('server = LiveServer(database_url=url, secret_key=key)',
               'SmtpServer().start()', 'WebhookReceiver(SECRET).start()',
               'playwright.chromium.launch(executable_path=path)',
               'with sync_playwright() as p:', 'subprocess.run([GUNICORN, "--help"])',
               'Popen(["gunicorn", "wsgi:app"])', 'LimitedServer(limit_env=env)')
OTHER_CODE = ('client.post("/api/ratings")', 'runner.invoke(args=["fold"])',
              '"""SQLite writers across gunicorn workers"""')


def test_the_server_check_recognises_each_way_a_test_starts_a_server():
    for code in SERVER_CODE:
        assert STARTS_A_SERVER.search(code), code
    for code in OTHER_CODE:
        assert not STARTS_A_SERVER.search(code), code


@pytest.mark.slow
def test_no_test_left_in_by_not_e2e_starts_a_server(collected):
    selected = [row for row in collected if row["selected"]]
    starting = [row["nodeid"] for row in selected if row["starts_a_server"]]
    assert starting == []
    assert not [row["nodeid"] for row in selected if "e2e" in row["markers"]]
    assert not [row["nodeid"] for row in selected if row["nodeid"].startswith("tests/e2e/")]


@pytest.mark.slow
def test_the_tests_that_start_servers_are_the_ones_left_out(collected):
    left_out = {row["nodeid"] for row in collected if not row["selected"]}
    assert all("e2e" in row["markers"] for row in collected if not row["selected"])
    # Each kind of server, and each way of being marked, is among them.
    for part in ("tests/e2e/test_kiosk_flow.py::",             # the folder (gunicorn, Chromium)
                 "tests/e2e/test_survey_http.py::",            # the folder (gunicorn alone)
                 "tests/core/test_ballot_stuffing.py::",       # a fixture starting gunicorn
                 "tests/analytics/test_alerts_delivery.py::",  # SMTP and webhook receivers
                 "tests/analytics/test_alerts_views.py::test_alert_work_once",  # a receiver
                 "bench/tests/test_drills.py::"):              # the drills' own gunicorns
        assert any(nodeid.startswith(part) for nodeid in left_out), part
    assert len([row for row in collected if row["selected"]]) > 1000


def _imported_modules(path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("folder", "forbidden"), [("tests", "bench"), ("harness", "tests"),
                                                    ("harness", "bench")])
def test_imports_point_one_way_between_tests_harness_and_bench(folder, forbidden):
    wrong = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in (ROOT / folder).rglob("*.py")
        for name in _imported_modules(path)
        if name == forbidden or name.startswith(forbidden + ".")
    )
    assert wrong == []
