"""A unit's report counts its paper ratings from a partial index of paper ratings only, so
the count costs the paper forms entered, not every rating of the period."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from analytics import ikm_read, periods
from core.models import utcnow


def test_paper_ratings_are_counted_through_their_partial_index(db_session, factory):
    engine = db_session.get_bind().engine
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner proves the same match")
    unit = factory.unit()
    statements: list[tuple] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM rating" in statement:
            statements.append((statement, parameters))

    today = date.today()
    event.listen(engine, "before_cursor_execute", capture)
    try:
        ikm_read.paper_ratings(db_session, [unit.id], periods.Period(today - timedelta(days=89),
                                                                     today))
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (statement, parameters), = statements
    plan = db_session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                   parameters).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_rating_paper_unit_day" in details, details


def test_only_paper_ratings_of_the_unit_and_period_are_counted(db_session, factory):
    unit, other = factory.unit(), factory.unit()
    now = utcnow()
    for channel in ("paper", "paper", "qr", "kiosk"):
        factory.rating(unit=unit, channel=channel, submitted_at=now)
    factory.rating(unit=other, channel="paper", submitted_at=now)
    factory.rating(unit=unit, channel="paper", submitted_at=now - timedelta(days=200))
    today = factory.rating(unit=unit, submitted_at=now).service_day
    quarter = periods.Period(today - timedelta(days=89), today)
    assert ikm_read.paper_ratings(db_session, [unit.id], quarter) == 2
