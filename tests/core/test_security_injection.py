"""SQL-injection strings in every parameter of the API and the pages never cause a server
error (queries are parametrised; bad input is a 4xx) and never reach the database as SQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from survey.models import Rating
from tests.core.security_world import build_path, build_world, routes, string_params

PAYLOADS = [
    "' OR '1'='1",
    "1; DROP TABLE rating;--",
    "\" OR 1=1 --",
    "1' UNION SELECT username, password_hash FROM user_account--",
    "%' AND 1=0 UNION SELECT NULL,NULL--",
    "'); DELETE FROM comment; --",
    "1)) OR ((1=1",
    "x'||(SELECT pg_sleep(0))||'",
]

QUERY_NAMES = ["status", "unit", "category", "overdue", "halaman", "page", "lang", "next", "q",
               "start", "end", "from", "to", "period", "year", "quarter", "month", "officer",
               "department", "kind", "format", "dibersihkan", "element", "before", "action",
               "actor", "search", "sort"]

FORM_NAMES = ["username", "password", "new_password", "confirm", "current_password", "code",
              "name", "label", "unit", "department", "role", "officer", "nip", "display_name",
              "timezone", "population", "text_id", "text_en", "status-status", "status-note",
              "assign-assignee", "assign-note", "note-note", "citizen-message", "reopen-note",
              "rating_id", "note", "U1", "U2", "comment_text", "comment_kind", "comment_category",
              "contact", "contact_consent", "service_type", "gender", "age_band", "next",
              "counter", "position", "active", "question", "labels", "pin", "credential"]


def rating_bodies(token: str, payload: str):
    """The ratings API body with the payload in each field in turn."""
    def base():
        return {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4},
                "comment": {"kind": "complaint", "text": "antre", "category": "antrean",
                            "contact": "0812", "contact_consent": True},
                "respondent": {"gender": "L", "service_type": "KTP"},
                "submitted_at": None}

    yield {**base(), "id": payload}
    yield {**base(), "token": payload}
    yield {**base(), "answers": {payload: 3}}
    yield {**base(), "answers": {"U1": payload}}
    yield {**base(), "submitted_at": payload}
    for key in ("kind", "text", "category", "contact", "contact_consent"):
        body = base()
        body["comment"][key] = payload
        yield body
    for key in ("gender", "age_band", "education", "occupation", "service_type"):
        body = base()
        body["respondent"][key] = payload
        yield body
    yield {**base(), payload: 1}


@pytest.fixture
def world(db_session, factory):
    return build_world(db_session, factory)


@pytest.mark.slow  # every parameter of every route, for each payload
@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_strings_in_every_parameter_never_cause_a_server_error(
    app, signed_in, db_session, world, payload
):
    ratings_before = db_session.scalar(select(func.count()).select_from(Rating))
    failures: list[str] = []

    def check(method: str, path: str, response) -> None:
        if response.status_code >= 500:
            failures.append(f"{method} {path} → {response.status_code}")

    # Pages and GET API: each string path parameter in turn, then every common query name.
    for _rule, endpoint in routes(app, "GET"):
        client = signed_in(world.admin)
        for name in string_params(app, endpoint):
            path = build_path(app, endpoint, world, (name, payload))
            check("GET", path, client.get(path))
        path = build_path(app, endpoint, world)
        response = client.get(path, query_string={name: payload for name in QUERY_NAMES})
        check("GET", path + "?…", response)

    # The ratings API, the payload in each field.
    token = world.values["token"]
    for body in rating_bodies(token, payload):
        check("POST", "/api/v1/ratings", app.test_client().post("/api/v1/ratings", json=body))

    # Every form and API POST with every common field set to the payload (CSRF is off in the
    # test app, so the payload reaches the form and the query behind it).
    for _rule, endpoint in routes(app, "POST"):
        if endpoint == "accounts.logout":
            continue
        paths = [build_path(app, endpoint, world)]
        paths += [build_path(app, endpoint, world, (name, payload))
                  for name in string_params(app, endpoint)]
        for path in paths:
            client = signed_in(world.admin)
            form = {name: payload for name in FORM_NAMES}
            check("POST", path, client.post(path, data=form))
            check("POST", path + " (json)", client.post(
                path, json=form, headers={"Authorization": f"Device {payload}"}))
        check("POST", "/api/v1/single-use-codes", app.test_client().post(
            "/api/v1/single-use-codes", headers={"Authorization": f"Bearer {payload}"}))

    assert not failures, "\n".join(failures)
    assert db_session.scalar(select(func.count()).select_from(Rating)) >= ratings_before
