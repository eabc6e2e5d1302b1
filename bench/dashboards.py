"""Dashboards at scale: the analytics queries a head opens every day, timed on a small and a
much larger ratings table (same units, officers and a year of days; only the ratings per
day grow). Reports read the daily aggregates, so each query should cost about the same
on both; a query whose time grows with the table reads ratings, and its SQL is reported.

``python -m bench dashboards [--engine sqlite|postgresql|all] [--small 10000]
[--large 1000000]`` — ``--large 10000000`` for the full test. Generation:

- SQLite: ``executemany`` in batches of 50,000 with ``synchronous=OFF``;
- PostgreSQL: a month partition for each month of the year (as a deployment has them),
  then psycopg's ``COPY … FROM STDIN`` (rows built as text, ids increasing so the primary
  key grows at its right edge; triggers off for the generating session when it may, as for
  a restore, so ``rating_key`` is filled afterwards in one INSERT … SELECT), then
  ``ANALYZE``;

then on both the aggregates are built from the raw ratings by the app's own rebuild (one
INSERT … SELECT per unit), never rating by rating; on PostgreSQL a ``VACUUM (ANALYZE)``
follows, as autovacuum would have done. Ten million ratings took 22 minutes on
PostgreSQL on a busy 2-core machine (load 10), about a quarter of an hour on SQLite.

The generated ratings are already folded: if the rating table carries a fold mark
(``folded_at`` / ``folded``) it is set, so no dashboard read has anything to fold; a run
checks that the aggregates still count every rating after the queries.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from harness.servers import SECRET_KEY, temporary_database

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
    from survey.services import active_questionnaire

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
    active_questionnaire(session)
    session.commit()
    return places


def generate(database_url: str, ratings: int, seed: int = 14, log=print) -> float:
    """``ratings`` ratings and their aggregates in a migrated database, SQLite or PostgreSQL;
    the seconds it took."""
    if database_url.startswith("postgresql"):
        return generate_postgresql(database_url, ratings, seed, log)
    return generate_sqlite(database_url, ratings, seed, log)


def generate_sqlite(database_url: str, ratings: int, seed: int = 14, log=print) -> float:
    """Fill a migrated SQLite database with ``ratings`` ratings over the last two years (and a
    complaint for 1 in 100), then build the aggregates; returns the seconds it took."""
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
    marks = fold_marks(_rating_columns(database_url), "")
    columns = ("id, unit_id, counter_id, officer_id, channel, u1, u2, u3, u4, u5, u6, u7, u8,"
               " u9, submitted_at, received_at, service_day, body_digest, flags"
               + "".join(f", {name}" for name in marks))
    insert_rating = (f"INSERT INTO rating ({columns}) "
                     f"VALUES ({', '.join('?' * (19 + len(marks)))})")
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
                         stamp, stamp, day.isoformat(), "0" * 64, flags,
                         *(stamp if v == "" else 1 for v in marks.values())))
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

    rebuild_aggregates(database_url)
    log(f"  aggregates rebuilt ({time.monotonic() - started:.0f} s)")
    return time.monotonic() - started


def rebuild_aggregates(database_url: str) -> None:
    """The app's own rebuild from raw ratings (analytics', or survey's before the fold moved
    the aggregates), one INSERT … SELECT per unit."""
    import importlib

    from core.db import make_engine

    for module in ("analytics.aggregates", "survey.aggregates"):
        try:
            aggregates = importlib.import_module(module)
        except ImportError:
            continue
        if hasattr(aggregates, "rebuild"):
            break
    engine = make_engine(database_url)
    with Session(engine) as session:
        if engine.dialect.name == "postgresql":
            # The planner expects ~100,000 groups per unit where there are a few thousand,
            # and with the default 4 MB sorts a unit's million ratings on disk instead of
            # hashing them: 37 s a unit instead of 7 s at ten million.
            session.execute(text("SET LOCAL work_mem = '256MB'"))
        # Generated as the fold leaves ratings (attributed, flagged): folded, then counted.
        session.execute(text("UPDATE rating SET folded_at = received_at WHERE folded_at IS NULL"))
        aggregates.rebuild(session)
        session.commit()
    engine.dispose()


def fold_marks(columns: set[str], moment: str) -> dict[str, str]:
    """Values that mark a generated rating as folded already, for whichever such column the
    rating table has (none before the fold was built)."""
    marks = {}
    if "folded_at" in columns:
        marks["folded_at"] = moment
    if "folded" in columns:
        marks["folded"] = "t"
    return marks


def _rating_columns(database_url: str) -> set[str]:
    from sqlalchemy import inspect

    from core.db import make_engine

    engine = make_engine(database_url)
    try:
        return {column["name"] for column in inspect(engine).get_columns("rating")}
    finally:
        engine.dispose()


def generate_postgresql(database_url: str, ratings: int, seed: int = 14, log=print) -> float:
    """Fill a migrated PostgreSQL database with ``ratings`` ratings (and a complaint for 1 in
    100) with COPY, then build the aggregates from them; the seconds it took."""
    import psycopg
    from sqlalchemy.engine import make_url

    from core.db import make_engine
    from survey.partitions import create_statement, month_start

    started = time.monotonic()
    engine = make_engine(database_url)
    with Session(engine) as session:
        places = _organisation(session)
    engine.dispose()
    marks = fold_marks(_rating_columns(database_url), "")

    rng = random.Random(seed)
    today = date.today()
    first_day = today - timedelta(days=DAYS - 1)
    resolved_before = today - timedelta(days=OPEN_DAYS)
    unit_ids = list(places)
    # Pools drawn from once: building each row from them costs a few microseconds.
    answer_pool = ["\t".join(map(str, rng.choices((1, 2, 3, 4), [1, 3, 10, 6], k=9)))
                   for _ in range(4096)]
    days = [first_day + timedelta(days=d) for d in range(DAYS)]
    columns = ["id", "unit_id", "counter_id", "officer_id", "channel",
               *(f"u{i}" for i in range(1, 10)), "submitted_at", "received_at", "service_day",
               "body_digest", "flags", *marks]
    digest = "0" * 64
    url = make_url(database_url)
    connect = dict(host=url.host, port=url.port or 5432, user=url.username,
                   password=url.password or None, dbname=url.database)
    with psycopg.connect(**connect) as connection:
        connection.execute("SET synchronous_commit = off")
        try:  # skip the foreign-key triggers while generating, as pg_restore does
            connection.execute("SET session_replication_role = replica")
        except psycopg.Error:
            connection.rollback()
            connection.execute("SET synchronous_commit = off")
        # A month partition per month of the year, as a deployment has them (the fold worker
        # makes each ahead); the migrations make only last month's on, and the rest would
        # land in the default partition, which should stay empty.
        month = month_start(first_day)
        while month <= month_start(today):
            connection.execute(create_statement(month))
            month = month_start(month, 1)
        complaints: list[tuple] = []
        with connection.cursor() as cursor:
            with cursor.copy(f"COPY rating ({', '.join(columns)}) FROM STDIN") as copy:
                buffer: list[str] = []
                number = 0
                # Day by day, in time order, as ratings arrive: every index of the table then
                # grows at a few right edges (one per unit, counter, officer) instead of
                # splitting pages all over — what makes ten million take minutes, not hours.
                per_day, extra = divmod(ratings, DAYS)
                for day_number, day in enumerate(days):
                    today_count = per_day + (1 if day_number < extra else 0)
                    seconds = sorted(rng.getrandbits(15) for _ in range(today_count))
                    day_text = day.isoformat()
                    for second in seconds:
                        unit_id = unit_ids[rng.getrandbits(16) % len(unit_ids)]
                        counter_id, officer_id = places[unit_id][
                            rng.getrandbits(8) % OFFICERS_PER_UNIT]
                        # Service hours: 01:00–10:06 UTC (08:00–17:06 in Jakarta).
                        moment = 3600 + second
                        stamp = (f"{day_text} {moment // 3600:02d}:{moment // 60 % 60:02d}:"
                                 f"{moment % 60:02d}+00")
                        # Increasing ids (a counter, then random bits): the primary key
                        # grows at its right edge too.
                        rating_id = f"{number:016x}{rng.getrandbits(64):016x}"
                        number += 1
                        officer = officer_id if rng.random() < 0.8 else "\\N"
                        flag = "burst-network" if rng.random() < 0.02 else "\\N"
                        mark = "".join(f"\t{stamp if v == '' else v}" for v in marks.values())
                        buffer.append(f"{rating_id}\t{unit_id}\t{counter_id}\t{officer}\tqr\t"
                                      f"{answer_pool[rng.getrandbits(12)]}\t{stamp}\t{stamp}\t"
                                      f"{day_text}\t{digest}\t{flag}{mark}\n")
                        if rng.random() < COMPLAINT_SHARE:
                            resolved = day < resolved_before
                            complaints.append((rating_id, unit_id, officer_id,
                                               "selesai" if resolved else "baru",
                                               stamp if resolved else None, stamp))
                        if len(buffer) == BATCH:
                            copy.write("".join(buffer))
                            buffer.clear()
                            if number % (20 * BATCH) == 0:
                                log(f"  {number:,} ratings "
                                    f"({time.monotonic() - started:.0f} s)")
                if buffer:
                    copy.write("".join(buffer))
            with cursor.copy("COPY comment (rating_id, unit_id, officer_id, kind, text, "
                             "category, element, status, resolved_at, contact_consent, "
                             "created_at) FROM STDIN") as copy:
                for rating_id, unit_id, officer_id, status, resolved, stamp in complaints:
                    copy.write_row((rating_id, unit_id, officer_id, "complaint",
                                    "Antrean terlalu lama", "antrean", "U5", status, resolved,
                                    False, stamp))
        # The trigger that claims each id in rating_key does not fire for a replica
        # session: claim them all at once (comments refer to rating_key).
        if connection.execute("SELECT to_regclass('rating_key')").fetchone()[0]:
            connection.execute("INSERT INTO rating_key (id, submitted_at) "
                               "SELECT id, submitted_at FROM rating")
        connection.commit()
    log(f"  {ratings:,} ratings copied ({time.monotonic() - started:.0f} s)")
    # Statistics first: the rebuild's per-unit INSERT … SELECT is planned on them.
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute("ANALYZE")
    rebuild_aggregates(database_url)
    # VACUUM as autovacuum would have long since done to a year of ratings: the visibility
    # map lets an index answer without visiting the table, and no query pays for hint bits.
    with psycopg.connect(**connect, autocommit=True) as connection:
        connection.execute("VACUUM (ANALYZE)")
    log(f"  aggregates rebuilt, tables vacuumed and analysed "
        f"({time.monotonic() - started:.0f} s)")
    return time.monotonic() - started


def _queries(session: Session) -> list[tuple[str, Callable[[], object]]]:
    """What a dashboard asks for one unit and one quarter."""
    from analytics.complaint_trends import complaint_backlog, complaint_counts
    from analytics.ikm_read import ikm_series, unit_ikm
    from analytics.officers_read import officer_component, officer_components
    from analytics.periods import Period
    from analytics.settings import DEFAULTS
    from core.models import Officer, Unit

    unit = session.query(Unit).order_by(Unit.id).first()
    officer = session.query(Officer).filter(Officer.unit_id == unit.id).first()
    end = date.today()
    quarter = Period(end - timedelta(days=89), end)
    year = Period(end - timedelta(days=364), end)
    return [
        ("unit IKM, quarter", lambda: unit_ikm(session, unit, quarter)),
        ("IKM per week, year", lambda: ikm_series(session, [unit.id], year, "W")),
        ("officer components of a unit, quarter",
         lambda: officer_components(session, [unit.id], quarter, DEFAULTS)),
        ("one officer's component, quarter",
         lambda: officer_component(session, officer, quarter, DEFAULTS)),
        ("complaint trends of a unit, quarter",
         lambda: complaint_counts(session, [unit.id], quarter)),
        ("open complaints of all units", lambda: complaint_backlog(session, None)),
    ]


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
            timings[name] = {"ms": statistics.median(samples), "samples": samples, "reads": raw}
        event.remove(engine, "before_cursor_execute", note)
    engine.dispose()
    return timings


def run(small: int = 10_000, large: int = 1_000_000, repeat: int = 5, log=print,
        workdir: Path | None = None, server_url: str | None = None) -> dict:
    """Both sizes on SQLite, or (``server_url``) on that PostgreSQL server."""
    from bench.drills.state import counts

    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-dash-"))
    engine = "postgresql" if server_url else "sqlite"
    log(f"[dashboards/{engine}] {small:,} vs {large:,} ratings, {UNITS} units, {DAYS} days")
    generate_seconds = {}
    problems = []
    with ExitStack() as stack:
        urls = {}
        for label, size in (("small", small), ("large", large)):
            urls[label] = url = stack.enter_context(
                temporary_database(workdir, server_url, f"dash_{label}"))
            if url.startswith("sqlite"):
                stack.callback(Path(url.removeprefix("sqlite:///")).unlink, missing_ok=True)
            log(f" generating {size:,} ratings")
            generate_seconds[label] = generate(url, size, log=log)
        # Timed in alternation, small, large, large, small, once both exist: the large one
        # takes minutes to generate, and a drift in the machine's load meanwhile must not
        # pass for growth.
        rounds: dict[str, list[dict]] = {"small": [], "large": []}
        for order in (("small", "large"), ("large", "small")):
            for label in order:
                rounds[label].append(time_queries(urls[label], repeat))
        measured = {label: {name: {"ms": statistics.median(
                                       [ms for each in timed for ms in each[name]["samples"]]),
                                   "reads": timed[-1][name]["reads"]}
                            for name in timed[0]}
                    for label, timed in rounds.items()}
        for label, url in urls.items():
            stored, counted = counts(url)
            if counted != stored:
                problems.append(f"{label}: after the queries the aggregates count {counted} "
                                f"of {stored} ratings (the generator must mark them folded)")
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
    passed = all(q["ok"] for q in queries) and not problems
    for problem in problems:
        log(f"  FAIL: {problem}")
    log(f"[dashboards/{engine}] {'PASS' if passed else 'FAIL'}")
    return {"engine": engine, "small": small, "large": large, "repeat": 2 * repeat,
            "alternated": True,
            "max_ratio": MAX_RATIO, "generate_seconds": round(generate_seconds["large"], 1),
            "generate_seconds_small": round(generate_seconds["small"], 1),
            "generation": "COPY" if server_url else "executemany",
            "queries": queries, "failures": problems,
            "passed": passed, "measured_at": datetime.now(UTC).isoformat()}
