"""Input a tester found answering 500, each now a clear 4xx on SQLite and PostgreSQL alike:
odd digits, dates off the calendar, lone surrogates, JSON too deep, NUL characters, ids past
what the database holds. And 405 says which methods are allowed."""

from __future__ import annotations

import json
import uuid

import pytest

from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET


@pytest.fixture
def token(db_session, factory):
    return token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)


def rating(token: str, **fields) -> dict:
    return {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4}, **fields}


def post_raw(client, path: str, body: str):
    return client.post(path, data=body.encode("utf-8", "surrogatepass"),
                       content_type="application/json")


def test_a_superscript_two_is_not_an_answer(client, token):
    response = client.post("/api/v1/ratings", json=rating(token, answers={"U1": "²"}))
    assert response.status_code == 422
    assert "answers.U1" in response.json["errors"]


def test_a_superscript_two_on_the_survey_form_is_not_an_answer(client, token):
    response = client.post(f"/s/{token}", data={"rating_id": str(uuid.uuid4()), "U1": "²"})
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("moment", [
    "0001-01-01T00:00:00+07:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00",
    "9999-12-31T23:59:59Z",
])
def test_a_moment_off_the_calendar_is_refused_by_name(client, token, moment):
    response = client.post("/api/v1/ratings", json=rating(token, submitted_at=moment))
    assert response.status_code == 422
    assert "submitted_at" in response.json["errors"]


def test_a_lone_surrogate_in_a_key_is_named_without_breaking_the_answer(client, token):
    body = json.dumps(rating(token))[:-1] + ', "\\ud800x": 1, "answers2\\udfff": 2}'
    response = post_raw(client, "/api/v1/ratings", body)
    assert response.status_code == 422
    text = response.get_data().decode("utf-8")  # well-formed UTF-8
    assert "\ufffdx" in json.loads(text)["errors"]


@pytest.mark.parametrize("extra", [
    '"answers": {"\\ud83d": 4}',
    '"answers": {"U1": 4}, "comment": {"kind": "praise", "text": "ok", "\\udc00": 1}',
    '"answers": {"U1": 4}, "respondent": {"\\udbff": "x"}',
])
def test_a_lone_surrogate_in_a_nested_key_is_named_too(client, token, extra):
    body = f'{{"id": "{uuid.uuid4()}", "token": "{token}", {extra}}}'
    response = post_raw(client, "/api/v1/ratings", body)
    assert response.status_code == 422
    assert any("\ufffd" in key for key in json.loads(response.get_data().decode())["errors"])


@pytest.mark.parametrize("path", ["/api/v1/ratings", "/kiosk/api/ratings", "/kiosk/api/pair"])
def test_json_nested_twenty_thousand_deep_is_malformed_json(client, path):
    response = post_raw(client, path, "[" * 20_000 + "]" * 20_000)
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize("path", [
    "/api/v1/units/%00/ikm?from=2026-01-01&to=2026-01-31",
    "/api/v1/units/U%00X/ikm",
    "/hasil/%00",
    "/s/abc%00def.0123456789abcdef",
    "/login?next=/admin/%00",
    "/api/v1/units?x=%00",
    "/hasil/?lang=%00",
])
def test_a_nul_in_the_path_or_query_is_refused_with_400(client, path):
    assert client.get(path).status_code == 400


def test_a_nul_in_a_form_field_is_refused_with_400(client, factory):
    user = factory.user()
    response = client.post("/login", data={"username": user.username + "\x00",
                                           "password": "x"})
    assert response.status_code == 400


def test_a_nul_in_a_json_string_is_refused_with_400(client, token):
    body = rating(token, respondent={"service_type": "KTP\x00"})
    assert client.post("/api/v1/ratings", json=body).status_code == 400
    sign_in = client.post("/kiosk/api/sign-in", json={"nip": "1\x00", "pin": "1234"},
                          headers={"Authorization": "Device whatever"})
    assert sign_in.status_code == 400


def test_a_nul_in_a_json_key_or_a_utf16_body_is_refused_and_a_written_backslash_u_is_not(
    client, token
):
    import json

    keyed = rating(token)
    keyed["answers"] = {"U1\x00": 4}
    assert client.post("/api/v1/ratings", json=keyed).status_code == 400
    wide = json.dumps(rating(token, respondent={"service_type": "KTP\x00"}),
                      ensure_ascii=False).encode("utf-16")
    assert client.post("/api/v1/ratings", data=wide,
                       content_type="application/json").status_code == 400
    # The text "\u0000" (a backslash typed before u0000) holds no NUL.
    typed = rating(token, respondent={"service_type": "KTP \\u0000"})
    assert client.post("/api/v1/ratings", json=typed).status_code == 201


@pytest.mark.parametrize("number", [2**31, 2**63, 2**64 + 1, 10**30])
def test_an_id_beyond_what_the_database_holds_is_a_page_that_does_not_exist(
    signed_in, factory, number
):
    client = signed_in(factory.user(role="admin"))
    for path in (f"/admin/users/{number}", f"/pengaduan/{number}",
                 f"/dasbor/petugas/{number}"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/admin/users/{number}/active").status_code == 404


@pytest.mark.parametrize("number", [2**31, 2**63, 10**30])
def test_an_id_beyond_range_in_a_query_parameter_is_no_server_error(signed_in, factory, number):
    client = signed_in(factory.user(role="admin"))
    for path in (f"/admin/audit?before={number}", f"/pengaduan/?halaman={number}",
                 f"/pengaduan/?unit={number}", f"/dasbor/?unit={number}"):
        assert client.get(path).status_code < 500, path


def test_a_wrong_method_answers_405_with_allow(client):
    response = client.get("/api/v1/ratings")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert response.json["error"] == "405"
    page = client.delete("/login")
    assert page.status_code == 405 and {"GET", "POST"} <= {
        method.strip() for method in page.headers["Allow"].split(",")}


def test_the_document_states_the_answer_codes_and_the_date_bounds(client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.1")
    rating_schema = document["components"]["schemas"]["Rating"]["properties"]
    assert rating_schema["answers"]["propertyNames"]["pattern"].startswith("^[A-Za-z]")
    assert rating_schema["submitted_at"]["pattern"].startswith("^20")
    assert "2000" in rating_schema["submitted_at"]["description"]
    assert rating_schema["submitted_at"]["type"] == ["string", "null"]
