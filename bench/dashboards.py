"""Dashboards at scale: the analytics queries a head opens every day, timed on a small and a
much larger ratings table (same units, officers and a year of days; only the ratings per
day grow). Reports read the daily aggregates, so each query should cost about the same
on both; a query whose time grows with the table reads ratings, and its SQL is reported.

``python -m bench dashboards [--small 10000] [--ratings 1000000]`` (10000000 for the full
test: SQLite, generated with executemany in large batches, aggregates rebuilt with
``analytics.aggregates.rebuild``)."""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from bench.servers import SECRET_KEY, temporary_database

UNITS = 10
OFFICERS_PER_UNIT = 4
DAYS = 365
OPEN_DAYS = 14  # complaints older than this have been resolved
COMPLAINT_SHARE = 0.01
MAX_RATIO = 2.0  # "about the same": a query that reads ratings grows with the table, ×10–×1000
BATCH = 50_000


def _organisation(session: Session) -> dict[int, list[tuple[int, int]]]:
    """Units with counters and officers; ``{unit_id: [(counter_id, officer_id), …]}``."""
    from core.models import Counter, Department, Officer, Unit
    from survey.services import ensure_questionnaire

    department = Department(code="BENCH", name="Dinas Uji Skala")
    session.add(department)
    places: dict[int, list[tuple[int, int]]] = {}
    for u in range(UNITS):
        unit = Unit(code=f"SKALA-{u:02d}", name=f"Unit Skala {u}", department=department)
        session.add(unit)
        session.flush()
        places[unit.id] = []
        for o in range(OFFICERS_PER_UNIT):
            counter = Counter(code=f"SKALA-{u:02d}-L{o}", label=f"Loket {o}", unit=unit)
            officer = Officer(employee_id=f"SKALA-{u:02d}-P{o}", name=f"Petugas {u}-{o}",
                              unit=unit)
            session.add_all([counter, officer])
            session.flush()
            places[unit.id].append((counter.id, officer.id))
    ensure_questionnaire(session)
    session.commit()
    return places


def generate(database_url: str, ratings: int, seed: int = 14, log=print) -> float:
    """Fill a migrated SQLite database with ``ratings`` ratings over the last two years (and a
    complaint for 1 in 100), then build the aggregates; returns the seconds it took."""
    from analytics import aggregates
    from core.db import make_engine

    started = time.monotonic()
    engine = make_engine(database_url)
    with Session(engine) as session:
        places = _organisation(session)
    engine.dispose()

    path = database_url.removeprefix("sqlite:///")
    rng = random.Random(seed)
    today = date.today()
    first_day = today - timedelta(days=DAYS - 1)
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=OFF")  # generating test data, not taking ratings
    unit_ids = list(places)
    columns = ("id, unit_id, counter_id, officer_id, channel, u1, u2, u3, u4, u5, u6, u7, u8,"
               " u9, submitted_at, received_at, service_day, body_digest, flags")
    insert_rating = f"INSERT INTO rating ({columns}) VALUES ({', '.join('?' * 19)})"
    insert_comment = ("INSERT INTO comment (rating_id, unit_id, officer_id, kind, text, category,"
                      " element, status, resolved_at, contact_consent, created_at) "
                      "VALUES (?, ?, ?, 'complaint', 'Antrean terlalu lama', 'antrean', 'U5',"
                      " ?, ?, 0, ?)")
    resolved_before = today - timedelta(days=OPEN_DAYS)
    answer_weights = [1, 3, 10, 6]
    done = 0
    while done < ratings:
        size = min(BATCH, ratings - done)
        rows, complaints = [], []
        for _ in range(size):
            unit_id = rng.choice(unit_ids)
            counter_id, officer_id = rng.choice(places[unit_id])
            day = first_day + timedelta(days=rng.randrange(DAYS))
            moment = datetime(day.year, day.month, day.day, 1 + rng.randrange(8),
                              rng.randrange(60), rng.randrange(60))
            stamp = moment.isoformat(sep=" ")
            rating_id = uuid.UUID(int=rng.getrandbits(128), version=4).hex
            answers = rng.choices((1, 2, 3, 4), answer_weights, k=9)
            flags = "burst-network" if rng.random() < 0.02 else None
            rows.append((rating_id, unit_id, counter_id,
                         officer_id if rng.random() < 0.8 else None, "qr", *answers,
                         stamp, stamp, day.isoformat(), "0" * 64, flags))
            if rng.random() < COMPLAINT_SHARE:
                resolved = day < resolved_before
                complaints.append((rating_id, unit_id, officer_id,
                                   "selesai" if resolved else "baru",
                                   stamp if resolved else None, stamp))
        with connection:
            connection.executemany(insert_rating, rows)
            connection.executemany(insert_comment, complaints)
        done += size
        if done % (10 * BATCH) == 0 or done == ratings:
            log(f"  {done:,} ratings ({time.monotonic() - started:.0f} s)")
    connection.close()

    engine = make_engine(database_url)
    with Session(engine) as session:
        # Generated as the fold leaves ratings (attributed, flagged): folded, then counted.
        session.execute(text("UPDATE rating SET folded_at = received_at WHERE folded_at IS NULL"))
        aggregates.rebuild(session)
        session.commit()
    engine.dispose()
    log(f"  aggregates rebuilt ({time.monotonic() - started:.0f} s)")
    return time.monotonic() - started


