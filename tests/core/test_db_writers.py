"""SQLite writers across gunicorn workers: a request that looked something up first must
still be able to write once another worker has committed (the rating path does exactly that)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import begin_write, make_engine


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.db'}")
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)")
    yield engine
    engine.dispose()


def notes(engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT body FROM note ORDER BY id")))


def test_a_request_that_read_first_still_writes_after_another_worker_committed(engine):
    with Session(engine) as request, Session(engine) as other_worker:
        request.execute(text("SELECT count(*) FROM note")).scalar()  # e.g. the QR code look-up
        begin_write(other_worker)
        other_worker.execute(text("INSERT INTO note (body) VALUES ('other worker')"))
        other_worker.commit()

        begin_write(request)
        request.execute(text("INSERT INTO note (body) VALUES ('request')"))
        request.commit()

    assert notes(engine) == ["other worker", "request"]


def test_begin_write_never_commits_what_a_transaction_already_wrote(engine):
    with Session(engine) as request:
        request.execute(text("INSERT INTO note (body) VALUES ('half done')"))
        begin_write(request)
        request.rollback()

    assert notes(engine) == []


def test_a_session_begun_by_adding_an_object_starts_as_a_writer(engine):
    """Adding or merging an object begins the session's transaction with no connection yet;
    begin_write must still send BEGIN IMMEDIATE, or the first read makes it a reader."""
    sent = []
    from sqlalchemy import event

    event.listen(engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: sent.append(statement))
    with Session(engine) as request:
        request.begin()
        begin_write(request)
        request.execute(text("SELECT 1"))
        request.rollback()

    assert sent[0] == "BEGIN IMMEDIATE"
