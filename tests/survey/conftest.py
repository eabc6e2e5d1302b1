from __future__ import annotations

import uuid

import pytest
from sqlalchemy import event

from survey.services import current_code, survey_url, token_for
from tests.conftest import TEST_SECRET


@pytest.fixture
def statements(db_session):
    """The SQL sent while the test runs (on every connection of the engine)."""
    sent: list[str] = []
    engine = db_session.get_bind().engine

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    yield sent
    event.remove(engine, "before_cursor_execute", note)


@pytest.fixture
def counter(factory):
    return factory.counter()


@pytest.fixture
def counter_token(db_session, counter):
    return token_for(current_code(db_session, counter=counter), TEST_SECRET)


@pytest.fixture
def payload(counter_token):
    def make(**overrides):
        body = {"id": str(uuid.uuid4()), "token": counter_token,
                "answers": {"U1": 4, "U2": 3, "U3": 3, "U7": 4}}
        body.update(overrides)
        return body

    return make


__all__ = ["survey_url"]
