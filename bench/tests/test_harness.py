"""The benchmarks themselves work: run on tiny numbers, they measure both targets, check
the ratings stored against the answers counted, and write readable results. Nothing here
asserts how fast anything is — bench/ measures that, against a baseline."""

from __future__ import annotations

import shutil

import pytest

from bench import dashboards, fold, results, submit
from harness.servers import fold_available, postgres_server_url

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def submitted(tmp_path_factory):
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (apt-get install wrk)")
    settings = submit.Settings(duration=1.0, warmup=0.5, rounds=2, connections=4,
                               wrk_threads=1)
    engine = "postgresql" if postgres_server_url() else "sqlite"
    return submit.run(engine, postgres_server_url(), settings, log=lambda *_: None,
                      workdir=tmp_path_factory.mktemp("submit"))


def test_the_submit_benchmark_measures_app_and_baseline_in_alternating_rounds(submitted):
    assert [(r["round"], r["target"]) for r in submitted["runs"]] == [
        (1, "baseline"), (1, "app"), (2, "app"), (2, "baseline")]
    for target in ("baseline", "app"):
        assert submitted[target]["created"] > 0
        assert submitted[target]["p50_ms"] <= submitted[target]["p99_ms"]
    assert submitted["ratio"] == pytest.approx(
        submitted["app"]["rate"] / submitted["baseline"]["rate"], rel=0.01)


def test_the_fold_lag_is_probed_under_the_load_when_the_app_has_a_fold(submitted):
    if not fold_available():
        # Before the fold: each request counts its own rating, there is no lag to measure.
        assert submitted["fold"] is None
        return
    lag = submitted["fold"]
    assert lag["probes"] > 0 and lag["fold_worker_alive"]
    assert lag["lag_p50_ms"] <= lag["lag_p99_ms"] <= lag["lag_max_ms"]
    assert submitted["app"]["fold_cpu_ms_per_rating"] is not None


def test_every_rating_answered_201_is_stored_and_nothing_else_came_back(submitted):
    assert submitted["counts_ok"], submitted["failures"]
    for run in submitted["runs"]:
        assert run["stored"] == run["created"] == run["statuses"]["201"]
        assert set(run["statuses"]) == {"201"} and run["unanswered"] == 0


def test_a_run_that_stored_less_than_it_acknowledged_fails():
    run = submit.Run(target="app", round=1, created=10, sent=10, seconds=1.0,
                     statuses={"201": 10}, unanswered=0, other_statuses={"200": 3},
                     socket_errors={}, stored=9, cpu_seconds=0.1)
    assert run.failures == ["stored 9 ratings for 10 201s"]


def test_a_run_with_errors_fails():
    run = submit.Run(target="app", round=1, created=8, sent=10, seconds=1.0,
                     statuses={"201": 8, "503": 2}, unanswered=2, other_statuses={},
                     socket_errors={"timeout": 1}, stored=8, cpu_seconds=0.1)
    assert len(run.failures) == 3


def test_dashboards_are_timed_on_both_tables_and_a_query_reading_ratings_is_named(tmp_path):
    # On PostgreSQL the tables are generated with COPY.
    outcome = dashboards.run(small=200, large=1000, repeat=1, log=lambda *_: None,
                             workdir=tmp_path, server_url=postgres_server_url())
    assert outcome["engine"] == ("postgresql" if postgres_server_url() else "sqlite")
    assert not outcome["failures"]  # the aggregates count every generated rating
    names = [q["name"] for q in outcome["queries"]]
    assert "unit IKM, quarter" in names
    for query in outcome["queries"]:
        assert query["small_ms"] > 0 and query["large_ms"] > 0
        if query["ok"] is False:
            assert query["scans"].startswith("reads ratings: ")


def test_results_render_each_section_with_its_verdict(submitted, tmp_path, monkeypatch):
    monkeypatch.setattr(results, "JSON", tmp_path / "latest.json")
    monkeypatch.setattr(results, "MARKDOWN", tmp_path / "latest.md")
    results.record("submit-test", submitted)
    results.record("drills-sqlite", {"passed": True, "drills": [
        {"name": "kiosk_retries", "passed": True, "detail": "ok"}]})

    text = (tmp_path / "latest.md").read_text()
    assert "## submit-test" in text and "ratio app ÷ baseline" in text
    assert "| kiosk_retries | **PASS** | ok |" in text
    assert results.load()["sections"]["submit-test"]["machine"]["cores"] >= 1


def test_the_fold_empties_a_backlog_counting_each_rating_once(tmp_path):
    engine = "postgresql" if postgres_server_url() else "sqlite"
    outcome = fold.run(engine, postgres_server_url(), backlog=300, log=lambda *_: None,
                       workdir=tmp_path)
    if outcome.get("skipped"):
        assert not fold_available()
        pytest.skip(outcome["detail"])
    assert outcome["counts_ok"], outcome["failures"]
    assert outcome["stored"] == 300 and outcome["folded"] == 300
    assert outcome["rate"] == pytest.approx(outcome["folded"] / outcome["seconds"], rel=0.01)


def test_results_render_the_fold_and_a_skipped_or_failed_drill(tmp_path, monkeypatch):
    monkeypatch.setattr(results, "JSON", tmp_path / "latest.json")
    monkeypatch.setattr(results, "MARKDOWN", tmp_path / "latest.md")
    results.record("fold-sqlite", {
        "engine": "sqlite", "backlog": 1000, "min_rate": 20000.0, "load_average": [0.5],
        "generate_seconds": 1.0, "stored": 1000, "folded": 1000, "seconds": 0.04,
        "rate": 25000.0, "cpu_ms_per_rating": 0.03, "counts_ok": True, "rate_ok": True,
        "failures": [], "passed": True})
    results.record("drills-postgresql", {"passed": False, "quick": True, "drills": [
        {"name": "many_hosts", "passed": True, "skipped": True, "detail": "no Redis"},
        {"name": "database_restarts", "passed": False,
         "detail": "could not start its own PostgreSQL cluster: initdb exited 1: denied"}]})

    text = (tmp_path / "latest.md").read_text()
    assert "folded **1,000 ratings in 0.04 s: 25,000/s**; bar ≥ 20,000/s → **PASS**" in text
    assert "| many_hosts | skipped | no Redis |" in text
    assert ("| database_restarts | **FAIL** | could not start its own PostgreSQL cluster: "
            "initdb exited 1: denied |") in text
    assert "Short form" in text
