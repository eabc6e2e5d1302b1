"""The reliability drills, short, run the way ``make bench`` runs them: through
``python -m bench``'s entry point (``bench.__main__.main``), with its temporary folder (0700,
which the restart drill's PostgreSQL cluster must stay out of: issue 15), on the engine the
suite runs on, recording into a results file of the test's own."""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path

import pytest

from bench import results
from bench.__main__ import main
from bench.drills import DRILLS, database_restarts, many_hosts
from harness.servers import postgres_server_url

pytestmark = pytest.mark.e2e


def suite_engine() -> str:
    """PostgreSQL when the suite runs on it; else SQLite plus the restart drill's own cluster
    (``--engine all`` without a PostgreSQL server configured)."""
    return "postgresql" if postgres_server_url() else "all"


def run_bench(argv: list[str], folder: Path) -> tuple[int, dict, str]:
    """``python -m bench …`` in this process, recording into ``folder``: (exit status, the
    JSON, the markdown)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(results, "JSON", folder / "latest.json")
        patch.setattr(results, "MARKDOWN", folder / "latest.md")
        patch.setattr(results, "ROOT", folder)
        status = main(argv)
    return (status, json.loads((folder / "latest.json").read_text()),
            (folder / "latest.md").read_text())


@pytest.fixture(scope="module")
def bench_drills(tmp_path_factory):
    folder = tmp_path_factory.mktemp("results")
    status, data, markdown = run_bench(["drills", "--quick", "--engine", suite_engine()],
                                       folder)
    engine = "postgresql" if postgres_server_url() else "sqlite"
    outcomes = {d["name"]: d for d in data["sections"][f"drills-{engine}"]["outcome"]["drills"]}
    return status, outcomes, markdown


def test_make_bench_runs_every_drill_to_its_verdict_and_records_it(bench_drills):
    status, outcomes, markdown = bench_drills
    assert set(outcomes) == set(DRILLS)
    failed = {name: o["detail"] for name, o in outcomes.items() if not o["passed"]}
    assert not failed
    assert status == 0
    for name in DRILLS:
        assert f"| {name} | " in markdown
    assert "Traceback" not in markdown


def test_a_rating_sent_many_times_at_once_is_stored_once_and_answered_201_then_200(
        bench_drills):
    outcome = bench_drills[1]["kiosk_retries"]
    assert outcome["passed"], outcome["detail"]
    assert "one 201 and 7 200s each" in outcome["detail"]


def test_workers_killed_under_load_lose_no_rating_and_count_none_twice(bench_drills):
    outcome = bench_drills[1]["worker_dies"]
    assert outcome["passed"], outcome["detail"]
    assert "3 workers killed" in outcome["detail"]


def test_a_host_and_a_fold_worker_killed_under_load_lose_no_rating_and_count_none_twice(
        bench_drills):
    reason = many_hosts.redis_unavailable()
    if reason:
        pytest.skip(reason)
    outcome = bench_drills[1]["many_hosts"]
    assert outcome["passed"], outcome["detail"]
    assert "host 1" in outcome["detail"] and "SIGKILLed" in outcome["detail"]
    assert "rate limits shared through Redis" in outcome["detail"]


def test_a_database_restart_is_answered_503_and_survived_without_losing_a_rating(bench_drills):
    reason = database_restarts.available()
    if reason:
        pytest.skip(reason)
    outcome = bench_drills[1]["database_restarts"]
    assert outcome["passed"], outcome["detail"]
    assert "503" in outcome["detail"]


def test_the_restart_drills_cluster_is_made_where_its_server_user_can_reach_it(
        tmp_path, monkeypatch):
    # What `python -m bench` does: every temporary file of the run in a folder of its own,
    # which mkdtemp makes 0700 (for root: no entry for the postgres user).
    run_folder = Path(tempfile.mkdtemp(dir=tmp_path))
    assert stat.S_IMODE(run_folder.stat().st_mode) == 0o700
    monkeypatch.setattr(tempfile, "tempdir", str(run_folder))
    monkeypatch.setenv("PG_DRILL_DIR", str(run_folder))
    parent = database_restarts.cluster_parent()
    assert database_restarts._reachable(parent)
    if os.geteuid() == 0:  # the postgres user cannot enter root's 0700 folder: not there
        assert parent != run_folder and run_folder not in parent.parents


def test_a_drill_that_cannot_start_its_cluster_fails_with_the_reason_not_a_traceback(
        tmp_path, monkeypatch, capsys):
    # PostgreSQL's binaries, as a broken installation would have them.
    binaries = Path(tempfile.mkdtemp(prefix="suara-fake-pg-", dir="/tmp"))
    try:
        binaries.chmod(0o755)
        for name in ("initdb", "pg_ctl"):
            script = binaries / name
            script.write_text("#!/bin/sh\necho \"initdb: error: could not access directory"
                              " \\\"$3\\\": Permission denied\" >&2\nexit 1\n")
            script.chmod(0o755)
        monkeypatch.setattr(database_restarts, "BIN", binaries)
        status, data, markdown = run_bench(
            ["drills", "--quick", "--engine", suite_engine(), "--drill", "database_restarts"],
            tmp_path)
    finally:
        for script in binaries.iterdir():
            script.unlink()
        binaries.rmdir()
    assert status == 1
    engine = "postgresql" if postgres_server_url() else "sqlite"
    [outcome] = data["sections"][f"drills-{engine}"]["outcome"]["drills"]
    assert outcome["passed"] is False
    assert "could not start its own PostgreSQL cluster" in outcome["detail"]
    assert "initdb exited 1" in outcome["detail"] and "Permission denied" in outcome["detail"]
    assert "| database_restarts | **FAIL** | could not start its own PostgreSQL cluster" \
        in markdown
    assert "Traceback" not in markdown + capsys.readouterr().out

