"""``python -m bench comments``: the comment-quality section of the benchmarks (the scoring
itself is harness/comments_quality.py, held to its targets by tests/survey)."""

from __future__ import annotations

from bench.__main__ import main


def test_python_m_bench_comments_runs_the_benchmark(capsys):
    assert main(["comments", "--no-record"]) == 0
    out = capsys.readouterr().out
    assert "mask pii" in out and "held out" in out and out.rstrip().endswith("PASS")
