"""The ratings API through real HTTP: gunicorn on loopback, its own database."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

import pytest
from sqlalchemy import func, select

from analytics.fold import fold_pending
from survey.models import Rating
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.factories import app_thresholds


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


@pytest.fixture
def shift(live_factory, live_session):
    shift = live_factory.shift()
    live_session.commit()
    return shift


@pytest.fixture
def token(live_session, shift):
    code = current_code(live_session, counter=shift.counter)
    live_session.commit()
    return token_for(code, TEST_SECRET)


def stored(live_session, rating_id: str) -> list[Rating]:
    """The rating as the fold leaves it (it folds here, as the fold worker would)."""
    fold_pending(live_session, thresholds=app_thresholds())
    live_session.expire_all()
    return list(live_session.scalars(select(Rating).where(Rating.id == uuid.UUID(rating_id))))


def test_a_rating_posted_over_http_is_in_the_database_attributed_to_the_officer(
        live_server, live_session, token, shift):
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4, "U3": 2, "U7": 3},
            "comment": {"kind": "complaint", "text": "Antrean lama.", "category": "antrean"}}
    status, answer = post_json(f"{live_server.url}/api/v1/ratings", body)
    assert status == 201, answer
    assert answer["attributed_to_officer"] is True
    [rating] = stored(live_session, body["id"])
    assert rating.channel == "api"
    assert (rating.counter_id, rating.officer_id, rating.shift_id) == (
        shift.counter_id, shift.officer_id, shift.id)
    assert rating.answers() == {"U1": 4, "U3": 2, "U7": 3}
    assert rating.comment.category == "antrean"


def test_the_same_id_twice_over_http_is_201_then_200_and_one_row(live_server, live_session,
                                                                 token):
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U2": 3}}
    first, _ = post_json(f"{live_server.url}/api/v1/ratings", body)
    second, answer = post_json(f"{live_server.url}/api/v1/ratings", body)
    assert (first, second) == (201, 200)
    assert answer["status"] == "already_recorded"
    live_session.expire_all()
    assert live_session.scalar(select(func.count()).select_from(Rating).where(
        Rating.id == uuid.UUID(body["id"]))) == 1


def test_a_bad_token_over_http_is_refused_with_json(live_server, token, live_session):
    body = {"id": str(uuid.uuid4()), "token": token[:-3] + "abc", "answers": {"U2": 3}}
    status, answer = post_json(f"{live_server.url}/api/v1/ratings", body)
    assert status == 403 and answer["error"] == "code_tampered"
    assert stored(live_session, body["id"]) == []
