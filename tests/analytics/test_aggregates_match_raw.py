"""The daily aggregates give exactly the IKM and officer components that the raw ratings
give, whatever the ratings: answers missing at random, officers or none, flags set, cleared
at once or later, office questions about the officer, any period."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analytics import aggregates, services
from analytics.ikm import ikm_from_answers
from analytics.officers import component, totals_from_answers, unit_reference
from analytics.settings import DEFAULTS
from survey.elements import ELEMENT_CODES
from survey.models import CustomAnswer, Question
from survey.services import ensure_questionnaire

FIRST_DAY = date(2026, 3, 2)

answer = st.one_of(st.none(), st.integers(1, 4))
rating_spec = st.fixed_dictionaries({
    "answers": st.fixed_dictionaries({code: answer for code in ELEMENT_CODES}),
    "officer": st.sampled_from([None, 0, 1]),
    "day": st.integers(0, 13),
    "flag": st.sampled_from(["none", "flagged", "cleared", "cleared-later"]),
    "custom": st.lists(st.integers(1, 4), max_size=2),
})


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
    questionnaire = ensure_questionnaire(session)
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

    chosen = services.Period(FIRST_DAY + timedelta(days=period[0]),
                             FIRST_DAY + timedelta(days=period[1]))
    in_period = [(r, c) for r, c in raw if chosen.start <= r.service_day <= chosen.end]

    def expected_component(officer):
        counted = [(r.answers(), c) for r, c in in_period
                   if r.officer_id == officer.id and r.counts_for_officer]
        reference = unit_reference(totals_from_answers([(r.answers(), c) for r, c in in_period]))
        return component(totals_from_answers(counted), reference, DEFAULTS)

    def compare():
        assert services.unit_ikm(session, unit, chosen).result == ikm_from_answers(
            r.answers() for r, _ in in_period)
        for officer in officers:
            got = services.officer_component(session, officer, chosen, DEFAULTS, evidence=False)
            assert got.score == expected_component(officer)

    compare()
    # A rebuild from the raw ratings lands on the same rows the upserts made.
    aggregates.rebuild(session, [unit.id])
    compare()
