"""The open-complaints backlog costs what it holds, not the whole history of complaints."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from analytics import complaint_trends


def test_the_backlog_reads_open_complaints_through_their_partial_index(db_session, factory):
    engine = db_session.get_bind().engine
    if engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL's planner proves the same match")
    unit = factory.unit()
    statements: list[str] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM comment" in statement:
            statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        complaint_trends.complaint_backlog(db_session, [unit.id])
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (statement, parameters), = statements
    plan = db_session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}",
                                                   parameters).all()
    details = " ".join(row[-1] for row in plan)
    assert "ix_comment_open" in details, details


def test_a_resolved_complaint_leaves_the_backlog(db_session, factory):
    from datetime import date

    unit = factory.unit()
    resolved = factory.comment(factory.rating(unit=unit), kind="complaint", category="antrean",
                               status="selesai", due_on=date(2026, 1, 5))
    factory.comment(factory.rating(unit=unit), kind="complaint", category="antrean",
                    status="diproses", due_on=date(2026, 1, 5))
    backlog = complaint_trends.complaint_backlog(db_session, [unit.id], today=date(2026, 2, 1))
    assert backlog["open"].sum() == 1 and backlog["overdue"].sum() == 1
    assert resolved.status == "selesai"
