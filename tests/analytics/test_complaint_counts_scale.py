"""Complaint trends read daily counts kept in step with comments, never the comments."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import event, insert, select, text

from analytics import aggregates, complaint_trends
from analytics.models import CommentDaily
from analytics.periods import Period
from core.db import make_engine
from core.localtime import local_day
from core.migrate import upgrade
from survey.models import Comment
from tests.support.databases import temporary_database
from tests.support.factories import at, fold

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
CATEGORIES = ("antrean", "sarana", "biaya", None)


def raw_counts(db_session, unit_ids) -> Counter:
    """Complaints per (unit, local day, category) counted straight from the comments."""
    counted: Counter = Counter()
    rows = db_session.execute(select(Comment.unit_id, Comment.created_at, Comment.category)
                              .where(Comment.kind == "complaint",
                                     Comment.unit_id.in_(unit_ids)))
    zones = {}
    from core.models import Unit

    for unit_id, created_at, category in rows:
        zone = zones.setdefault(unit_id, db_session.get(Unit, unit_id).timezone)
        day = local_day(created_at, zone)
        if MARCH.start <= day <= MARCH.end:
            counted[(unit_id, day, category or "lainnya")] += 1
    return counted


def daily_counts(db_session, unit_ids) -> Counter:
    frame = complaint_trends.complaint_counts(db_session, unit_ids, MARCH, "W")
    return Counter({(r.unit_id, r.period_start, r.category): r.count
                    for r in frame.itertuples(index=False)})


def weekly(counted: Counter) -> Counter:
    weeks: Counter = Counter()
    for (unit_id, day, category), n in counted.items():
        weeks[(unit_id, day - timedelta(days=day.weekday()), category)] += n
    return weeks


def make_comments(factory, units, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(60):
        unit = rng.choice(units)
        moment = at(2026, 3, rng.randint(1, 31), rng.randint(0, 23), zone=unit.timezone)
        rating = factory.rating(unit=unit, submitted_at=moment)
        kind = rng.choice(("complaint", "complaint", "praise", "question"))
        factory.comment(rating, kind=kind, created_at=moment,
                        category=rng.choice(CATEGORIES) if kind == "complaint" else None)


def test_trends_from_the_daily_counts_equal_counting_the_comments(db_session, factory):
    units = [factory.unit(), factory.unit(timezone="Asia/Jayapura")]
    make_comments(factory, units, seed=7)
    ids = [u.id for u in units]
    assert daily_counts(db_session, ids) == weekly(raw_counts(db_session, ids))


def test_a_rebuild_gives_the_same_counts_as_keeping_them_in_step(db_session, factory):
    units = [factory.unit(), factory.unit(timezone="Asia/Makassar")]
    make_comments(factory, units, seed=11)
    ids = [u.id for u in units]
    kept = daily_counts(db_session, ids)
    db_session.execute(CommentDaily.__table__.delete())
    assert daily_counts(db_session, ids) == Counter()
    aggregates.rebuild_comment_counts(db_session, ids)
    assert daily_counts(db_session, ids) == kept


def test_a_complaint_through_the_api_is_counted_on_its_day(client, db_session, factory):
    from survey.services import current_code, token_for
    from tests.conftest import TEST_SECRET

    counter = factory.counter()
    token = token_for(current_code(db_session, counter=counter), TEST_SECRET)
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U3": 1},
            "comment": {"kind": "complaint", "text": "Antre lama", "category": "antrean"}}
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    fold(db_session)
    today = db_session.scalars(select(CommentDaily.day)
                               .where(CommentDaily.unit_id == counter.unit_id)).one()
    frame = complaint_trends.complaint_counts(db_session, [counter.unit_id], Period(today, today))
    assert frame["count"].sum() == 1 and list(frame["element"]) == ["U3"]


def test_complaint_trends_never_read_the_comments(db_session, factory):
    unit = factory.unit()
    make_comments(factory, [unit], seed=3)
    statements: list[str] = []
    connection = db_session.connection()

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(connection, "before_cursor_execute", capture)
    try:
        complaint_trends.complaint_counts(db_session, [unit.id], MARCH)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    assert any("from comment_daily" in s for s in statements)
    assert not [s for s in statements if "from comment " in s or "from comment\n" in s]


def test_the_migration_counts_the_comments_made_before_it(tmp_path):
    with temporary_database(tmp_path, migrate=False) as url:
        upgrade(url, revision="0005")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO department (id, code, name, created_at) "
                                  "VALUES (1, 'D', 'Dinas', :now)"), {"now": at(2026, 3, 1)})
                conn.execute(text(
                    "INSERT INTO unit (id, code, name, department_id, timezone, published, "
                    "created_at) VALUES (1, 'U', 'Unit', 1, 'Asia/Jayapura', :yes, :now)"),
                    {"now": at(2026, 3, 1), "yes": True})
                for n, moment in enumerate([at(2026, 3, 2, 7, zone="Asia/Jayapura"),
                                            at(2026, 3, 2, 15, zone="Asia/Jayapura"),
                                            at(2026, 3, 3, 8, zone="Asia/Jayapura")]):
                    rating_id = uuid.uuid4()
                    conn.execute(text(
                        "INSERT INTO rating (id, unit_id, channel, submitted_at, received_at, "
                        "service_day, body_digest) VALUES (:id, 1, 'qr', :at, :at, :day, :d)"),
                        {"id": rating_id if engine.dialect.name == "postgresql" else rating_id.hex,
                         "at": moment, "day": date(2026, 3, 2 + n // 2), "d": "0" * 64})
                    conn.execute(insert(Comment.__table__).values(
                        rating_id=rating_id, unit_id=1, kind="complaint", text="x",
                        category="antrean", created_at=moment, contact_consent=False))
            upgrade(url)
            with engine.connect() as conn:
                rows = conn.execute(text("SELECT day, category, count FROM comment_daily "
                                         "ORDER BY day")).all()
        finally:
            engine.dispose()
    days = [(str(day)[:10], category, count) for day, category, count in rows]
    assert days == [("2026-03-02", "antrean", 2), ("2026-03-03", "antrean", 1)]
