"""POST /api/v1/ratings: validated, idempotent by the client's id, attributed."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from survey.models import Comment, Rating
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET


def count_ratings(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Rating))


def test_a_valid_rating_is_recorded_with_201(client, payload, db_session, counter):
    body = payload()
    response = client.post("/api/v1/ratings", json=body)
    assert response.status_code == 201
    assert response.json["status"] == "recorded"
    rating = db_session.get(Rating, uuid.UUID(body["id"]))
    assert rating.answers() == {"U1": 4, "U2": 3, "U3": 3, "U7": 4}
    assert rating.unit_id == counter.unit_id and rating.counter_id == counter.id
    assert rating.channel == "api"


def test_the_same_id_and_body_again_answers_200_and_stores_nothing_new(client, payload, db_session):
    body = payload()
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    again = client.post("/api/v1/ratings", json=body)
    assert again.status_code == 200
    assert again.json["status"] == "already_recorded"
    assert count_ratings(db_session) == 1


def test_a_retry_with_keys_in_another_order_is_still_the_same_rating(client, payload):
    body = payload(answers={"U1": 4, "U2": 3})
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    reordered = {**body, "answers": {"U2": 3, "U1": 4}}
    assert client.post("/api/v1/ratings", json=reordered).status_code == 200


def test_the_same_id_with_another_body_is_a_409(client, payload, db_session):
    body = payload()
    client.post("/api/v1/ratings", json=body)
    clash = client.post("/api/v1/ratings", json={**body, "answers": {"U1": 1}})
    assert clash.status_code == 409
    assert clash.json["error"] == "id_conflict"
    assert db_session.get(Rating, uuid.UUID(body["id"])).u1 == 4


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"id": None}, "id"),
        ({"id": "not-a-uuid"}, "id"),
        ({"id": 42}, "id"),
        ({"token": None}, "token"),
        ({"token": "no spaces allowed"}, "token"),
        ({"answers": {}}, "answers"),
        ({"answers": []}, "answers"),
        ({"answers": {"U1": 0}}, "answers.U1"),
        ({"answers": {"U1": 5}}, "answers.U1"),
        ({"answers": {"U1": 2.5}}, "answers.U1"),
        ({"answers": {"U1": True}}, "answers.U1"),
        ({"answers": {"U1": "sangat baik"}}, "answers.U1"),
        ({"answers": {"bad code!": 3}}, "answers.bad code!"),
        ({"answers": {"X9": 3}}, "answers.X9"),
        ({"comment": "just text"}, "comment"),
        ({"comment": {"kind": "complaint", "text": "antre lama"}}, "comment.category"),
        ({"comment": {"kind": "rant", "text": "x"}}, "comment.kind"),
        ({"comment": {"text": "x"}}, "comment.kind"),
        ({"comment": {"kind": "praise", "text": "   "}}, "comment.text"),
        ({"comment": {"kind": "praise", "text": "x" * 1001}}, "comment.text"),
        ({"comment": {"kind": "praise", "text": "ok", "category": "antrean"}}, "comment.category"),
        ({"comment": {"kind": "complaint", "text": "x", "category": "weather"}},
         "comment.category"),
        ({"comment": {"kind": "complaint", "text": "x", "category": "antrean",
                      "contact": "0812"}}, "comment.contact_consent"),
        ({"comment": {"kind": "praise", "text": "x", "contact": "0812",
                      "contact_consent": True}}, "comment.contact"),
        ({"comment": {"kind": "praise", "text": "x", "mood": "happy"}}, "comment.mood"),
        ({"respondent": {"gender": "X"}}, "respondent.gender"),
        ({"respondent": {"age_band": "35"}}, "respondent.age_band"),
        ({"respondent": {"education": "PhD"}}, "respondent.education"),
        ({"respondent": {"occupation": "astronaut"}}, "respondent.occupation"),
        ({"respondent": {"service_type": "x" * 121}}, "respondent.service_type"),
        ({"respondent": {"name": "Budi"}}, "respondent.name"),
        ({"respondent": "L"}, "respondent"),
        ({"submitted_at": "yesterday"}, "submitted_at"),
        ({"submitted_at": "2026-01-31T09:15:00"}, "submitted_at"),
        ({"submitted_at": "2999-01-01T00:00:00Z"}, "submitted_at"),
        ({"submitted_at": "2001-01-01T00:00:00Z"}, "submitted_at"),
        ({"extra": 1}, "extra"),
    ],
)
def test_each_invalid_field_gets_a_422_naming_it(client, payload, db_session, change, field):
    body = payload()
    body.update(change)
    body = {k: v for k, v in body.items() if v is not None}
    response = client.post("/api/v1/ratings", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert count_ratings(db_session) == 0


def test_every_problem_is_reported_at_once(client):
    response = client.post("/api/v1/ratings", json={"id": "x", "answers": {"U1": 9}})
    assert response.status_code == 422
    assert {"id", "token", "answers.U1"} <= set(response.json["errors"])


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"null", b'"text"'])
def test_a_body_that_is_not_a_json_object_is_a_422(client, raw):
    response = client.post("/api/v1/ratings", data=raw, content_type="application/json")
    assert response.status_code == 422
    assert response.json["errors"]


def test_a_complaint_is_stored_with_its_element_status_and_due_date(client, payload, db_session):
    body = payload(comment={"kind": "complaint", "text": "Antrean lama sekali",
                            "category": "antrean"})
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    comment = db_session.scalars(select(Comment)).one()
    assert (comment.kind, comment.category, comment.element, comment.status) == (
        "complaint", "antrean", "U3", "baru")
    assert comment.due_on is not None


def test_contact_details_are_kept_only_with_consent(client, payload, db_session):
    body = payload(comment={"kind": "complaint", "text": "Diminta uang", "category": "biaya",
                            "contact": "0812-3456-7890", "contact_consent": True})
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    comment = db_session.scalars(select(Comment)).one()
    assert comment.contact == "0812-3456-7890" and comment.contact_consent


def test_a_script_in_a_comment_is_stored_as_plain_text(client, payload, db_session):
    text = '<script>alert("x")</script> petugas <b>ramah</b>'
    body = payload(comment={"kind": "praise", "text": text})
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    assert db_session.scalars(select(Comment.text)).one() == text


def test_an_unknown_token_is_a_404_and_a_tampered_one_a_403(client, payload, counter_token):
    public_id, signature = counter_token.split(".")
    tampered = f"{public_id}.{signature[:-4]}AAAA"
    assert client.post("/api/v1/ratings", json=payload(token=tampered)).status_code == 403
    from survey import tokens
    from tests.conftest import TEST_SECRET

    unknown = tokens.sign(TEST_SECRET, "NoSuchCode01")
    assert client.post("/api/v1/ratings", json=payload(token=unknown)).status_code == 404


def test_a_revoked_code_is_refused_with_403(client, payload, db_session, counter):
    from survey.services import current_code, revoke_code

    revoke_code(db_session, current_code(db_session, counter=counter))
    db_session.flush()
    response = client.post("/api/v1/ratings", json=payload())
    assert response.status_code == 403
    assert response.json["error"] == "code_revoked"


def test_units_are_listed_publicly_with_their_counters(client, counter):
    units = client.get("/api/v1/units").json["units"]
    listed = next(u for u in units if u["code"] == counter.unit.code)
    assert listed["counters"] == [counter.code]
    assert listed["department"]["code"] == counter.unit.department.code


def test_the_openapi_document_describes_the_rating_endpoint(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    operation = document["paths"]["/api/v1/ratings"]["post"]
    assert {"201", "200", "409", "422"} <= set(operation["responses"])
    assert document["components"]["schemas"]["Rating"]["required"] == ["id", "token", "answers"]


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["database"]["state"] == "ok"


# --- what the answer says about attribution (asked by the INSERT itself) --------------------


def test_a_rating_at_a_counter_with_an_officer_on_shift_is_answered_attributed(
    client, payload, factory, counter, statements
):
    factory.shift(counter=counter)
    statements.clear()
    response = client.post("/api/v1/ratings", json=payload())
    assert response.status_code == 201 and response.json["attributed_to_officer"] is True
    # One statement stores the rating and answers the shift question.
    assert not any(s.lstrip().upper().startswith("SELECT") and "FROM shift" in s
                   for s in statements)


def test_a_rating_at_a_counter_nobody_is_signed_in_to_is_not_attributed(client, payload):
    response = client.post("/api/v1/ratings", json=payload())
    assert response.status_code == 201 and response.json["attributed_to_officer"] is False


def test_a_rating_after_the_counters_shift_ended_is_not_attributed(
    client, payload, factory, counter
):
    from datetime import timedelta

    from core.models import utcnow

    factory.shift(counter=counter, started_at=utcnow() - timedelta(hours=3),
                  ended_at=utcnow() - timedelta(hours=1))
    factory.shift(counter=factory.counter(unit=counter.unit))  # another counter's
    response = client.post("/api/v1/ratings", json=payload())
    assert response.json["attributed_to_officer"] is False


def test_a_retry_is_answered_with_the_same_attribution(client, payload, factory, counter):
    factory.shift(counter=counter)
    body = payload()
    assert client.post("/api/v1/ratings", json=body).json["attributed_to_officer"] is True
    again = client.post("/api/v1/ratings", json=body)
    assert again.status_code == 200 and again.json["attributed_to_officer"] is True


def test_a_rating_with_an_officers_own_code_is_attributed(client, db_session, factory):
    officer = factory.officer()
    token = token_for(current_code(db_session, officer=officer), TEST_SECRET)
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4}}
    response = client.post("/api/v1/ratings", json=body)
    assert response.status_code == 201 and response.json["attributed_to_officer"] is True
