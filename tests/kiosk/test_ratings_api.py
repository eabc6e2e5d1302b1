"""The kiosk's rating endpoint: the API's body without a token, authenticated by the
tablet's credential, recorded for the tablet's own counter and idempotent by id."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select

from core.models import utcnow
from survey.models import Rating
from survey.services import active_questionnaire, issue_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.factories import fold, zone_in_daytime


def body(**overrides):
    return {"id": str(uuid.uuid4()), "answers": {"U1": 4, "U3": 3, "U7": 4}, **overrides}


def count(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(Rating))


def test_a_kiosk_rating_is_recorded_for_the_tablets_counter_and_its_officer(
    client, tablet, factory, db_session,
):
    # Open all day, in a zone where it is daytime now, and begun a moment ago: whatever the
    # hour the suite runs at, the shift is not closed for the end of service hours before
    # the rating arrives.
    tablet.counter.unit.service_hours = {str(day): [["00:00", "23:59"]] for day in range(1, 8)}
    tablet.counter.unit.timezone = zone_in_daytime()
    shift = factory.shift(counter=tablet.counter, started_at=utcnow() - timedelta(minutes=1))
    rating = body(counter=tablet.counter.code)

    response = client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["attributed_to_officer"] is True
    fold(db_session)
    stored = db_session.get(Rating, uuid.UUID(rating["id"]))
    assert stored.channel == "kiosk"
    assert stored.counter_id == tablet.counter.id
    assert stored.kiosk_device_id == tablet.device.id
    assert stored.questionnaire_id == active_questionnaire(db_session).id
    assert (stored.officer_id, stored.shift_id) == (shift.officer_id, shift.id)
    db_session.refresh(tablet.device)
    assert tablet.device.last_rating_at is not None


def test_a_retry_is_answered_200_and_stored_once(client, tablet, db_session):
    rating = body(submitted_at=(utcnow() - timedelta(minutes=3)).isoformat())
    first = client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)
    again = client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["status"] == "already_recorded"
    assert count(db_session) == 1


def test_the_same_id_with_other_answers_is_a_conflict(client, tablet, db_session):
    rating = body()
    client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)
    clash = client.post("/kiosk/api/ratings", json={**rating, "answers": {"U1": 1}},
                        headers=tablet.headers)
    assert clash.status_code == 409
    assert count(db_session) == 1


def test_the_tap_time_decides_the_shift_even_when_the_rating_arrives_later(
    client, tablet, factory, db_session,
):
    earlier = factory.shift(counter=tablet.counter, started_at=utcnow() - timedelta(hours=2),
                            ended_at=utcnow() - timedelta(minutes=30), end_reason="sign-out")
    factory.shift(counter=tablet.counter, started_at=utcnow() - timedelta(minutes=20))
    rating = body(submitted_at=(utcnow() - timedelta(hours=1)).isoformat())

    client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)
    fold(db_session)

    stored = db_session.get(Rating, uuid.UUID(rating["id"]))
    assert stored.submitted_at == datetime.fromisoformat(rating["submitted_at"])
    assert (stored.shift_id, stored.officer_id) == (earlier.id, earlier.officer_id)


def test_a_tablet_cannot_rate_with_another_counters_qr_token(client, tablet, factory, db_session):
    other = factory.counter(unit=tablet.counter.unit)
    token = token_for(issue_code(db_session, counter=other), TEST_SECRET)

    response = client.post("/kiosk/api/ratings", json=body(token=token), headers=tablet.headers)

    assert response.status_code == 403
    assert response.get_json()["error"] == "wrong_counter"
    assert count(db_session) == 0


def test_a_tablet_cannot_rate_for_another_counter_by_naming_it(client, tablet, factory, db_session):
    other = factory.counter()

    response = client.post("/kiosk/api/ratings", json=body(counter=other.code),
                           headers=tablet.headers)

    assert response.status_code == 403
    assert count(db_session) == 0


def test_a_tablet_rates_only_through_its_own_credential(client, pair_tablet, db_session):
    mine, theirs = pair_tablet(), pair_tablet()
    rating = body(counter=theirs.counter.code)

    refused = client.post("/kiosk/api/ratings", json=rating, headers=mine.headers)
    accepted = client.post("/kiosk/api/ratings", json=rating, headers=theirs.headers)

    assert (refused.status_code, accepted.status_code) == (403, 201)
    assert db_session.get(Rating, uuid.UUID(rating["id"])).counter_id == theirs.counter.id


def test_invalid_ratings_get_one_message_per_field(client, tablet, db_session):
    response = client.post("/kiosk/api/ratings", json={"id": "nope", "answers": {"U1": 7}},
                           headers=tablet.headers)
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"id", "answers.U1"}
    assert count(db_session) == 0


def test_a_rating_from_the_future_is_refused_for_good(client, tablet, db_session):
    rating = body(submitted_at=(utcnow() + timedelta(hours=1)).isoformat())
    response = client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers)
    assert response.status_code == 422
    assert "submitted_at" in response.get_json()["errors"]


def test_a_quick_complaint_is_stored_with_its_category(client, tablet, db_session):
    from survey.models import Comment

    rating = body(comment={"kind": "complaint", "text": "Antrean / waktu tunggu lama",
                           "category": "antrean"})
    assert client.post("/kiosk/api/ratings", json=rating, headers=tablet.headers).status_code == 201
    comment = db_session.scalars(select(Comment)).one()
    assert (comment.kind, comment.category, comment.status) == ("complaint", "antrean", "baru")


def test_the_heartbeat_records_contact_and_queue_length(client, tablet, db_session):
    tablet.device.last_seen_at = None
    response = client.post("/kiosk/api/heartbeat", json={"queued": 7}, headers=tablet.headers)

    assert response.status_code == 200
    db_session.refresh(tablet.device)
    state = response.get_json()
    assert state["counter"]["code"] == tablet.counter.code
    assert [q["code"] for q in state["questions"]][:9] == [f"U{i}" for i in range(1, 10)]
    assert state["questions"][0]["labels"]["en"][3] == "Very appropriate"
    assert state["idle_seconds"] == 45
    assert tablet.device.queued_ratings == 7
    assert tablet.device.last_seen_at is not None


def test_the_kiosk_api_needs_no_csrf_token(make_app, tablet, db_session):
    strict = make_app(WTF_CSRF_ENABLED=True)
    response = strict.test_client().post("/kiosk/api/ratings", json=body(), headers=tablet.headers)
    assert response.status_code == 201


def test_a_tablet_sending_faster_than_its_limit_gets_a_429_and_keeps_the_rating_to_retry(
        make_app, tablet, db_session):
    import secrets
    import uuid

    from sqlalchemy import func, select

    from survey.models import Rating

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_KIOSK="2/minute",
                   RATELIMIT_KEY_PREFIX=secrets.token_hex(6))
    client = app.test_client()
    answers = [client.post("/kiosk/api/ratings", headers=tablet.headers,
                           json={"id": str(uuid.uuid4()), "answers": {"U7": 4}})
               for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 201, 429]
    assert answers[2].json["message"]  # a sentence the status mark can show
    assert db_session.scalar(select(func.count()).select_from(Rating)) == 2
