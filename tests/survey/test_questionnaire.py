"""The questionnaire a rating answers: seeded by the migrations (never made during a page
view), and named by every rating, whichever way it arrives, without a query per rating."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from survey.elements import ELEMENTS
from survey.models import Question, Rating
from survey.schema import parse_rating
from survey.services import (
    Origin,
    active_questionnaire,
    active_questionnaire_id,
    record_rating,
)
from tests.support.factories import DEFAULT_RULES


def writes(statements: list[str]) -> list[str]:
    return [s for s in statements
            if s.lstrip().split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")]


def test_the_migrated_database_holds_version_1_with_the_nine_elements(db_session):
    questionnaire = active_questionnaire(db_session)
    assert questionnaire.version == 1 and questionnaire.active
    standard = db_session.scalars(
        select(Question).where(Question.questionnaire_id == questionnaire.id,
                               Question.standard.is_(True)).order_by(Question.position)).all()
    assert [(q.code, q.text_id, q.text_en, q.about_officer) for q in standard] == [
        (e.code, e.question_id, e.question_en, e.about_officer) for e in ELEMENTS]
    assert standard[3].answer_labels("id") == list(ELEMENTS[3].labels_id)
    assert standard[3].answer_labels("en") == list(ELEMENTS[3].labels_en)


def test_showing_the_survey_page_writes_nothing(client, counter_token, statements):
    statements.clear()
    page = client.get(f"/s/{counter_token}")
    assert page.status_code == 200
    assert ELEMENTS[0].question_id in page.get_data(as_text=True)
    assert writes(statements) == []


def test_a_rating_from_the_form_names_the_active_questionnaire(client, counter_token, db_session):
    rating_id = str(uuid.uuid4())
    response = client.post(f"/s/{counter_token}", data={"rating_id": rating_id, "U1": "4"})
    assert response.status_code == 303
    stored = db_session.get(Rating, uuid.UUID(rating_id))
    assert stored.questionnaire_id == active_questionnaire(db_session).id


def test_a_rating_from_the_api_names_the_active_questionnaire(client, payload, db_session):
    body = payload()
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    stored = db_session.get(Rating, uuid.UUID(body["id"]))
    assert stored.questionnaire_id == active_questionnaire(db_session).id


def test_recording_a_rating_is_one_insert_and_no_question_about_the_questionnaire(
    app_context, db_session, factory, statements
):
    unit = factory.unit()
    known = active_questionnaire_id(db_session)  # known to this process from an earlier rating
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U1": 4, "U9": 2}},
                        require_token=False)
    statements.clear()

    rating, created = record_rating(db_session, data, Origin(channel="api", unit=unit),
                                    DEFAULT_RULES)

    inserts = writes(statements)
    assert len(inserts) == 1 and "INSERT INTO rating" in inserts[0]
    assert not [s for s in statements if "FROM questionnaire" in s]
    assert created and rating.questionnaire_id == known == active_questionnaire(db_session).id


def test_the_tests_factory_names_the_active_questionnaire_as_a_live_rating_does(
    db_session, factory
):
    assert factory.rating().questionnaire_id == active_questionnaire(db_session).id
