"""A rating belongs to an officer only when it is certain who served."""

from __future__ import annotations

import uuid
from datetime import timedelta

from core.models import utcnow
from survey.schema import parse_rating
from survey.services import current_code, origin_from_code, record_rating, token_for
from tests.conftest import TEST_SECRET
from tests.support.factories import DEFAULT_RULES, fold


def rate(db_session, code, submitted_at=None, now=None):
    data = parse_rating({"id": str(uuid.uuid4()), "token": token_for(code, TEST_SECRET),
                         "answers": {"U7": 4},
                         **({"submitted_at": submitted_at.isoformat()} if submitted_at else {})})
    rating, created = record_rating(db_session, data, origin_from_code(code, "qr"), DEFAULT_RULES,
                                    now=now)
    assert created
    # Attribution is the fold's, behind the request.
    fold(db_session)
    db_session.refresh(rating)
    return rating


def test_a_counter_rating_during_a_shift_belongs_to_the_officer_on_shift(db_session, factory):
    shift = factory.shift()
    rating = rate(db_session, current_code(db_session, counter=shift.counter))
    assert rating.officer_id == shift.officer_id
    assert rating.shift_id == shift.id


def test_a_rating_outside_any_shift_belongs_to_no_officer(db_session, factory):
    now = utcnow()
    shift = factory.shift(started_at=now - timedelta(hours=3), ended_at=now - timedelta(hours=2))
    rating = rate(db_session, current_code(db_session, counter=shift.counter))
    assert rating.officer_id is None and rating.shift_id is None
    assert rating.unit_id == shift.counter.unit_id


def test_a_phone_cannot_backdate_its_rating_into_an_earlier_shift(db_session, factory):
    # Only a kiosk tablet may say when it was tapped (tests/kiosk/test_ratings_api.py): a
    # phone's or API client's rating is given when it arrives, whatever it claims.
    now = utcnow()
    earlier = factory.shift(started_at=now - timedelta(hours=3), ended_at=now - timedelta(hours=1))
    current = factory.shift(counter=earlier.counter, started_at=now - timedelta(hours=1))
    rating = rate(db_session, current_code(db_session, counter=earlier.counter),
                  submitted_at=now - timedelta(hours=2), now=now)
    assert rating.submitted_at == rating.received_at == now
    assert (rating.officer_id, rating.shift_id) == (current.officer_id, current.id)


def test_an_officer_code_names_the_officer_even_without_a_shift(db_session, factory):
    officer = factory.officer()
    rating = rate(db_session, current_code(db_session, officer=officer))
    assert rating.officer_id == officer.id
    assert rating.counter_id is None


def test_an_officer_code_used_during_their_shift_records_the_counter_too(db_session, factory):
    shift = factory.shift()
    rating = rate(db_session, current_code(db_session, officer=shift.officer))
    assert (rating.officer_id, rating.counter_id, rating.shift_id) == (
        shift.officer_id, shift.counter_id, shift.id)


def test_the_service_day_is_the_units_own_local_day(db_session, factory):
    from tests.support.factories import at

    unit = factory.unit(timezone="Asia/Jayapura")
    counter = factory.counter(unit=unit)
    moment = at(2026, 3, 2, 7, 30, zone="Asia/Jayapura")  # still 1 March in UTC
    rating = rate(db_session, current_code(db_session, counter=counter), submitted_at=moment,
                  now=moment + timedelta(minutes=1))
    assert str(rating.service_day) == "2026-03-02"


def test_ratings_folded_in_one_batch_each_belong_to_the_shift_of_their_own_moment(
        db_session, factory):
    # The fold attributes a whole batch in one statement: each rating must be matched with
    # the shift covering its own moment, not with one found for another rating of the batch.
    now = utcnow()
    morning = factory.shift(started_at=now - timedelta(hours=4), ended_at=now - timedelta(hours=2))
    afternoon = factory.shift(counter=morning.counter, started_at=now - timedelta(hours=2))
    at_counter = current_code(db_session, counter=morning.counter)
    by_officer = current_code(db_session, officer=morning.officer)

    def stored(code, when):
        data = parse_rating({"id": str(uuid.uuid4()), "token": token_for(code, TEST_SECRET),
                             "answers": {"U7": 4}})
        return record_rating(db_session, data, origin_from_code(code, "qr"), DEFAULT_RULES,
                             now=when)[0]

    early = stored(at_counter, now - timedelta(hours=3))
    late = stored(at_counter, now - timedelta(hours=1))
    officer_early = stored(by_officer, now - timedelta(hours=3))
    officer_late = stored(by_officer, now - timedelta(hours=1))  # off shift: no counter
    assert fold(db_session).folded == 4
    for rating in (early, late, officer_early, officer_late):
        db_session.refresh(rating)
    assert (early.officer_id, early.shift_id) == (morning.officer_id, morning.id)
    assert (late.officer_id, late.shift_id) == (afternoon.officer_id, afternoon.id)
    assert (officer_early.shift_id, officer_early.counter_id) == (morning.id, morning.counter_id)
    assert (officer_late.officer_id, officer_late.shift_id, officer_late.counter_id) == (
        morning.officer_id, None, None)


def test_the_web_channels_store_a_plain_rating_without_holding_it_and_one_with_a_comment_held(
    db_session, factory
):
    from sqlalchemy import inspect

    from survey.models import Rating
    from survey.services import store_rating

    shift = factory.shift()
    code = current_code(db_session, counter=shift.counter)
    token = token_for(code, TEST_SECRET)
    plain = parse_rating({"id": str(uuid.uuid4()), "token": token, "answers": {"U7": 4}})
    recorded = store_rating(db_session, plain, origin_from_code(code, "api"), DEFAULT_RULES,
                            ask_shift=True, attach=False)
    assert recorded.created and recorded.on_shift is True
    assert recorded.rating not in db_session and inspect(recorded.rating).transient
    assert db_session.get(Rating, plain.id).counter_id == shift.counter_id  # stored all the same
    with_comment = parse_rating({"id": str(uuid.uuid4()), "token": token, "answers": {"U7": 4},
                                 "comment": {"kind": "praise", "text": "Ramah sekali"}})
    held = store_rating(db_session, with_comment, origin_from_code(code, "api"), DEFAULT_RULES,
                        attach=False)
    assert held.rating in db_session and held.rating.comment is not None
