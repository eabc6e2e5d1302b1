"""The fold (``analytics.fold``): how fast it empties a backlog, and how far behind the
ratings it runs while they are being submitted.

- **Throughput** (``python -m bench fold [--backlog 50000]``): a fresh database gets a
  backlog of ratings stored the way the request stores them (``survey.services.
  record_rating``, committed in batches) and not yet folded; then ``analytics.fold.
  fold_pending(session, limit=None)`` folds all of it, in this process, timed. Ratings/s =
  ratings the aggregates gained ÷ seconds; CPU per rating is this process's (the fold's
  Python) — PostgreSQL's own CPU is not in it. Checked: every rating stored is counted
  exactly once, and a second fold finds nothing left. The bar: ≥ 20,000 ratings/s on SQLite.
- **Lag** (measured by ``bench/submit.py`` while wrk drives the app, with the app's fold
  worker ``flask --app wsgi fold`` running beside gunicorn): a probe sends one rating at a
  time to a unit no one else rates and times from its 201 until the daily aggregates of
  that unit count it (polled every 10 ms with plain SQL, never through the read path, which
  would fold it itself). The bar: < 2 s.

Without ``analytics.fold`` (before the fold was built, the request path counts each rating
itself) the throughput benchmark reports that it has nothing to measure, and the submit
benchmark measures no lag."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.drills.state import counts
from harness.servers import SECRET_KEY, fold_available, seed, temporary_database

MIN_RATE_SQLITE = 20_000.0  # ratings/s
MAX_LAG_SECONDS = 2.0
COMMIT_EVERY = 1_000


@contextmanager
def _app(database_url: str):
    """The app in an app context; its connections closed afterwards."""
    from core import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False})
    try:
        with app.app_context():
            yield app
    finally:
        app.extensions["db"].engine.dispose()


def generate_backlog(database_url: str, token: str, ratings: int, seed_: int = 9,
                     log=print) -> float:
    """Store ``ratings`` ratings through the request's own service (one ``record_rating``
    each, committed every COMMIT_EVERY), spread over the last 50 minutes and 400 networks;
    returns the seconds it took."""
    from core import db
    from survey.schema import parse_rating
    from survey.services import RatingRules, origin_from_code, record_rating, resolve_code

    started = time.monotonic()
    rng = random.Random(seed_)
    now = datetime.now(UTC)
    with _app(database_url) as app:
        session = db.session()
        code = resolve_code(session, token, SECRET_KEY)
        rules = RatingRules.from_config(app.config)
        networks = [f"{rng.getrandbits(128):032x}" for _ in range(400)]
        for number in range(1, ratings + 1):
            moment = now - timedelta(seconds=rng.randrange(50 * 60))
            body = {"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "token": token,
                    "answers": {f"U{i}": rng.choices((1, 2, 3, 4), (1, 3, 10, 6))[0]
                                for i in range(1, 10)},
                    "submitted_at": moment.isoformat()}
            data = parse_rating(body, comment_max_length=app.config["COMMENT_MAX_LENGTH"])
            record_rating(session, data, origin_from_code(code, "api", rng.choice(networks)),
                          rules)
            if number % COMMIT_EVERY == 0 or number == ratings:
                session.commit()
            if number % (20 * COMMIT_EVERY) == 0:
                log(f"  {number:,} ratings stored ({time.monotonic() - started:.0f} s)")
    return time.monotonic() - started


def fold_all(database_url: str):
    """``fold_pending(session, limit=None)`` once, committed: (its result, wall seconds,
    this process's CPU seconds)."""
    from flask import current_app

    from analytics.fold import fold_pending
    from core import db
    from survey.integrity import Thresholds

    with _app(database_url):
        session = db.session()
        thresholds = Thresholds.from_config(current_app.config)
        wall, cpu = time.perf_counter(), time.process_time()
        result = fold_pending(session, thresholds=thresholds, limit=None)
        session.commit()
        return result, time.perf_counter() - wall, time.process_time() - cpu


def run(engine: str, server_url: str | None, backlog: int = 50_000, log=print,
        workdir: Path | None = None) -> dict:
    """The throughput benchmark on one engine ("sqlite" or "postgresql")."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-fold-"))
    target = MIN_RATE_SQLITE if engine == "sqlite" else None
    base = {"engine": engine, "backlog": backlog, "min_rate": target,
            "load_average": [round(x, 2) for x in os.getloadavg()]}
    with temporary_database(workdir, server_url, "fold") as url:
        if not fold_available(url):
            detail = ("no fold in this app (analytics.fold and `flask --app wsgi fold` not "
                      "found): each request counts its own rating, nothing to measure")
            log(f"[fold/{engine}] SKIPPED: {detail}")
            return {**base, "skipped": True, "passed": True, "detail": detail}
        organisation = seed(url)
        log(f"[fold/{engine}] a backlog of {backlog:,} ratings; load {os.getloadavg()[0]:.1f}")
        generated = generate_backlog(url, organisation.token, backlog, log=log)
        stored, counted_before = counts(url)
        result, seconds, cpu = fold_all(url)
        _stored, counted = counts(url)
        again, _s, _c = fold_all(url)
        _stored, counted_again = counts(url)
    folded = counted - counted_before
    rate = folded / seconds if seconds else 0.0
    problems = []
    if counted != stored:
        problems.append(f"the aggregates count {counted} of {stored} stored ratings")
    if counted_again != counted:
        problems.append(f"a second fold counted {counted_again - counted} more")
    rate_ok = None if target is None else rate >= target
    outcome = {
        **base, "generate_seconds": round(generated, 1), "stored": stored, "folded": folded,
        "seconds": round(seconds, 3), "rate": round(rate, 1),
        "cpu_ms_per_rating": round(1000 * cpu / folded, 4) if folded else None,
        "result": repr(result)[:200], "second_result": repr(again)[:200],
        "counts_ok": not problems, "rate_ok": rate_ok, "failures": problems,
    }
    outcome["passed"] = outcome["counts_ok"] and rate_ok is not False
    log(f"[fold/{engine}] {folded:,} ratings folded in {seconds:.2f} s: {rate:,.0f}/s"
        + (f" (≥ {target:,.0f}: {'ok' if rate_ok else 'NO'})" if target else "")
        + f", {outcome['cpu_ms_per_rating']} ms CPU per rating; counted once: "
        f"{'ok' if not problems else '; '.join(problems)} → "
        f"{'PASS' if outcome['passed'] else 'FAIL'}")
    return outcome


class LagProbe:
    """From a rating's 201 to its being counted in the aggregates, while something else
    loads the app. Send to a unit only the probe rates (``seed(…, code="LAG")``)."""

    def __init__(self, server_url: str, database_url: str, token: str, unit_id: int,
                 timeout: float = 10.0, poll: float = 0.01, pause: float = 0.25):
        self.server_url, self.database_url = server_url, database_url
        self.token, self.unit_id = token, unit_id
        self.timeout, self.poll, self.pause = timeout, poll, pause
        self.lags: list[float] = []  # seconds
        self.unanswered = 0
        self.acknowledged = 0
        self._running = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> LagProbe:
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def measuring(self, on: bool) -> None:
        """Probe only while ``on`` (the app's measured windows)."""
        if on:
            self._running.set()
        else:
            self._running.clear()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 15)

    def _loop(self) -> None:
        from sqlalchemy import text

        from bench.drills.client import post, rating
        from core.db import make_engine

        engine = make_engine(self.database_url)
        query = text("SELECT COALESCE(SUM(ratings), 0) FROM daily_aggregate "
                     "WHERE unit_id = :unit")
        try:
            while not self._stop.is_set():
                self._running.wait()
                if self._stop.is_set():
                    break
                status, _payload = post(self.server_url, rating(self.token), timeout=10)
                answered = time.monotonic()
                if status != 201:
                    self.unanswered += 1
                    time.sleep(0.1)
                    continue
                self.acknowledged += 1
                while time.monotonic() - answered < self.timeout:
                    with engine.connect() as connection:
                        counted = connection.scalar(query, {"unit": self.unit_id})
                    if counted >= self.acknowledged:
                        break
                    time.sleep(self.poll)
                self.lags.append(time.monotonic() - answered)
                time.sleep(self.pause)  # a few probes a second: next to nothing of the load
        finally:
            engine.dispose()

    def summary(self) -> dict:
        ordered = sorted(self.lags)

        def at(fraction: float) -> float | None:
            if not ordered:
                return None
            index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
            return round(1000 * ordered[index], 1)

        return {
            "probes": len(ordered), "refused": self.unanswered,
            "lag_p50_ms": at(0.5), "lag_p99_ms": at(0.99), "lag_max_ms": at(1.0),
            "lag_mean_ms": round(1000 * statistics.fmean(ordered), 1) if ordered else None,
            "max_lag_ms": 1000 * MAX_LAG_SECONDS,
            "lag_ok": bool(ordered) and ordered[-1] < MAX_LAG_SECONDS,
        }
