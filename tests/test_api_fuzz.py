"""Fuzzing the JSON API from its own OpenAPI document (schemathesis, in process over WSGI):
whatever a client sends, no 5xx, and every answer matches the document (status, content type,
headers, body schema; invalid input refused; a wrong method answered 405 with ``Allow``).
Then hypothesis over every route that takes a body — the JSON APIs and every form — and
the query strings of the pages, as the public and as an administrator: no 5xx, whatever the
input (NUL characters, lone surrogates, "²", ids past 2⁶³, JSON nested deep). Bounded to a
few dozen examples per operation so it runs in seconds, on SQLite and PostgreSQL alike.

Each operation is its own test, driven by schemathesis's Hypothesis strategies inside the
usual fixtures (the database is rolled back afterwards). schemathesis's pytest loader for
fixture-built schemas does not work with this pytest (it reads a removed node attribute), so
the strategies are used directly."""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import quote, urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as all_checks
from schemathesis.specs.openapi import checks as openapi_checks
from wtforms.fields.core import UnboundField

from core import create_app
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

EXAMPLES_PER_OPERATION = 40
SCHEMA_PATH = "/api/v1/openapi.json"
CHECKS = [
    all_checks.not_a_server_error,
    all_checks.status_code_conformance,
    all_checks.content_type_conformance,
    all_checks.response_headers_conformance,
    all_checks.response_schema_conformance,
    all_checks.negative_data_rejection,
    all_checks.missing_required_header,
    all_checks.unsupported_method,
    openapi_checks.allow_header_conformance,
]


def _operations() -> list[tuple[str, str]]:
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET, "TESTING": True})
    document = app.test_client().get(SCHEMA_PATH).json
    return sorted((method.upper(), path) for path, operations in document["paths"].items()
                  for method in operations)


OPERATIONS = _operations()


@pytest.fixture
def world(db_session, factory):
    counter = factory.counter()
    officer = factory.officer(unit=counter.unit)
    return {"token": token_for(current_code(db_session, counter=counter), TEST_SECRET),
            "path": {"code": counter.unit.code, "identifier": officer.nip}}


def strategy_for(operation, world):
    modes = [operation.as_strategy(GenerationMode.POSITIVE),
             operation.as_strategy(GenerationMode.NEGATIVE)]
    known = {name: world["path"][name] for name in re.findall(r"{(\w+)}", operation.path)
             if name in world["path"]}
    if known:
        # Real names too, so the fuzzer gets past "not found" into the operation itself.
        modes.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    if operation.path == "/api/v1/ratings":
        # A real code, so the fuzzer also reaches the recorded (201) and retry (200) answers.
        modes.append(st.builds(dict).flatmap(lambda _: operation.as_strategy(
            GenerationMode.POSITIVE,
            body={"id": str(uuid.uuid4()), "token": world["token"], "answers": {"U1": 4}})))
    return st.one_of(modes)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_never_fails_and_answers_as_documented(app, world, method, path):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    operation = schema[path][method]

    @given(case=strategy_for(operation, world))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def exercise(case):
        # Random tokens and ids are rightly refused, so "valid by the schema" cannot mean
        # "accepted": that one check does not apply here. Every other one does.
        case.call_and_validate(checks=CHECKS)

    exercise()


def test_the_document_describes_the_rating_and_single_use_code_apis():
    assert {("POST", "/api/v1/ratings"), ("GET", "/api/v1/units"),
            ("POST", "/api/v1/single-use-codes")} <= set(OPERATIONS)


# --- every route that takes input, fuzzed with hypothesis -----------------------------------

EXAMPLES_PER_ROUTE = 10
TROUBLE = ["", "\x00", "a\x00b", "²", "٣", "\ud800", "9" * 30, str(2**63), str(2**31),
           "-1", "0", "1e309", "NaN", "<script>", "' OR 1=1 --", "2026-13-45", "0001-01-01",
           "9999-12-31T23:59:59-05:00", "x" * 5000]
QUERY_NAMES = ["from", "to", "unit", "halaman", "before", "lang", "next", "period", "officer",
               "category", "kind", "status", "action", "actor", "dibersihkan", "again", "q"]


def _app_routes():
    app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": TEST_SECRET, "TESTING": True})
    rules = sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule)
    posts = [(rule.rule, rule.endpoint) for rule in rules if "POST" in rule.methods]
    pages = [(rule.rule, rule.endpoint) for rule in rules
             if "GET" in rule.methods and rule.endpoint != "static"]
    return posts, pages


