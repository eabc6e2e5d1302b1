"""The in-process CPU profiler runs: both apps answer 201 to the submit benchmark's body and
a ratio comes out (how large it is, bench/ measures; nothing here asserts a speed)."""

from __future__ import annotations

import pytest

from bench import request_cpu

pytestmark = pytest.mark.slow


def test_the_request_profiler_measures_app_and_baseline_and_a_profile(capsys):
    assert request_cpu.main(["--requests", "3", "--rounds", "2", "--warmup", "2",
                             "--profile", "--profile-requests", "3", "--top", "5"]) == 0
    out = capsys.readouterr().out
    assert "baseline" in out and "ratio" in out
    assert "function calls" in out  # the profile


def test_the_request_profiler_runs_with_the_rate_limits_on(capsys):
    assert request_cpu.main(["--requests", "3", "--rounds", "1", "--warmup", "1",
                             "--limits"]) == 0
    assert "limits on" in capsys.readouterr().out
