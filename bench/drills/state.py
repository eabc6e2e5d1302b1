"""What the database holds after a drill: ratings stored, and ratings the aggregates count.

Read with plain SQL on the tables (``rating``, ``daily_aggregate``), never through the app's
read path: that would fold what is pending first, and the drills must see whether the fold
workers did it themselves."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from core.db import make_engine


@dataclass(frozen=True)
class Stored:
    ratings: int
    counted: int  # sum of daily_aggregate.ratings: each rating counted exactly once
    ids: frozenset
    # (unit, service day) → ratings stored / counted in the aggregates
    stored_by_day: Counter = field(default_factory=Counter, compare=False)
    counted_by_day: Counter = field(default_factory=Counter, compare=False)

    def miscounted_days(self) -> dict:
        """The unit-days whose aggregates do not count exactly the ratings stored."""
        return {key: (self.stored_by_day.get(key, 0), self.counted_by_day.get(key, 0))
                for key in set(self.stored_by_day) | set(self.counted_by_day)
                if self.stored_by_day.get(key, 0) != self.counted_by_day.get(key, 0)}


def _day(value) -> str:
    return str(value)[:10]


def stored_state(database_url: str) -> Stored:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            ids, stored_by_day = set(), Counter()
            for rating_id, unit_id, day in connection.execute(
                    text("SELECT id, unit_id, service_day FROM rating")):
                ids.add(str(uuid.UUID(str(rating_id))))
                stored_by_day[(unit_id, _day(day))] += 1
            counted_by_day = Counter()
            for unit_id, day, ratings in connection.execute(text(
                    "SELECT unit_id, service_day, SUM(ratings) FROM daily_aggregate "
                    "GROUP BY unit_id, service_day")):
                counted_by_day[(unit_id, _day(day))] += int(ratings or 0)
        return Stored(len(ids), sum(counted_by_day.values()), frozenset(ids), stored_by_day,
                      counted_by_day)
    finally:
        engine.dispose()


def counts(database_url: str) -> tuple[int, int]:
    """(ratings stored, ratings counted in the aggregates), cheaply."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            stored = connection.scalar(text("SELECT COUNT(*) FROM rating"))
            counted = connection.scalar(text("SELECT COALESCE(SUM(ratings), 0) "
                                             "FROM daily_aggregate"))
        return int(stored or 0), int(counted or 0)
    finally:
        engine.dispose()


def catch_up(database_url: str, expected: int, *workers, timeout: float = 60) -> list[str]:
    """Wait until the fold workers have counted every stored rating (at least ``expected``);
    the problems if they do not within ``timeout`` seconds or one of them died."""
    deadline = time.monotonic() + timeout
    stored = counted = 0
    while time.monotonic() < deadline:
        stored, counted = counts(database_url)
        if stored >= expected and counted == stored:
            break
        time.sleep(0.2)
    problems = []
    if counted != stored or stored < expected:
        problems.append(f"the fold workers had counted {counted} of {stored} stored ratings "
                        f"after {timeout:.0f} s")
    for worker in workers:
        if not worker.alive:
            problems.append(f"fold worker {worker.name} died (exit {worker.process.returncode}):"
                            f" {_last_lines(worker.log())}")
    return problems


def stopped_cleanly(worker, timeout: float = 30) -> list[str]:
    """SIGTERM a fold worker: it must finish its batch and exit 0."""
    status = worker.stop(timeout)
    if status == 0:
        return []
    return [f"fold worker {worker.name} did not exit 0 on SIGTERM (status {status}): "
            f"{_last_lines(worker.log())}"]


def settle(database_url: str, workdir: Path) -> list[str]:
    """Fold whatever is still pending (``flask --app wsgi fold --once``) when the app has a
    fold; without one the request path has already counted every rating. Problems, if any."""
    from harness.servers import fold_available, fold_once

    if not fold_available(database_url):
        return []
    status, output = fold_once(database_url, workdir)
    if status != 0:
        return [f"flask fold --once exited {status}: {_last_lines(output)}"]
    return []


def _last_lines(output: str, lines: int = 2) -> str:
    return " / ".join(output.strip().splitlines()[-lines:])[:300]
