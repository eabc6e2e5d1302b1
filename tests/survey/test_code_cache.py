"""Each worker keeps the standing QR codes it resolved for a few seconds (survey.code_cache):
no query per rating, yet a revocation bites at once where it was made and within seconds
everywhere else; single-use codes are never kept."""

from __future__ import annotations

import pytest

from survey import code_cache
from survey.services import (
    CodeRevoked,
    current_code,
    issue_code,
    resolve_code,
    revoke_code,
    token_for,
)
from tests.conftest import TEST_SECRET


@pytest.fixture(autouse=True)
def empty_cache():
    code_cache.clear()
    yield
    code_cache.clear()


@pytest.fixture
def clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(code_cache, "_clock", lambda: now[0])
    return now


@pytest.fixture
def counter_code(db_session, factory):
    return current_code(db_session, counter=factory.counter())


@pytest.fixture
def resolve(app, db_session):
    """``resolve(token, cache_for=…)`` as the next request of the same worker would."""

    def in_new_request(token: str, **options):
        session = app.extensions["db"].sessionmaker()
        try:
            code = resolve_code(session, token, TEST_SECRET, **options)
            return code, code.unit.code, code in session
        finally:
            session.close()

    return in_new_request


def test_a_standing_code_seen_a_moment_ago_is_resolved_without_a_query(
    resolve, counter_code, statements, clock
):
    token = token_for(counter_code, TEST_SECRET)
    resolve(token, cache_for=5)
    statements.clear()

    code, unit_code, attached = resolve(token, cache_for=5)

    assert statements == []
    assert code.id == counter_code.id and attached
    assert unit_code == counter_code.unit.code


def test_a_revocation_bites_at_once_in_the_worker_that_made_it(resolve, db_session, counter_code):
    token = token_for(counter_code, TEST_SECRET)
    resolve(token, cache_for=5)

    revoke_code(db_session, counter_code)
    db_session.flush()

    with pytest.raises(CodeRevoked):
        resolve(token, cache_for=5)


def test_a_revocation_made_elsewhere_bites_once_the_cache_time_is_over(
    resolve, db_session, counter_code, clock
):
    token = token_for(counter_code, TEST_SECRET)
    resolve(token, cache_for=5)
    counter_code.revoked_at = counter_code.created_at  # another worker's doing: no forget()
    db_session.flush()

    clock[0] += 4.9
    assert resolve(token, cache_for=5)[0].id == counter_code.id
    clock[0] += 0.2
    with pytest.raises(CodeRevoked):
        resolve(token, cache_for=5)


def test_single_use_codes_are_never_kept(resolve, db_session, factory, statements):
    token = token_for(issue_code(db_session, single_use_unit=factory.unit()), TEST_SECRET)
    resolve(token, cache_for=5)
    statements.clear()

    resolve(token, cache_for=5)

    assert any("FROM qr_code" in statement for statement in statements)


def test_without_cache_time_every_look_up_asks_the_database(resolve, counter_code, statements):
    token = token_for(counter_code, TEST_SECRET)
    resolve(token)
    statements.clear()

    resolve(token)

    assert any("FROM qr_code" in statement for statement in statements)


def test_two_databases_keep_their_codes_apart_and_a_key_is_made_once_per_engine(tmp_path):
    from sqlalchemy.orm import Session

    from core.db import database_key, make_engine

    one, other = (make_engine(f"sqlite:///{tmp_path / name}") for name in ("a.db", "b.db"))
    try:
        with Session(one) as first, Session(other) as second, Session(one) as again:
            assert database_key(first) == database_key(again) != database_key(second)
            assert database_key(first) is database_key(again)  # kept, not made anew
    finally:
        one.dispose()
        other.dispose()
