"""Rating integrity: suspicious ratings are kept, flagged with a reason, and left out of the
officer's component until a head clears them."""

from __future__ import annotations

import itertools
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from analytics.models import DailyAggregate
from analytics.settings import DEFAULTS
from core.models import AuditEntry, Holiday
from kiosk.models import KioskDevice
from survey import integrity
from survey.models import Rating
from survey.schema import parse_rating
from survey.services import Origin, record_rating
from tests.support.factories import DEFAULT_RULES, at, fold

# Tuesday 3 March 2026, 10:00 in Jakarta: well inside the default service hours.
TUESDAY_10 = at(2026, 3, 3, 10, 0)
VARIED = itertools.cycle([1, 2, 3, 4])


def answers(value: int | None = None) -> dict[str, int]:
    if value is not None:
        return {f"U{i}": value for i in range(1, 10)}
    return {f"U{i}": next(VARIED) for i in range(1, 10)}


def rate(db_session, origin, when, *, values=None, submitted=None):
    body = {"id": str(uuid.uuid4()), "answers": values or answers()}
    if submitted is not None:
        body["submitted_at"] = submitted.isoformat()
    data = parse_rating(body, require_token=False)
    rating, created = record_rating(db_session, data, origin, DEFAULT_RULES, now=when)
    assert created
    assert rating.folded_at is None  # judged behind the request, by the fold
    fold(db_session, now=when)
    return rating


@pytest.fixture
def counter(factory):
    return factory.counter()


@pytest.fixture
def kiosk(db_session, counter):
    device = KioskDevice(counter_id=counter.id, credential_hash=uuid.uuid4().hex, name="Tablet")
    db_session.add(device)
    db_session.flush()
    return device


@pytest.fixture
def phone(counter):
    return Origin(channel="qr", unit=counter.unit, counter_id=counter.id, client_hash="net-a")


@pytest.fixture
def tablet(counter, kiosk):
    return Origin(channel="kiosk", unit=counter.unit, counter_id=counter.id,
                  kiosk_device_id=kiosk.id)


def test_an_ordinary_rating_in_service_hours_carries_no_flags(app_context, db_session, phone):
    rating = rate(db_session, phone, TUESDAY_10)
    assert rating.flags is None


def test_ten_ratings_from_one_network_within_ten_minutes_are_no_burst(
    app_context, db_session, phone
):
    first_ten = [rate(db_session, phone, TUESDAY_10 + timedelta(seconds=50 * i))
                 for i in range(10)]
    assert all(r.flags is None for r in first_ten)


def test_a_network_burst_is_flagged_whole_once_the_eleventh_rating_makes_it_one(
    app_context, db_session, phone
):
    first_ten = [rate(db_session, phone, TUESDAY_10 + timedelta(seconds=50 * i))
                 for i in range(10)]
    before = rate(db_session, phone, TUESDAY_10 - timedelta(minutes=30))  # long before
    eleventh = rate(db_session, phone, TUESDAY_10 + timedelta(minutes=9))
    # The ten that formed it were counted already: they move to the flagged bucket.
    assert all(integrity.split(r.flags) == [integrity.BURST_NETWORK]
               for r in [*first_ten, eleventh])
    assert before.flags is None
    assert db_session.get(Rating, eleventh.id) is not None
    rows = {(row.flagged, row.ratings) for row in db_session.scalars(
        select(DailyAggregate).where(DailyAggregate.unit_id == phone.unit.id))}
    assert rows == {(0, 1), (1, 11)}


def test_a_burst_folded_in_one_batch_is_flagged_whole_too(app_context, db_session, phone):
    ratings = []
    for i in range(11):
        body = {"id": str(uuid.uuid4()), "answers": answers()}
        data = parse_rating(body, require_token=False)
        ratings.append(record_rating(db_session, data, phone, DEFAULT_RULES,
                                     now=TUESDAY_10 + timedelta(seconds=20 * i))[0])
    assert fold(db_session).folded == 11
    assert all(r.flags == integrity.BURST_NETWORK for r in ratings)


def test_ratings_from_one_network_spread_over_the_day_are_no_burst(app_context, db_session, phone):
    ratings = [rate(db_session, phone, TUESDAY_10 + timedelta(minutes=11 * i)) for i in range(12)]
    assert all(r.flags is None for r in ratings)


