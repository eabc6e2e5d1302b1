"""Fuzzing the JSON API from its own OpenAPI document (schemathesis, in process over WSGI):
whatever a client sends, no 5xx, and every answer matches the document (status, content type,
body schema). Bounded to a few dozen examples per operation so it runs in seconds.

Each operation is its own test, driven by schemathesis's Hypothesis strategies inside the
usual fixtures (the database is rolled back afterwards). schemathesis's pytest loader for
fixture-built schemas does not work with this pytest (it reads a removed node attribute), so
the strategies are used directly."""

from __future__ import annotations

import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from core import create_app
from survey.services import current_code, token_for
from tests.conftest import TEST_SECRET

EXAMPLES_PER_OPERATION = 40
SCHEMA_PATH = "/api/v1/openapi.json"


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


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_the_api_never_fails_and_answers_as_documented(app, world, method, path):
    schema = schemathesis.openapi.from_wsgi(SCHEMA_PATH, app)
    operation = schema[path][method]

    @given(case=strategy_for(operation, world))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True,
              database=None, suppress_health_check=list(HealthCheck))
    def exercise(case):
        # Random tokens and ids are rightly refused, so "valid by the schema" cannot mean
        # "accepted": that one check does not apply here.
        case.call_and_validate(excluded_checks=[openapi_checks.positive_data_acceptance])

    exercise()


def test_the_document_describes_the_rating_and_single_use_code_apis():
    assert {("POST", "/api/v1/ratings"), ("GET", "/api/v1/units"),
            ("POST", "/api/v1/single-use-codes")} <= set(OPERATIONS)
