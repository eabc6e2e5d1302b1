"""The fold: a rating is answered first and counted once behind the request, whatever dies
or runs at the same time; every read folds first."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from analytics import fold
from analytics.models import DailyAggregate
from core.db import make_engine
from core.models import Counter, Department, Officer, Shift, Unit, utcnow
from survey.models import Rating
from survey.services import active_questionnaire, current_code, token_for
from tests.conftest import TEST_SECRET
from tests.support.databases import temporary_database
from tests.support.factories import app_thresholds


def counted(session, unit_id=None) -> int:
    query = select(func.coalesce(func.sum(DailyAggregate.ratings), 0))
    if unit_id is not None:
        query = query.where(DailyAggregate.unit_id == unit_id)
    return int(session.scalar(query))


def test_a_rating_is_answered_before_it_is_folded_and_then_counted_once(app, client,
                                                                        db_session, factory):
    counter = factory.counter()
    token = token_for(current_code(db_session, counter=counter), TEST_SECRET)
    body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 4}}
    assert client.post("/api/v1/ratings", json=body).status_code == 201
    assert fold.pending(db_session) and counted(db_session, counter.unit_id) == 0
    assert client.post("/api/v1/ratings", json=body).status_code == 200  # a retry
    with app.app_context():  # as the fold worker runs: its hooks read the app's settings
        result = fold.fold_pending(db_session, thresholds=app_thresholds())
    assert (result.folded, result.rating_ids) == (1, [uuid.UUID(body["id"])])
    assert fold.fold_pending(db_session, thresholds=app_thresholds()).folded == 0
    assert counted(db_session, counter.unit_id) == 1


def test_a_read_right_after_a_201_includes_that_rating(client, db_session, factory):
    # Open all day: a rating outside service hours is flagged, and counts nowhere until cleared.
    unit = factory.unit(code="PKM-FOLD")
    unit.service_hours = {str(day): [["00:00", "23:59"]] for day in range(1, 8)}
    counter = factory.counter(unit=unit)
    token = token_for(current_code(db_session, counter=counter), TEST_SECRET)
    today = utcnow().astimezone(ZoneInfo(unit.timezone)).date().isoformat()
    for value in (4, 2):
        body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": value}}
        assert client.post("/api/v1/ratings", json=body).status_code == 201
        assert fold.pending(db_session)
        answer = client.get(f"/api/v1/units/PKM-FOLD/ikm?from={today}&to={today}").json
    assert answer["respondents"] == 2
    assert not fold.pending(db_session)


def test_a_fold_that_dies_inside_its_batch_leaves_it_to_be_folded_again_once(
        db_session, factory):
    unit = factory.unit()
    for _ in range(3):
        factory.rating(unit=unit, folded=False)
    db_session.commit()

    def dies(session, rating_ids, now):
        raise ConnectionError("the fold's process was killed")

    fold.register_after_batch(dies)
    try:
        with pytest.raises(ConnectionError):
            fold.fold_pending(db_session, thresholds=app_thresholds())
    finally:
        fold._after_batch.remove(dies)
    assert counted(db_session, unit.id) == 0
    assert fold.pending_count(db_session) == 3
    assert fold.fold_pending(db_session, thresholds=app_thresholds()).folded == 3
    assert counted(db_session, unit.id) == 3


def test_the_after_batch_hooks_see_the_folded_batch_in_its_transaction(db_session, factory):
    unit = factory.unit()
    made = {factory.rating(unit=unit, folded=False).id for _ in range(4)}
    seen = []

    def hook(session, rating_ids, now):
        folded = session.scalar(select(func.count()).select_from(Rating).where(
            Rating.id.in_(rating_ids), Rating.folded_at == now))
        seen.append((set(rating_ids), folded))

    fold.register_after_batch(hook)
    try:
        fold.fold_pending(db_session, thresholds=app_thresholds(), batch_size=3)
    finally:
        fold._after_batch.remove(hook)
    assert [len(ids) for ids, _ in seen] == [3, 1]
    assert set().union(*(ids for ids, _ in seen)) == made
    assert [n for _, n in seen] == [3, 1]


def test_the_worker_loop_runs_the_periodic_hooks_and_stops_when_told(app, db_session, factory):
    factory.rating(unit=factory.unit(), folded=False)
    stop = threading.Event()
    calls = []

    def periodic(session, now):
        calls.append(now)
        stop.set()  # as SIGTERM does

    fold.register_periodic(periodic)
    lines = []
    try:
        total = fold.run_worker(lambda: app.extensions["db"].sessionmaker(),
                                thresholds=app_thresholds(), stop=stop,
                                echo=lines.append, progress_seconds=0.1)
    finally:
        fold._periodic.remove(periodic)
    assert total.folded == 1 and len(calls) == 1
    assert not fold.pending(db_session)


def test_fold_once_from_the_command_line_folds_and_reports(runner, db_session, factory):
    unit = factory.unit()
    for _ in range(5):
        factory.rating(unit=unit, folded=False)
    result = runner.invoke(args=["fold", "--once", "--batch-size", "2"])
    assert result.exit_code == 0, result.output
    assert "5 ratings folded" in result.output
    assert counted(db_session, unit.id) == 5


# --- on a real database, with connections of their own -------------------------------------


@pytest.fixture
def shared(tmp_path):
    """A migrated database outside the test's transaction, with a counter on shift and
    ``make(n)``: n raw ratings committed, as requests leave them."""
    with temporary_database(tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            active_questionnaire(session)
            department = Department(code="D-F", name="Dinas")
            unit = Unit(code="U-F", name="Unit", department=department)
            counter = Counter(code="L1", label="Loket 1", unit=unit)
            officer = Officer(nip="198503142010011001", name="Petugas", unit=unit)
            session.add_all([department, unit, counter, officer])
            session.flush()
            session.add(Shift(counter=counter, officer=officer,
                              started_at=utcnow() - timedelta(days=1)))
            session.commit()
            ids = {"unit": unit.id, "counter": counter.id, "officer": officer.id}

        def make(n, *, start=None):
            start = start or utcnow() - timedelta(minutes=30)
            with Session(engine) as session:
                rows = []
                for i in range(n):
                    moment = start + timedelta(seconds=7 * i)
                    rows.append(Rating(
                        id=uuid.uuid4(), unit_id=ids["unit"], counter_id=ids["counter"],
                        channel="qr", submitted_at=moment, received_at=moment,
                        service_day=moment.date(), body_digest="0" * 64, u1=3, u3=4,
                        client_hash=f"net-{i % 7}"))
                session.add_all(rows)
                session.commit()
                return [r.id for r in rows]

        yield engine, ids, make
        engine.dispose()


def test_two_folds_at_once_never_count_a_rating_twice(shared):
    engine, ids, make = shared
    made = set(make(400))
    results, errors = [], []

    def worker():
        try:
            with Session(engine) as session:
                results.append(fold.fold_pending(session, thresholds=app_thresholds(),
                                                 batch_size=25))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    folded = [i for result in results for i in result.rating_ids]
    assert sorted(folded) == sorted(made)  # every rating by exactly one of them
    with Session(engine) as session:
        assert counted(session) == 400
        assert session.scalar(select(func.count()).select_from(Rating).where(
            Rating.officer_id == ids["officer"])) == 400


def test_a_batch_claimed_by_a_fold_whose_connection_drops_is_folded_again_once(shared):
    engine, ids, make = shared
    make(30)
    dying = Session(engine)
    fold.begin_write(dying)
    claimed = fold.claim(dying, 10)
    assert len(claimed) == 10
    if engine.dialect.name == "postgresql":
        # While it holds them, another fold skips them and folds the rest.
        with Session(engine) as other:
            other_result = fold.fold_pending(other, thresholds=app_thresholds())
        assert other_result.folded == 20 and not set(claimed) & set(other_result.rating_ids)
    # The process dies: its connection goes, and with it the claim.
    dying.connection().invalidate()
    dying.close()
    with Session(engine) as session:
        # (The server ends the dead backend's transaction as it notices; wait for it.)
        fold.fold_pending(session, thresholds=app_thresholds(), wait=True)
        assert counted(session) == 30
        assert not fold.pending(session)


def test_a_rating_committed_after_later_ones_were_folded_is_still_folded(shared):
    engine, ids, make = shared
    make(5, start=utcnow() - timedelta(minutes=5))
    with Session(engine) as session:
        fold.fold_pending(session, thresholds=app_thresholds())
    # Committed late, with an earlier arrival than those already folded (PostgreSQL commits
    # are not in id or arrival order): no watermark skips it.
    late = make(1, start=utcnow() - timedelta(minutes=20))
    with Session(engine) as session:
        assert fold.fold_pending(session, thresholds=app_thresholds()).rating_ids == late
        assert counted(session) == 6