def test_a_busy_network_rating_another_unit_does_not_flag_this_one(
    app_context, db_session, factory, phone
):
    other_counter = factory.counter()
    other = Origin(channel="qr", unit=other_counter.unit, counter_id=other_counter.id,
                   client_hash=phone.client_hash)
    for i in range(10):
        rate(db_session, other, TUESDAY_10 + timedelta(seconds=30 * i))
    assert rate(db_session, phone, TUESDAY_10 + timedelta(minutes=6)).flags is None


def test_a_backdated_submission_time_does_not_hide_a_network_burst(app_context, db_session, phone):
    for i in range(10):
        rate(db_session, phone, TUESDAY_10 + timedelta(seconds=10 * i),
             submitted=TUESDAY_10 - timedelta(hours=1 + i))
    late = rate(db_session, phone, TUESDAY_10 + timedelta(minutes=2),
                submitted=TUESDAY_10 - timedelta(hours=20))
    assert integrity.BURST_NETWORK in integrity.split(late.flags)
    # A phone's rating is given when it arrives: the claimed time is not its moment.
    assert late.submitted_at == late.received_at == TUESDAY_10 + timedelta(minutes=2)


def test_a_kiosk_may_say_when_it_was_tapped(app_context, db_session, tablet):
    tapped = TUESDAY_10 - timedelta(hours=3)
    rating = rate(db_session, tablet, TUESDAY_10, submitted=tapped)
    assert (rating.submitted_at, rating.received_at) == (tapped, TUESDAY_10)


def test_ratings_of_an_unjudged_channel_are_folded_but_never_flagged(
        app_context, db_session, factory, phone, monkeypatch):
    # A paper import stores its ratings raw with channel "paper" (integrity.UNJUDGED_CHANNELS):
    # the fold attributes and counts them, but their moments say nothing about bursts or
    # service hours. The "api" channel stands in for it here.
    assert "paper" in integrity.UNJUDGED_CHANNELS
    monkeypatch.setattr(integrity, "UNJUDGED_CHANNELS", frozenset({"api"}))
    saturday_night = at(2026, 3, 7, 22, 0)
    ratings = [factory.rating(unit=phone.unit, counter_id=phone.counter_id, channel="api",
                              folded=False, client_hash="net-a", submitted_at=saturday_night)
               for _ in range(12)]
    judged = factory.rating(unit=phone.unit, channel="qr", folded=False,
                            submitted_at=saturday_night)
    assert fold(db_session).folded == 13
    assert all(r.flags is None and r.folded_at is not None for r in ratings)
    assert judged.flags == integrity.OFF_HOURS


def test_the_same_answers_a_fourth_time_within_minutes_at_one_counter_are_flagged(
    app_context, db_session, factory, counter
):
    def citizen(n):
        return Origin(channel="qr", unit=counter.unit, counter_id=counter.id, client_hash=f"n{n}")

    same = answers(4)
    first = [rate(db_session, citizen(i), TUESDAY_10 + timedelta(minutes=i), values=same)
             for i in range(3)]
    fourth = rate(db_session, citizen(9), TUESDAY_10 + timedelta(minutes=4), values=same)
    different = rate(db_session, citizen(10), TUESDAY_10 + timedelta(minutes=5), values=answers(3))
    assert all(r.flags is None for r in first)
    assert integrity.split(fourth.flags) == [integrity.REPEAT]
    assert different.flags is None


def test_the_same_answers_an_hour_apart_are_not_a_repeat(app_context, db_session, counter):
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    ratings = [rate(db_session, origin, TUESDAY_10 + timedelta(minutes=20 * i), values=answers(4))
               for i in range(5)]
    assert all(r.flags is None for r in ratings)


def test_a_kiosk_rating_within_five_seconds_of_the_previous_is_stored_but_flagged(
    app_context, db_session, tablet
):
    first = rate(db_session, tablet, TUESDAY_10)
    quick = rate(db_session, tablet, TUESDAY_10 + timedelta(seconds=3))
    later = rate(db_session, tablet, TUESDAY_10 + timedelta(seconds=9))
    assert first.flags is None
    assert integrity.split(quick.flags) == [integrity.KIOSK_INTERVAL]
    assert later.flags is None
    assert db_session.get(Rating, quick.id) is not None


def test_the_kiosk_interval_is_a_setting(make_app, db_session, tablet):
    with make_app(KIOSK_MIN_INTERVAL_SECONDS=30).test_request_context():
        rate(db_session, tablet, TUESDAY_10)
        assert rate(db_session, tablet, TUESDAY_10 + timedelta(seconds=20)).flags == \
            integrity.KIOSK_INTERVAL


