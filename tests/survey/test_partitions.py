"""The rating table by month on PostgreSQL (one plain table on SQLite): one rating per id
whatever month a retry arrives in, partitions made ahead, old months detached while their
aggregates stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from analytics import alerts
from analytics.fold import fold_pending
from analytics.models import DailyAggregate
from core.models import utcnow
from survey import partitions
from survey.models import Rating
from survey.schema import parse_rating
from survey.services import Origin, record_rating
from tests.support.factories import DEFAULT_RULES, app_thresholds


def month_start_now() -> datetime:
    today = utcnow()
    return datetime(today.year, today.month, 1, tzinfo=UTC)


def test_a_retry_arriving_in_the_next_month_is_the_same_rating_stored_once(
        app_context, db_session, factory):
    counter = factory.counter()
    phone = Origin(channel="qr", unit=counter.unit, counter_id=counter.id, client_hash="n")
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U1": 4}}, require_token=False)
    boundary = month_start_now()
    first, created = record_rating(db_session, data, phone, DEFAULT_RULES,
                                    now=boundary - timedelta(seconds=2))
    assert created
    db_session.commit()
    # The answer was lost; the phone sends it again a few seconds later, in the next month.
    again, created_again = record_rating(db_session, data, phone, DEFAULT_RULES,
                                         now=boundary + timedelta(seconds=3))
    assert created_again is False and again.id == first.id
    assert again.submitted_at == boundary - timedelta(seconds=2)
    assert db_session.scalar(select(func.count()).select_from(Rating).where(
        Rating.id == data.id)) == 1


def test_partitions_are_made_ahead_on_postgresql_and_not_needed_on_sqlite(db_session):
    made = partitions.ensure(db_session, months_ahead=14, now=utcnow())
    if db_session.get_bind().dialect.name != "postgresql":
        assert made == [] and not partitions.is_partitioned(db_session)
        return
    have = {p.start for p in partitions.existing(db_session)}
    this_month = month_start_now().date()
    assert {partitions.month_start(this_month, ahead) for ahead in range(15)} <= have
    assert partitions.ensure(db_session, months_ahead=14, now=utcnow()) == []  # idempotent


def test_ratings_land_in_their_months_partition(db_session, factory):
    if not partitions.is_partitioned(db_session):
        pytest.skip("SQLite keeps one plain table")
    rating = factory.rating(unit=factory.unit(), submitted_at=month_start_now())
    where = db_session.scalar(text("SELECT tableoid::regclass::text FROM rating WHERE id = :id"),
                              {"id": rating.id})
    assert where == partitions.partition_name(month_start_now().date())


def test_detaching_an_old_month_keeps_its_aggregates(db_session, factory, app_context):
    if not partitions.is_partitioned(db_session):
        pytest.skip("SQLite keeps one plain table")
    old = month_start_now() - timedelta(days=400)
    partitions.ensure(db_session, months_ahead=0, now=old)
    unit = factory.unit()
    rating = factory.rating(unit=unit, submitted_at=old + timedelta(hours=3), folded=False)
    factory.comment(rating, kind="complaint", text="Lama")
    unit_id, rating_id = unit.id, rating.id
    fold_pending(db_session, thresholds=app_thresholds())
    cutoff = partitions.month_start(old.date(), 1)
    names = partitions.detach_before(db_session, cutoff, drop=True,
                                     before=[alerts.forget_sources_of_ratings])
    assert partitions.partition_name(old.date()) in names
    db_session.expunge_all()
    assert db_session.get(Rating, rating_id) is None
    assert db_session.scalar(select(func.sum(DailyAggregate.ratings)).where(
        DailyAggregate.unit_id == unit_id)) == 1