def _form_field_names() -> list[str]:
    from flask_wtf import FlaskForm

    names = {"rating_id", "csrf_token", *(f"U{n}" for n in range(1, 10))}
    pending = list(FlaskForm.__subclasses__())
    while pending:
        form = pending.pop()
        pending.extend(form.__subclasses__())
        names.update(name for name in dir(form) if isinstance(getattr(form, name), UnboundField))
    return sorted(names)


POST_ROUTES, PAGE_ROUTES = _app_routes()
FIELD_NAMES = _form_field_names()

texts = st.one_of(st.sampled_from(TROUBLE), st.text(max_size=40))
numbers = st.one_of(st.integers(-2, 5), st.integers(2**31 - 2, 2**31 + 2),
                    st.integers(2**63 - 1, 2**64 + 1), st.integers(10**20, 10**30))
json_scalars = st.one_of(st.none(), st.booleans(), numbers, st.floats(allow_nan=False), texts)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(texts, inner, max_size=4)), max_leaves=12)
rating_like = st.fixed_dictionaries({}, optional={
    "id": st.one_of(st.uuids().map(str), texts), "token": texts,
    "answers": st.dictionaries(st.one_of(st.sampled_from(["U1", "U9", "X_1"]), texts),
                               json_scalars, max_size=4),
    "submitted_at": texts, "comment": json_values, "respondent": json_values,
    "nip": texts, "pin": texts, "code": texts, "counter": texts, "queued": json_scalars})
deep_json = st.integers(900, 25_000).map(lambda depth: "[" * depth + "]" * depth)


def raw(value: str) -> bytes:
    """What an attacker puts on the wire: a lone surrogate as the bytes UTF-8 would give it
    (invalid UTF-8, which no browser would send)."""
    return value.encode("utf-8", "surrogatepass")


def _path(rule: str, draw) -> str:
    """The rule with each argument filled in: ids small and huge, names awkward."""
    def fill(match):
        converter = match.group(1) or ""
        if converter.startswith("int"):
            return str(draw(numbers))
        return quote(raw(draw(texts)), safe="") or "x"
    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule)


def _query(draw) -> dict:
    return {name: raw(value) for name, value in
            draw(st.dictionaries(st.sampled_from(QUERY_NAMES), texts, max_size=4)).items()}


def _send_body(client, rule: str, draw):
    path = _path(rule, draw)
    if rule.startswith(("/api/", "/kiosk/api/")):
        kind = draw(st.sampled_from(["object", "any", "deep"]))
        headers = {}
        if draw(st.booleans()):
            headers["Authorization"] = "Device " + draw(texts).replace("\n", "")[:60]
        if kind == "deep":
            return client.post(path, data=draw(deep_json), content_type="application/json",
                               headers=headers)
        body = draw(rating_like) if kind == "object" else draw(json_values)
        text = json.dumps(body, ensure_ascii=True)  # lone surrogates travel as \\udxxx
        return client.post(path, data=text, content_type="application/json", headers=headers)
    form = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), texts, max_size=8))
    return client.post(path, data=urlencode({name: raw(value) for name, value in form.items()}),
                       content_type="application/x-www-form-urlencoded",
                       query_string=_query(draw))


@pytest.fixture(params=["public", "administrator"])
def visitor(request, app, signed_in, factory, world):
    factory.rating(unit=factory.unit())
    if request.param == "public":
        return app.test_client()
    return signed_in(factory.user(role="admin"))


def _no_server_error(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code,
                                        response.get_data(as_text=True)[:300])


@pytest.mark.slow
@pytest.mark.parametrize(("rule", "endpoint"), POST_ROUTES, ids=[r for r, _ in POST_ROUTES])
def test_no_body_sent_to_any_route_gets_a_server_error(visitor, rule, endpoint):
    @given(data=st.data())
    @settings(max_examples=EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def exercise(data):
        response = _send_body(visitor, rule, data.draw)
        _no_server_error(response, f"POST {rule}")

    exercise()


@pytest.mark.slow
def test_no_query_string_on_any_page_gets_a_server_error(visitor):
    @given(data=st.data(), route=st.sampled_from(PAGE_ROUTES))
    @settings(max_examples=6 * EXAMPLES_PER_ROUTE, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def exercise(data, route):
        rule, _endpoint = route
        path = _path(rule, data.draw)
        response = visitor.get(path, query_string=_query(data.draw))
        _no_server_error(response, f"GET {path}")

    exercise()


def test_the_fuzzer_reaches_the_forms_and_apis_it_should():
    endpoints = {endpoint for _rule, endpoint in POST_ROUTES}
    assert {"survey.survey", "survey_api.create_rating", "accounts.login",
            "accounts.password", "kiosk_api.create_rating", "kiosk_api.sign_in",
            "complaints.complaint_status", "admin.import_officers"} <= endpoints
    assert {"username", "password", "current_password", "new_password"} <= set(FIELD_NAMES)