def test_a_kiosk_queue_delivered_at_once_is_judged_by_when_citizens_tapped(
    app_context, db_session, tablet
):
    arrival = TUESDAY_10 + timedelta(hours=2)
    ratings = [rate(db_session, tablet, arrival + timedelta(milliseconds=i),
                    submitted=TUESDAY_10 + timedelta(minutes=7 * i)) for i in range(12)]
    assert all(r.flags is None for r in ratings)


def test_a_kiosk_tapped_again_and_again_is_a_device_burst_flagged_whole(
        app_context, db_session, tablet):
    ratings = [rate(db_session, tablet, TUESDAY_10 + timedelta(seconds=30 * i)) for i in range(10)]
    assert all(r.flags is None for r in ratings)
    ratings.append(rate(db_session, tablet, TUESDAY_10 + timedelta(seconds=300)))
    assert all(integrity.split(r.flags) == [integrity.BURST_DEVICE] for r in ratings)


@pytest.mark.parametrize(
    ("moment", "flagged"),
    [
        (at(2026, 3, 3, 21, 0), True),  # Tuesday evening
        (at(2026, 3, 3, 6, 30), True),  # before opening, beyond the grace
        (at(2026, 3, 3, 7, 45), False),  # within 30 minutes before opening
        (at(2026, 3, 3, 16, 20), False),  # on the way out after closing
        (at(2026, 3, 7, 10, 0), True),  # Saturday
        (at(2026, 3, 6, 11, 50), False),  # Friday prayers break, within the grace
        (at(2026, 3, 6, 12, 15), True),  # the middle of the Friday prayers break
        (at(2026, 3, 6, 12, 31), False),  # …and within the grace before reopening
    ],
)
def test_ratings_outside_the_units_service_hours_are_flagged(
    app_context, db_session, counter, moment, flagged
):
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    rating = rate(db_session, origin, moment)
    assert (integrity.OFF_HOURS in integrity.split(rating.flags)) is flagged


def test_a_public_holiday_counts_as_outside_service_hours(app_context, db_session, counter):
    db_session.add(Holiday(day=TUESDAY_10.date(), name="Hari Raya Nyepi"))
    db_session.flush()
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    assert rate(db_session, origin, TUESDAY_10).flags == integrity.OFF_HOURS


def test_service_hours_are_read_in_the_units_own_time_zone(app_context, db_session, factory):
    unit = factory.unit(timezone="Asia/Jayapura")  # WIT, two hours ahead of Jakarta
    origin = Origin(channel="qr", unit=unit)
    # 07:00 in Jakarta is 09:00 in Jayapura: open there.
    assert rate(db_session, origin, at(2026, 3, 3, 7, 0)).flags is None
    # 15:30 in Jakarta is 17:30 in Jayapura: closed there (past the grace).
    assert rate(db_session, origin, at(2026, 3, 3, 15, 30)).flags == integrity.OFF_HOURS


def test_a_unit_open_on_saturday_mornings_is_not_flagged_then(app_context, db_session, factory):
    unit = factory.unit(service_hours={"6": [["08:00", "12:00"]]})
    origin = Origin(channel="qr", unit=unit)
    assert rate(db_session, origin, at(2026, 3, 7, 9, 0)).flags is None
    assert rate(db_session, origin, at(2026, 3, 3, 10, 0)).flags == integrity.OFF_HOURS


def test_a_rating_can_carry_several_reasons(app_context, db_session, tablet):
    rate(db_session, tablet, at(2026, 3, 7, 10, 0))
    both = rate(db_session, tablet, at(2026, 3, 7, 10, 0) + timedelta(seconds=1))
    assert integrity.split(both.flags) == [integrity.KIOSK_INTERVAL, integrity.OFF_HOURS]
    assert [code for code, _ in integrity.describe(both.flags)] == integrity.split(both.flags)


@pytest.mark.parametrize("size", [5, 60])
def test_folding_a_batch_takes_the_same_few_statements_whatever_its_size(
        app_context, db_session, counter, kiosk, size, monkeypatch):
    # The fold's own statements: what other areas hang on each batch (comment tags, alert
    # rules) is theirs to keep set-based, and tested there.
    from analytics import fold as fold_module

    monkeypatch.setattr(fold_module, "_after_batch", [])
    tablet = Origin(channel="kiosk", unit=counter.unit, counter_id=counter.id,
                    kiosk_device_id=kiosk.id)
    for i in range(size):
        origin = tablet if i % 2 else Origin(channel="qr", unit=counter.unit,
                                             counter_id=counter.id, client_hash=f"net-{i % 3}")
        body = {"id": str(uuid.uuid4()), "answers": answers(),
                "submitted_at": (TUESDAY_10 + timedelta(seconds=7 * i)).isoformat()}
        record_rating(db_session, parse_rating(body, require_token=False), origin, DEFAULT_RULES,
                      now=TUESDAY_10 + timedelta(seconds=7 * i + 1))
    statements: list[str] = []
    connection = db_session.connection()

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(connection.engine, "before_cursor_execute", count)
    try:
        assert fold(db_session).folded == size
    finally:
        event.remove(connection.engine, "before_cursor_execute", count)
    # Set-based: claim, attribute, judge, count, mark; never a statement per rating.
    assert len(statements) <= 25


