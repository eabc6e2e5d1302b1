"""The write side: one upsert per new rating, buckets for flagged ratings, rebuilds."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import event, select

from analytics import aggregates, complaint_trends, ikm_read, officers_read, periods
from analytics.models import DailyAggregate
from analytics.settings import DEFAULTS
from core.models import utcnow
from survey.integrity import clear_flags
from survey.models import Rating
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.factories import at, fold

MARCH = periods.Period(date(2026, 3, 1), date(2026, 3, 31))


def rows(session, unit):
    return session.scalars(select(DailyAggregate).where(DailyAggregate.unit_id == unit.id)
                           .order_by(DailyAggregate.officer_id, DailyAggregate.flagged)).all()


def test_recording_a_rating_is_exactly_one_statement(db_session, factory):
    unit = factory.unit()
    rating = factory.rating({"U1": 4, "U3": 2}, unit=unit)
    statements = []
    engine_or_connection = db_session.connection()

    def count(*_args):
        statements.append(_args[2])

    event.listen(engine_or_connection, "before_cursor_execute", count)
    try:
        aggregates.record(db_session, rating, [])
    finally:
        event.remove(engine_or_connection, "before_cursor_execute", count)
    assert len(statements) == 1
    assert "ON CONFLICT" in statements[0].upper()


def test_ratings_of_one_unit_day_officer_and_flag_state_share_one_row(db_session, factory, rate):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    rate(unit, {"U1": 4, "U3": 2, "U6": 3}, officer=officer)
    rate(unit, {"U1": 2, "U7": 4}, officer=officer)
    rate(unit, {"U1": 1}, officer=officer, flags="burst")
    rate(unit, {"U9": 3})
    found = rows(db_session, unit)
    assert [(r.officer_id, r.flagged, r.ratings) for r in found] == [
        (0, 0, 1), (officer.id, 0, 2), (officer.id, 1, 1)]
    counted = found[1]
    assert (counted.u1_sum, counted.u1_n, counted.u1_a2, counted.u1_a4) == (6, 2, 1, 1)
    assert (counted.u3_sum, counted.u3_n, counted.u2_n) == (2, 1, 0)
    # Per-rating means of U3/U6/U7: 2.5 and 4, scaled by MEAN_SCALE.
    assert counted.officer_ratings == 2
    assert counted.officer_mean_sum == aggregates.MEAN_SCALE * 13 // 2
    assert counted.officer_mean_squares == (aggregates.MEAN_SCALE * 5 // 2) ** 2 + (
        aggregates.MEAN_SCALE * 4) ** 2


def test_a_flagged_rating_counts_nowhere_until_cleared(db_session, factory, rate, rate_days):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    rate_days(unit, 4, officer=officer)
    rate_days(unit, 3)
    suspicious = rate(unit, 1, officer=officer, flags="burst")
    ikm = ikm_read.unit_ikm(db_session, unit, MARCH)
    assert (ikm.result.respondents, ikm.flagged_excluded) == (60, 1)
    before = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS, evidence=False)
    assert (before.score.n, before.score.raw, before.score.flagged_excluded) == (30, 100, 1)

    clear_flags(db_session, suspicious, factory.user("head"))
    after = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS, evidence=False)
    assert (after.score.n, after.score.flagged_excluded) == (31, 0)
    assert after.score.raw < 100
    ikm = ikm_read.unit_ikm(db_session, unit, MARCH)
    assert (ikm.result.respondents, ikm.flagged_excluded) == (61, 0)
    assert {r.flagged for r in rows(db_session, unit)} == {0}


def test_rebuild_recomputes_the_rows_from_the_ratings(db_session, factory, rate):
    unit, other = factory.unit(), factory.unit()
    rate(unit, 4, times=3)
    rate(other, 2)
    db_session.execute(DailyAggregate.__table__.delete())
    # Stored without its aggregate (as bulk demo data is): a rebuild picks it up.
    factory.rating({"U1": 1}, unit=unit, submitted_at=at(2026, 3, 2))
    assert aggregates.rebuild(db_session, [unit.id]) == 4
    assert [(r.ratings, r.u1_sum, r.u1_n, r.u2_n) for r in rows(db_session, unit)] == [
        (4, 13, 4, 3)]
    assert rows(db_session, other) == []  # only the units asked for
    aggregates.rebuild(db_session)
    assert [r.ratings for r in rows(db_session, other)] == [1]


def test_a_rating_through_the_api_is_answered_first_and_then_folded_into_the_aggregates_once(
        client, db_session, factory):
    counter = factory.counter()
    officer = factory.officer(unit=counter.unit)
    factory.shift(officer=officer, counter=counter, started_at=utcnow().replace(year=2020))
    token = token_for(current_code(db_session, counter=counter), TEST_SECRET)
    response = client.post("/api/v1/ratings", json={
        "id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4, "U3": 2, "U7": 4}})
    assert response.status_code == 201, response.json
    # The request stored the rating raw: not attributed, not counted yet.
    rating = db_session.scalars(select(Rating).where(Rating.unit_id == counter.unit_id)).one()
    assert (rating.folded_at, rating.officer_id, rows(db_session, counter.unit)) == (
        None, None, [])
    assert fold(db_session).folded == 1
    assert fold(db_session).folded == 0  # counted once: nothing is left to fold again
    (row,) = rows(db_session, counter.unit)
    assert (row.officer_id, row.ratings, row.u3_sum, row.u7_sum, row.officer_ratings) == (
        officer.id, 1, 2, 4, 1)


def test_overview_reads_touch_the_aggregates_and_never_the_ratings_table(db_session, factory,
                                                                          rate):
    unit = factory.unit()
    officer = factory.officer(unit=unit)
    rate(unit, 3, officer=officer, times=3)
    complaint = rate(unit, {"U3": 1})
    factory.comment(complaint, kind="complaint", category="antrean", element="U3",
                    status="selesai", resolved_at=at(2026, 3, 5))
    statements = []
    connection = db_session.connection()

    def capture(_conn, _cursor, statement, *_args):
        statements.append(statement.lower())

    event.listen(connection, "before_cursor_execute", capture)
    try:
        ikm_read.units_ikm(db_session, [unit], MARCH)
        ikm_read.ikm_series(db_session, [unit.id], MARCH, "W")
        officers_read.officer_components(db_session, [unit.id], MARCH, DEFAULTS)
        officers_read.officer_component(db_session, officer, MARCH, DEFAULTS)
        complaint_trends.follow_up_effects(db_session, [unit.id], MARCH)
        complaint_trends.complaint_counts(db_session, [unit.id], MARCH)
    finally:
        event.remove(connection, "before_cursor_execute", capture)
    assert any("from daily_aggregate" in s for s in statements)
    assert not [s for s in statements if "from rating" in s or "join rating" in s]
