"""The reliability drills, short: the same checks as ``python -m bench drills``, on the
engine the suite runs on (the database-restart drill always uses a PostgreSQL cluster of
its own)."""

from __future__ import annotations

import pytest

from bench.drills import database_restarts, kiosk_retries, worker_dies

pytestmark = pytest.mark.e2e


def quiet(*_args):
    pass


def test_a_rating_sent_many_times_at_once_is_stored_once_and_answered_201_then_200(tmp_path):
    outcome = kiosk_retries.run(quick=True, log=quiet, workdir=tmp_path)
    assert outcome["passed"], outcome["detail"]


def test_workers_killed_under_load_lose_no_rating_and_count_none_twice(tmp_path):
    outcome = worker_dies.run(quick=True, log=quiet, workdir=tmp_path)
    assert outcome["passed"], outcome["detail"]


def test_a_database_restart_is_answered_503_and_survived_without_losing_a_rating(tmp_path):
    reason = database_restarts.available()
    if reason:
        pytest.skip(reason)
    outcome = database_restarts.run(quick=True, log=quiet, workdir=tmp_path)
    assert outcome["passed"], outcome["detail"]