def _queries(session: Session) -> list[tuple[str, Callable[[], object]]]:
    """What a dashboard asks for one unit and one quarter (whatever analytics offers)."""
    from analytics import services as analytics
    from core.models import Officer, Unit

    unit = session.query(Unit).order_by(Unit.id).first()
    officer = session.query(Officer).filter(Officer.unit_id == unit.id).first()
    end = date.today()
    quarter = analytics.Period(end - timedelta(days=89), end)
    year = analytics.Period(end - timedelta(days=364), end)
    wanted = [
        ("unit IKM, quarter", "unit_ikm", lambda f: f(session, unit, quarter)),
        ("IKM per week, year", "ikm_series", lambda f: f(session, [unit.id], year, "W")),
        ("elements of all units, quarter", "element_frame", lambda f: f(session, None, quarter)),
        ("officer components of a unit, quarter", "officer_components",
         lambda f: f(session, [unit.id], quarter)),
        ("one officer's component, quarter", "officer_component",
         lambda f: f(session, officer, quarter)),
        ("complaint trends of a unit, quarter", "complaint_counts",
         lambda f: f(session, [unit.id], quarter)),
        ("open complaints of all units", "complaint_backlog", lambda f: f(session, None)),
    ]
    return [(name, _bound(call, getattr(analytics, function)))
            for name, function, call in wanted if hasattr(analytics, function)]


def _bound(call, function):
    return lambda: call(function)


def time_queries(database_url: str, repeat: int) -> dict[str, dict]:
    """Median milliseconds of each query (after one untimed call), and the statements it sent
    that read the rating table."""
    from core import create_app

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": SECRET_KEY,
                      "RATELIMIT_ENABLED": False})
    engine = app.extensions["db"].engine
    timings: dict[str, dict] = {}
    with app.app_context(), Session(engine) as session:
        statements: list[str] = []

        def note(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(engine, "before_cursor_execute", note)
        for name, call in _queries(session):
            call()
            statements.clear()
            samples = []
            for _ in range(repeat):
                started = time.perf_counter()
                call()
                samples.append((time.perf_counter() - started) * 1000)
            raw = {table: sorted({" ".join(s.split()) for s in statements
                                  if f"FROM {table} " in f"{s} " or f"JOIN {table} " in f"{s} "})
                   for table in ("rating", "comment")}
            timings[name] = {"ms": statistics.median(samples), "reads": raw}
        event.remove(engine, "before_cursor_execute", note)
    engine.dispose()
    return timings


def run(small: int = 10_000, large: int = 1_000_000, repeat: int = 5, log=print,
        workdir: Path | None = None) -> dict:
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-dash-"))
    log(f"[dashboards/sqlite] {small:,} vs {large:,} ratings, {UNITS} units, {DAYS} days")
    measured = {}
    generate_seconds = 0.0
    for label, size in (("small", small), ("large", large)):
        with temporary_database(workdir, None, f"dash-{label}") as url:
            log(f" generating {size:,} ratings")
            seconds = generate(url, size, log=log)
            if label == "large":
                generate_seconds = seconds
            measured[label] = time_queries(url, repeat)
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    queries = []
    for name, small_timing in measured["small"].items():
        large_timing = measured["large"][name]
        ratio = large_timing["ms"] / small_timing["ms"] if small_timing["ms"] else float("inf")
        reads = large_timing["reads"]
        # A query may grow with what it must show (complaints in the period); it must not
        # grow with the ratings table.
        ok = ratio <= MAX_RATIO or not reads["rating"]
        note = ""
        if reads["rating"]:
            note = "reads ratings: " + "; ".join(reads["rating"])
        elif reads["comment"] and ratio > MAX_RATIO:
            note = ("grows with the complaints it lists (comment rows of the period, "
                    "by index), not with ratings")
        queries.append({"name": name, "small_ms": round(small_timing["ms"], 3),
                        "large_ms": round(large_timing["ms"], 3), "ratio": round(ratio, 2),
                        "ok": ok, "scans": note[:800]})
        log(f"  {name:40s} {small_timing['ms']:8.2f} ms → {large_timing['ms']:8.2f} ms "
            f"(×{ratio:.2f}) {'ok' if ok else 'FAIL'} {note[:300]}")
    passed = all(q["ok"] for q in queries)
    log(f"[dashboards/sqlite] {'PASS' if passed else 'FAIL'}")
    return {"small": small, "large": large, "repeat": repeat, "max_ratio": MAX_RATIO,
            "generate_seconds": round(generate_seconds, 1), "queries": queries,
            "passed": passed, "measured_at": datetime.now(UTC).isoformat()}
