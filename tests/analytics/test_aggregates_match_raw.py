"""The daily aggregates give exactly the IKM and officer components that the raw ratings
give, whatever the ratings: answers missing at random, officers or none, flags set, cleared
at once or later, office questions about the officer, any period. The component's per-day
cells (what CR1 needs) are compared directly, and the components themselves with the
minimums relaxed so that every number is computed. And the fold gives the same attribution,
flags and rows whatever batches it folds in and whatever order the ratings were committed
in."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, or_, select, update

from analytics import aggregates, fold, ikm_read, officers_read, periods
from analytics.models import DailyAggregate
from analytics.officers import cells_from_answers, component
from analytics.settings import DEFAULTS, ComponentSettings
from core.models import Shift
from kiosk.models import KioskDevice
from survey.elements import ELEMENT_CODES
from survey.models import CustomAnswer, Question, Rating
from survey.services import active_questionnaire, shift_at
from tests.support.factories import app_thresholds
from tests.support.ikm import ikm_from_answers

FIRST_DAY = date(2026, 3, 2)

answer = st.one_of(st.none(), st.integers(1, 4))
rating_spec = st.fixed_dictionaries({
    "answers": st.fixed_dictionaries({code: answer for code in ELEMENT_CODES}),
    "officer": st.sampled_from([None, 0, 1]),
    "day": st.integers(0, 13),
    "flag": st.sampled_from(["none", "flagged", "cleared", "cleared-later"]),
    "custom": st.lists(st.integers(1, 4), max_size=2),
})


@pytest.mark.slow
@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(rating_spec, max_size=40),
       period=st.tuples(st.integers(0, 13), st.integers(0, 13)).map(sorted))
def test_aggregates_give_the_same_ikm_and_components_as_the_raw_ratings(
    db_session, factory, specs, period
):
    savepoint = db_session.begin_nested()
    try:
        check(db_session, factory, specs, period)
    finally:
        savepoint.rollback()
        db_session.expunge_all()


def check(session, factory, specs, period):
    unit = factory.unit()
    officers = [factory.officer(unit=unit), factory.officer(unit=unit)]
    questionnaire = active_questionnaire(session)
    questions = [Question(questionnaire=questionnaire, code=f"K{i}", position=10 + i,
                          text_id="Petugas menjelaskan dengan jelas?", text_en="Clear?",
                          labels={"id": ["1", "2", "3", "4"]}, about_officer=True,
                          standard=False, unit_id=unit.id) for i in range(2)]
    session.add_all(questions)
    session.flush()

    raw = []
    for spec in specs:
        moment = datetime.combine(FIRST_DAY + timedelta(days=spec["day"]), time(3),
                                  tzinfo=UTC)
        officer = None if spec["officer"] is None else officers[spec["officer"]]
        rating = factory.rating(
            {c: v for c, v in spec["answers"].items() if v is not None}, unit=unit,
            officer_id=officer.id if officer else None, submitted_at=moment,
            flags=None if spec["flag"] == "none" else "burst",
            flags_cleared_at=moment if spec["flag"] == "cleared" else None)
        for question, value in zip(questions, spec["custom"], strict=False):
            session.add(CustomAnswer(rating_id=rating.id, question_id=question.id, value=value))
        custom = spec["custom"][:len(questions)]
        aggregates.record(session, rating, custom)
        if spec["flag"] == "cleared-later":
            session.flush()
            rating.flags_cleared_at = moment
            aggregates.reclassify(session, rating)
        raw.append((rating, custom))
    session.flush()

    chosen = periods.Period(FIRST_DAY + timedelta(days=period[0]),
                             FIRST_DAY + timedelta(days=period[1]))
    in_period = [(r, c) for r, c in raw if chosen.start <= r.service_day <= chosen.end]
    counted = [(r, c) for r, c in in_period if not r.flags or r.flags_cleared_at is not None]
    relaxed = ComponentSettings(minimum_n=2, minimum_days=2)

    def expected_component(officer, settings):
        """Straight from the spec: the officer's counted ratings against every other
        counted rating of the unit, per service day."""
        mine = [(r.service_day, r.answers(), c) for r, c in counted if r.officer_id == officer.id]
        rest = [(r.service_day, r.answers(), c) for r, c in counted if r.officer_id != officer.id]
        flagged = [r for r, _ in in_period if r.flags and r.flags_cleared_at is None]
        return component(cells_from_answers(mine), cells_from_answers(rest), settings,
                         flagged_excluded=sum(r.officer_id == officer.id for r in flagged),
                         reference_flagged_excluded=sum(r.officer_id != officer.id
                                                        for r in flagged))

    def compare():
        got_ikm = ikm_read.unit_ikm(session, unit, chosen)
        assert got_ikm.result == ikm_from_answers(r.answers() for r, _ in counted)
        assert got_ikm.flagged_excluded == len(in_period) - len(counted)
        from_aggregates = officers_read.unit_cells(session, [unit.id], chosen, DEFAULTS)[unit.id]
        from_ratings = officers_read._cells_from_ratings(session, [unit.id], chosen, DEFAULTS)
        assert from_aggregates == from_ratings[unit.id]
        for officer in officers:
            for rules in (DEFAULTS, relaxed):
                got = officers_read.officer_component(session, officer, chosen, rules,
                                                 evidence=False)
                assert got.score == expected_component(officer, rules)

    compare()
    # A rebuild from the raw ratings lands on the same rows the upserts made.
    aggregates.rebuild(session, [unit.id])
    compare()


# --- the fold: whatever batches it folds in, and in whatever order ratings are committed ---

fold_spec = st.fixed_dictionaries({
    "answers": st.fixed_dictionaries({code: st.one_of(st.none(), st.just(4), st.integers(1, 4))
                                      for code in ELEMENT_CODES}),
    # Where it came from: a counter's code, an officer's own code, the kiosk, or a unit code.
    "origin": st.sampled_from(["counter", "officer", "kiosk", "unit"]),
    "network": st.sampled_from([None, "net-a", "net-b"]),
    "second": st.integers(0, 1500),  # ~25 minutes: bursts and repeats happen
    "day": st.integers(0, 2),
    "late": st.booleans(),  # committed after the first folds, with an earlier arrival
    "custom": st.lists(st.integers(1, 4), max_size=2),
})


@pytest.mark.slow
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(specs=st.lists(fold_spec, max_size=45), sizes=st.lists(st.integers(1, 12), min_size=1),
       first=st.integers(0, 20))
def test_folding_in_any_batches_gives_what_one_fold_of_everything_gives(
    db_session, factory, app_context, specs, sizes, first
):
    world = _world(db_session, factory)
    early = [s for s in specs if not s["late"]]
    late = [s for s in specs if s["late"]]
    made = [_raw(db_session, factory, world, spec) for spec in early]
    fold.fold_pending(db_session, thresholds=app_thresholds(), limit=first, batch_size=sizes[0])
    made += [_raw(db_session, factory, world, spec) for spec in late]  # committed out of order
    for size in sizes:
        fold.fold_pending(db_session, thresholds=app_thresholds(), limit=size, batch_size=size)
    fold.fold_pending(db_session, thresholds=app_thresholds(), batch_size=sizes[-1])
    assert not fold.pending(db_session)

    unit = world["unit"]
    folded = _outcome(db_session, unit)
    rows = _aggregate_rows(db_session, unit)
    # A rebuild from the raw ratings lands on the rows the batches made.
    aggregates.rebuild(db_session, [unit.id])
    assert _aggregate_rows(db_session, unit) == rows
    # Attribution is today's: the shift covering the rating's moment.
    for rating_id, raw in made:
        got = folded[rating_id]
        if raw["officer_id"] is not None:
            shift = _officer_shift_at(db_session, raw["officer_id"], got["submitted_at"])
        elif raw["counter_id"] is not None:
            shift = shift_at(db_session, raw["counter_id"], got["submitted_at"])
        else:
            shift = None
        assert got["shift_id"] == (shift.id if shift else None)
        assert got["officer_id"] == (raw["officer_id"] or (shift.officer_id if shift else None))

    # Fold it all again in one batch, from the raw ratings: the same flags and rows.
    _unfold(db_session, unit, made)
    fold.fold_pending(db_session, thresholds=app_thresholds())
    assert _outcome(db_session, unit) == folded
    assert _aggregate_rows(db_session, unit) == rows
    # The published IKM holds the ratings left unflagged, and no flagged one.
    answered = zip((rating_id for rating_id, _raw in made), early + late, strict=True)
    assert ikm_read.unit_ikm(db_session, unit, periods.Period(FIRST_DAY, FIRST_DAY + timedelta(
        days=2))).result == ikm_from_answers(
            {c: v for c, v in spec["answers"].items() if v is not None}
            for rating_id, spec in answered if not folded[rating_id]["flags"])


def _world(session, factory):
    unit = factory.unit()
    counters = [factory.counter(unit=unit), factory.counter(unit=unit)]
    officers = [factory.officer(unit=unit), factory.officer(unit=unit)]
    start = datetime.combine(FIRST_DAY, time(2), tzinfo=UTC)  # 09:00 in Jakarta
    for day in range(3):
        base = start + timedelta(days=day)
        # Officer 0 at counter 0 for ten minutes, then officer 1; counter 1 has nobody.
        factory.shift(counter=counters[0], officer=officers[0], started_at=base,
                      ended_at=base + timedelta(minutes=10))
        factory.shift(counter=counters[0], officer=officers[1],
                      started_at=base + timedelta(minutes=10))
    device = KioskDevice(counter_id=counters[0].id, credential_hash=uuid.uuid4().hex,
                         name="Tablet")
    session.add(device)
    questionnaire = active_questionnaire(session)
    question = Question(questionnaire=questionnaire, code="KF", position=10,
                        text_id="Petugas menjelaskan?", text_en="Explained?",
                        labels={"id": ["1", "2", "3", "4"]}, about_officer=True,
                        standard=False, unit_id=unit.id)
    session.add(question)
    session.flush()
    return {"unit": unit, "counters": counters, "officers": officers, "device": device,
            "start": start, "question": question}


def _raw(session, factory, world, spec):
    moment = world["start"] + timedelta(days=spec["day"], seconds=spec["second"])
    origin = spec["origin"]
    fields = {
        "counter_id": world["counters"][0].id if origin in ("counter", "kiosk") else None,
        "officer_id": world["officers"][0].id if origin == "officer" else None,
        "kiosk_device_id": world["device"].id if origin == "kiosk" else None,
        "channel": "kiosk" if origin == "kiosk" else "qr",
        "client_hash": None if origin == "kiosk" else spec["network"],
    }
    # A kiosk says when it was tapped; its queue may deliver minutes later.
    received = moment + timedelta(seconds=90) if origin == "kiosk" else moment
    rating = factory.rating({c: v for c, v in spec["answers"].items() if v is not None},
                            unit=world["unit"], folded=False, submitted_at=moment,
                            received_at=received, **fields)
    for value in spec["custom"][:1]:
        session.add(CustomAnswer(rating_id=rating.id, question_id=world["question"].id,
                                 value=value))
    session.flush()
    return rating.id, fields


def _outcome(session, unit):
    return {row.id: {"shift_id": row.shift_id, "officer_id": row.officer_id,
                     "counter_id": row.counter_id, "flags": row.flags,
                     "submitted_at": row.submitted_at}
            for row in session.execute(select(Rating).where(Rating.unit_id == unit.id)).scalars()}


def _aggregate_rows(session, unit):
    return sorted(tuple(getattr(row, c) for c in (*aggregates.KEY_COLUMNS,
                                                  *aggregates.COUNT_COLUMNS))
                  for row in session.scalars(select(DailyAggregate).where(
                      DailyAggregate.unit_id == unit.id)))


def _unfold(session, unit, made):
    session.execute(delete(DailyAggregate).where(DailyAggregate.unit_id == unit.id))
    for rating_id, raw in made:
        session.execute(update(Rating).where(Rating.id == rating_id).values(
            folded_at=None, flags=None, shift_id=None, officer_id=raw["officer_id"],
            counter_id=raw["counter_id"]))
    session.commit()
    session.expire_all()


def _officer_shift_at(session, officer_id, moment):
    """The officer's shift covering ``moment`` (the latest, if several), asked directly."""
    return session.scalars(
        select(Shift).where(Shift.officer_id == officer_id, Shift.started_at <= moment,
                            or_(Shift.ended_at.is_(None), Shift.ended_at > moment))
        .order_by(Shift.started_at.desc()).limit(1)).first()