# --- clearing -------------------------------------------------------------------------------


def test_a_flagged_rating_stays_out_of_the_officers_component_until_a_head_clears_it(
    db_session, factory, counter, app_context
):
    shift = factory.shift(counter=counter, started_at=at(2026, 3, 7, 8, 0))
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    rating = rate(db_session, origin, at(2026, 3, 7, 10, 0))  # a Saturday
    assert rating.officer_id == shift.officer_id
    assert rating.flags == integrity.OFF_HOURS
    assert not rating.counts_for_officer

    head = factory.user(role="head", department_id=counter.unit.department_id)
    integrity.clear_flags(db_session, rating, head, note="Layanan Sabtu khusus")
    assert rating.counts_for_officer
    assert rating.flags == integrity.OFF_HOURS  # the reason stays on record
    assert rating.flags_cleared_by == head.id
    entry = db_session.scalars(select(AuditEntry).where(AuditEntry.action == "rating.flags_clear")
                               .order_by(AuditEntry.id.desc())).first()
    assert entry.user_id == head.id and entry.target == f"rating:{rating.id}"
    assert entry.detail["flags"] == integrity.OFF_HOURS
    with pytest.raises(integrity.FlagsAlreadyCleared):
        integrity.clear_flags(db_session, rating, head)


def test_clearing_moves_the_rating_between_aggregate_buckets(
    db_session, factory, counter, app_context
):
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    rating = rate(db_session, origin, at(2026, 3, 7, 10, 0))

    def buckets():
        return {(row.flagged, row.ratings) for row in db_session.scalars(
            select(DailyAggregate).where(DailyAggregate.unit_id == counter.unit_id))}

    assert buckets() == {(1, 1)}
    integrity.clear_flags(db_session, rating, factory.user(role="admin"))
    db_session.expire_all()
    assert buckets() == {(0, 1)}


def test_flagged_ratings_lists_only_uncleared_ones_in_scope(
    db_session, factory, counter, app_context
):
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    mine = rate(db_session, origin, at(2026, 3, 7, 10, 0))
    other_unit = factory.unit()
    theirs = rate(db_session, Origin(channel="qr", unit=other_unit), at(2026, 3, 7, 10, 0))
    assert [r.id for r in integrity.flagged_ratings(db_session, {counter.unit_id})] == [mine.id]
    assert {mine.id, theirs.id} <= {r.id for r in integrity.flagged_ratings(db_session, None)}
    assert integrity.flag_counts(db_session, {counter.unit_id}) == {integrity.OFF_HOURS: 1}
    integrity.clear_flags(db_session, mine, factory.user())
    assert integrity.flagged_ratings(db_session, {counter.unit_id}) == []


def test_the_officers_component_counts_a_flagged_rating_only_after_it_is_cleared(
    db_session, factory, counter, app_context
):
    from analytics.officers_read import officer_component
    from analytics.periods import parse_period

    shift = factory.shift(counter=counter, started_at=at(2026, 3, 3, 7, 0))
    origin = Origin(channel="qr", unit=counter.unit, counter_id=counter.id)
    for hour in (9, 10, 11):
        rate(db_session, origin, at(2026, 3, 3, hour, 0), values={"U3": 4, "U6": 4, "U7": 4})
    saturday = [rate(db_session, origin, at(2026, 3, 7, hour, 0),
                     values={"U3": 1, "U6": 1, "U7": 1}) for hour in (9, 10)]
    assert all(r.flags == integrity.OFF_HOURS for r in saturday)
    period = parse_period("2026-03-01", "2026-03-31")

    def component():
        return officer_component(db_session, shift.officer, period, DEFAULTS, evidence=False).score

    assert (component().n, component().days, component().flagged_excluded) == (3, 1, 2)
    integrity.clear_flags(db_session, saturday[0], factory.user(role="admin"))
    db_session.expire_all()
    assert (component().n, component().days, component().flagged_excluded) == (4, 2, 1)
