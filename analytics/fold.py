"""The fold: everything derivable from a stored rating, done in batches behind the request.

``record_rating`` (survey) stores the raw rating and answers. The fold then takes the
ratings not folded yet (``rating.folded_at IS NULL``, a partial index) in batches, and in one
transaction per batch, with a handful of statements whatever the batch size:

1. claims them (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so two folds never take the same
   rating; SQLite: the single writer, ``BEGIN IMMEDIATE``);
2. attributes each to its shift, by the same rules as ever: an officer's own code → that
   officer's shift at the rating's moment; a counter's code or tablet → the shift signed in
   at the counter then, and its officer;
3. assesses integrity with survey/integrity.py's rules (bursts per tablet and per network,
   repeats, service hours, kiosk interval). A burst is flagged whole: the ratings that formed
   it are flagged too, and those already counted move to the flagged bucket. The look-backs
   by arrival (a network's bursts, repeated answers) are counted by the database with window
   functions and only the ratings they flag come back; a tablet's ratings and the service
   hours are judged here;
4. marks the batch folded with its flags (one UPDATE: on PostgreSQL each UPDATE of a row
   writes a new version of it, so a rating is written twice by its fold, not four times);
5. adds the batch to the daily aggregates and comment counts (analytics/aggregates.py), runs
   the after-batch hooks (comment tagging, alerts), commits.

A batch's ids travel as one bound parameter (``core.db.one_of``) with the span of their
moments (``survey.partitions.ratings_among``: PostgreSQL reads the partitions holding them).

A batch dies whole (connection dropped, process killed): its claims go with the transaction
and the next fold takes it again. Nothing depends on commit order or a "last id seen": the
queue is the set of unfolded ratings itself.

Runs in ``flask --app wsgi fold`` (the worker loop ``run_worker``) and on every read:
``ensure_folded`` folds what is pending first, so a dashboard includes every rating
committed before it was asked.
"""

from __future__ import annotations

import bisect
import logging
import threading
import time as clock
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from analytics import aggregates
from core.db import Values, begin_write, listed, one_of
from core.models import Holiday, Shift, Unit, utcnow
from survey import integrity
from survey.elements import ELEMENT_CODES
from survey.models import Comment, Rating
from survey.partitions import among_params, ratings_among

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
# A backlog (the worker was stopped, a bulk import) is folded in batches that double up to
# this: a batch's look-backs read the windows around it whatever its size, so a thousand at a
# time read a flood's windows over and over. Under a live trickle batches stay small.
BACKLOG_BATCH_SIZE = 8000
# How many ratings a read folds at most before it answers (a backlog larger than this is the
# worker's to fold; the read then answers with what is folded).
ENSURE_LIMIT = 20_000

AfterBatch = Callable[[Session, list, datetime], None]
Periodic = Callable[[Session, datetime], None]
_after_batch: list[AfterBatch] = []
_periodic: list[Periodic] = []


def register_after_batch(func: AfterBatch) -> AfterBatch:
    """Run ``func(session, rating_ids, now)`` inside every batch's transaction, after the
    batch is attributed, assessed and counted (comment tagging, alert evaluation)."""
    if func not in _after_batch:
        _after_batch.append(func)
    return func


def register_periodic(func: Periodic) -> Periodic:
    """Run ``func(session, now)`` once per iteration of the worker loop, in a transaction of
    its own (alert delivery)."""
    if func not in _periodic:
        _periodic.append(func)
    return func


@dataclass
class FoldResult:
    folded: int = 0
    batches: int = 0
    flagged: int = 0  # ratings of these batches that carry flags
    moved: int = 0  # ratings folded before, moved to the flagged bucket by a burst seen now
    rating_ids: list = field(default_factory=list)

    def add(self, other: FoldResult) -> FoldResult:
        self.folded += other.folded
        self.batches += other.batches
        self.flagged += other.flagged
        self.moved += other.moved
        self.rating_ids += other.rating_ids
        return self


_UNFOLDED = Rating.folded_at.is_(None)


def pending(session: Session) -> bool:
    """Whether any rating waits to be folded (one look at the partial index)."""
    return session.scalar(select(Rating.id).where(_UNFOLDED).limit(1)) is not None


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Rating).where(_UNFOLDED)) or 0


def fold_pending(session: Session, *, thresholds: integrity.Thresholds,
                 limit: int | None = None, now: datetime | None = None,
                 batch_size: int | None = None, wait: bool = False) -> FoldResult:
    """Fold batches until nothing is pending or ``limit`` ratings are folded. Commits once per
    batch (call it with no work of your own pending). ``wait`` (PostgreSQL): also wait for
    batches other folds hold, instead of skipping them."""
    result = FoldResult()
    size = batch_size or BATCH_SIZE
    while limit is None or result.folded < limit:
        take = size if limit is None else min(size, limit - result.folded)
        batch = fold_batch(session, size=take, now=now, wait=wait, thresholds=thresholds)
        if batch.folded == 0:
            break
        result.add(batch)
        if batch_size is None and batch.folded == take:  # a backlog: take more at a time
            size = min(2 * size, BACKLOG_BATCH_SIZE)
    return result


def ensure_folded(session: Session, *, thresholds: integrity.Thresholds,
                  limit: int = ENSURE_LIMIT) -> FoldResult:
    """Before a read: fold what is pending (at most ``limit`` ratings), so the answer
    includes every rating committed before it was asked. On PostgreSQL a batch another fold
    holds is waited for (a few seconds at most), not skipped."""
    if not pending(session):
        return FoldResult()
    result = fold_pending(session, thresholds=thresholds, limit=limit)
    if session.get_bind().dialect.name == "postgresql" and result.folded < limit:
        try:
            result.add(fold_pending(session, thresholds=thresholds, limit=limit - result.folded,
                                    wait=True))
        except OperationalError as exc:  # lock_timeout: a fold is stuck; read what there is
            session.rollback()
            log.warning("read went ahead without a batch another fold holds: %s", exc)
    return result


def fold_batch(session: Session, *, thresholds: integrity.Thresholds, size: int = BATCH_SIZE,
               now: datetime | None = None, wait: bool = False) -> FoldResult:
    """Claim up to ``size`` unfolded ratings and fold them in one transaction (committed).

    Two folds can deadlock on PostgreSQL: a claim locks rows another fold has just folded
    (the re-check after the wait drops them from the result but keeps the lock), and a
    late burst then wants those rows. PostgreSQL breaks the cycle; the batch, rolled back
    whole, is simply folded again."""
    for attempt in range(1, DEADLOCK_RETRIES + 1):
        try:
            return _fold_batch(session, size=size, now=now, wait=wait, thresholds=thresholds)
        except OperationalError as exc:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(exc):
                raise
            log.info("fold: batch rolled back after a deadlock, folding it again")
    raise AssertionError("unreachable")


DEADLOCK_RETRIES = 5


def _is_deadlock(exc: OperationalError) -> bool:
    return getattr(exc.orig, "sqlstate", None) in ("40P01", "40001")


def _fold_batch(session: Session, *, size: int, now: datetime | None, wait: bool,
                thresholds: integrity.Thresholds) -> FoldResult:
    now = now or utcnow()
    limits = thresholds
    try:
        begin_write(session)
        ids = claim(session, size, wait=wait)
        if not ids:
            session.commit()
            return FoldResult()
        _attribute(session, ids)
        flags, moved = _assess(session, ids, limits)
        _mark_folded(session, ids, flags, now)
        aggregates.add_ratings(session, ids)
        aggregates.count_comments(session, ids)
        for hook in _after_batch:
            hook(session, ids, now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    _expire(session, set(ids) | moved)
    return FoldResult(folded=len(ids), batches=1, flagged=len(flags), moved=len(moved),
                      rating_ids=ids)


def claim(session: Session, size: int, *, wait: bool = False) -> Values:
    """The ids of up to ``size`` unfolded ratings, oldest arrival first, locked for this
    transaction (PostgreSQL; skipping those another fold holds unless ``wait``), spanning
    their moments (``survey.partitions.ratings_among``)."""
    query = (select(Rating.id, Rating.submitted_at).where(_UNFOLDED)
             .order_by(Rating.received_at).limit(size))
    if session.get_bind().dialect.name == "postgresql":
        if wait:
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
        query = query.with_for_update(skip_locked=not wait)
    rows = session.execute(query).all()
    ids = Values(rating_id for rating_id, _moment in rows)
    if rows:
        ids.span = (min(moment for _id, moment in rows), max(moment for _id, moment in rows))
    return ids


def _expire(session: Session, ids: set) -> None:
    """Objects this session holds of the folded ratings (and their comments) reload."""
    for obj in list(session.identity_map.values()):
        if (isinstance(obj, Rating) and obj.id in ids) or (
                isinstance(obj, Comment) and obj.rating_id in ids):
            session.expire(obj)


# --- attribution -------------------------------------------------------------------------


def _plain(column):
    """The column as a value no index serves (``+ 0``, ``|| ''``), for the conditions that
    come with a batch's ids: without statistics SQLite guessed that ``kiosk_device_id IS
    NULL`` picks few ratings and read the batch through that index — every rating with no
    tablet, nearly all of them — instead of looking its thousand ids up."""
    if isinstance(column.type, String):
        return column.concat("")
    return column + 0


def _covering(column: str):
    """The latest shift with the rating's ``column`` (officer or counter) that covers the
    rating's moment (correlated with the rating being updated)."""
    shift = Shift.__table__.alias("covering")
    return (select(shift.c.id)
            .where(shift.c[column] == Rating.__table__.c[column],
                   shift.c.started_at <= Rating.submitted_at,
                   or_(shift.c.ended_at.is_(None), shift.c.ended_at > Rating.submitted_at))
            .order_by(shift.c.started_at.desc()).limit(1)
            .correlate(Rating.__table__).scalar_subquery())


def _attribute(session: Session, ids: list) -> None:
    """One UPDATE of the batch's ratings and one of their comments. As stored, a rating
    names its officer only if it came through the officer's own code; a counter's code or
    tablet names the counter. The officer's code → that officer's shift at the rating's
    moment; otherwise the counter's → the shift signed in at the counter then; the shift
    then fills in the officer or the counter the rating does not name. (Three UPDATEs did
    it step by step: on PostgreSQL every UPDATE of a row writes a new version of it and of
    its index entries.) Ratings no shift covers are left as they are."""
    dialect = session.get_bind().dialect.name
    ratings, comments = _attribution_statements(dialect)
    # Core execution on the session's connection: the ORM's bulk-update path costs more
    # than these statements; _expire reloads what the session holds afterwards.
    connection = session.connection()
    connection.execute(ratings, among_params(dialect, ids, "batch"))
    connection.execute(comments, {"batch": listed(dialect, ids)})


@lru_cache(maxsize=4)
def _attribution_statements(dialect: str):
    """``_attribute``'s two UPDATEs, built once per dialect."""
    shift_id = func.coalesce(Rating.shift_id, case(
        (Rating.officer_id.is_not(None), _covering("officer_id")),
        (Rating.counter_id.is_not(None), _covering("counter_id"))))
    # Correlated explicitly: nested in a SELECT from shift, Rating would otherwise be a FROM
    # of its own there (every rating), not the one being updated.
    of_shift = select(Shift).where(Shift.id == shift_id).correlate(Rating.__table__)
    ratings = update(Rating).where(
        # Paper forms arrive attributed by the staff who entered them (survey/paper.py).
        ratings_among(dialect, key="batch"), Rating.channel != "paper", shift_id.is_not(None),
    ).values(
        shift_id=shift_id,
        officer_id=func.coalesce(Rating.officer_id, of_shift.with_only_columns(
            Shift.officer_id).scalar_subquery()),
        counter_id=func.coalesce(Rating.counter_id, of_shift.with_only_columns(
            Shift.counter_id).scalar_subquery()),
    )
    comments = update(Comment).where(one_of(dialect, Comment.rating_id, key="batch")).values(
        officer_id=select(Rating.officer_id).where(Rating.id == Comment.rating_id)
        .scalar_subquery())
    return ratings, comments


# --- integrity ---------------------------------------------------------------------------

_ANSWERS = [getattr(Rating, code.lower()) for code in ELEMENT_CODES]
_COLUMNS = (Rating.id, Rating.unit_id, Rating.counter_id, Rating.officer_id,
            Rating.kiosk_device_id, Rating.client_hash, Rating.submitted_at,
            Rating.received_at, Rating.service_day, *_ANSWERS)


@dataclass(frozen=True)
class _Row:
    id: object
    unit_id: int
    counter_id: int | None
    officer_id: int | None
    kiosk_device_id: int | None
    client_hash: str | None
    submitted_at: datetime
    received_at: datetime
    service_day: date
    answers: tuple

    @property
    def arrival(self):
        """Which of two ratings was stored first: the order the look-backs count in."""
        return (self.received_at, self.id)


def _rows(session: Session, *where) -> list[_Row]:
    # Core execution on the session's connection: no ORM work per row (thousands a batch).
    query = select(*_COLUMNS).where(
        Rating.channel.not_in(sorted(integrity.UNJUDGED_CHANNELS)), *where)
    return [_Row(*row[:9], tuple(row[9:])) for row in session.connection().execute(query)]


def _assess(session: Session, ids: list, limits: integrity.Thresholds) -> tuple[dict, set]:
    """Judge the batch's ratings, and flag the earlier ratings of a burst it completes.
    Returns the flags of the batch's ratings that carry any (written with ``folded_at`` by
    ``_mark_folded``), and the ids of ratings folded before that moved to the flagged
    bucket.

    The look-backs by arrival (a network's bursts, repeated answers) are counted by the
    database with window functions, so only the ratings they flag come back, however many
    ratings the windows hold; a tablet's ratings and the service hours are judged here."""
    dialect = session.get_bind().dialect.name
    reasons: dict[object, set[str]] = defaultdict(set)
    burst_formers: dict[object, str] = {}
    in_batch = set(ids)
    kiosk = _rows(session, ratings_among(dialect, ids),
                  _plain(Rating.kiosk_device_id).is_not(None))
    _kiosk_checks(session, kiosk, limits, reasons, burst_formers)
    _off_hours(session, dialect, ids, limits, reasons)
    for rating_id in _network_burst_formers(session, dialect, ids, limits):
        burst_formers.setdefault(rating_id, integrity.BURST_NETWORK)
    for rating_id in _repeated(session, dialect, ids, limits):
        reasons[rating_id].add(integrity.REPEAT)
    for rating_id, code in burst_formers.items():
        if rating_id in in_batch:
            reasons[rating_id].add(code)
    flags = {rating_id: found for rating_id, found in reasons.items() if found}
    if flags:
        # The batch is fresh: its ratings carry no flags of their own yet (a paper import may
        # have set some; those are kept).
        for rating_id, existing in session.execute(select(Rating.id, Rating.flags).where(
                ratings_among(dialect, ids), Rating.flags.is_not(None))):
            if rating_id in flags:
                flags[rating_id] = {*flags[rating_id], *integrity.split(existing)}
    late = {rating_id: code for rating_id, code in burst_formers.items()
            if rating_id not in in_batch}
    return ({rating_id: integrity.join(found) for rating_id, found in flags.items()},
            _flag_folded(session, late))


_table = Rating.__table__
_REOPEN = (update(_table).where(_table.c.id == bindparam("b_id"))
           .values(flags=bindparam("b_flags"), flags_cleared_at=None, flags_cleared_by=None))


def _mark_folded(session: Session, ids: Values, flags: dict, now: datetime) -> None:
    """Write ``folded_at`` of the batch, and the flags of those that carry any (the others
    keep theirs). PostgreSQL: one UPDATE, reading the values from two arrays — each UPDATE
    of a row writes a new version of it and its index entries, and row by row each id was
    looked for in every month's partition. SQLite updates in place: the batch, then the
    flagged ratings row by row (joined with the values, it read them once per rating)."""
    dialect = session.get_bind().dialect.name
    connection = session.connection()
    if dialect != "postgresql":
        connection.execute(update(Rating).where(one_of(dialect, Rating.id, ids))
                           .values(folded_at=now))
        if flags:
            connection.execute(_SET_FLAGS, [{"b_id": rating_id, "b_flags": found}
                                            for rating_id, found in flags.items()])
        return
    given = select(
        func.unnest(bindparam("b_ids", list(ids),
                              type_=postgresql.ARRAY(Rating.id.type))).label("id"),
        func.unnest(bindparam("b_flags", [flags.get(i) for i in ids],
                              type_=postgresql.ARRAY(String))).label("flags"),
    ).subquery("given")
    connection.execute(update(Rating).where(Rating.id == given.c.id, ratings_among(dialect, ids))
                       .values(folded_at=now, flags=func.coalesce(given.c.flags, Rating.flags)))


_SET_FLAGS = (update(_table).where(_table.c.id == bindparam("b_id"))
              .values(flags=bindparam("b_flags")))


def _flag_folded(session: Session, late: dict) -> set:
    """Add a burst's reason to ratings folded before (the burst is recognised only now):
    those that counted move to the flagged bucket, so the aggregates stay what a rebuild
    from the raw ratings gives. A rating a head had cleared is open again: the head has not
    seen this reason. Locked in id order, so two folds never deadlock on them."""
    if not late:
        return set()
    query = (select(Rating.id, Rating.flags, Rating.flags_cleared_at)
             .where(one_of(session.get_bind().dialect.name, Rating.id, list(late)),
                    Rating.folded_at.is_not(None))
             .order_by(Rating.id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    changed, moved = [], []
    for rating_id, flags, cleared_at in session.execute(query):
        have = integrity.split(flags)
        if late[rating_id] in have:
            continue
        counted = not have or cleared_at is not None
        changed.append({"b_id": rating_id, "b_flags": integrity.join({*have, late[rating_id]})})
        if counted:
            moved.append(rating_id)
    if not changed:
        return set()
    aggregates.add_ratings(session, moved, sign=-1)
    session.execute(_REOPEN, changed)
    aggregates.add_ratings(session, moved)
    return set(moved)


def _off_hours(session: Session, dialect: str, ids: list, limits, reasons) -> None:
    """Ratings outside their unit's service hours (or on a holiday), by the moment each was
    given; a unit's hours are worked out once per local day of the batch, not per rating."""
    batch = session.execute(select(Rating.id, Rating.unit_id, Rating.submitted_at).where(
        ratings_among(dialect, ids), _judged())).all()
    if not batch:
        return
    units = {uid: (hours, ZoneInfo(zone)) for uid, hours, zone in session.execute(
        select(Unit.id, Unit.service_hours, Unit.timezone)
        .where(Unit.id.in_({unit_id for _id, unit_id, _at in batch})))}
    local = [(rating_id, unit_id, moment.astimezone(units[unit_id][1]))
             for rating_id, unit_id, moment in batch]
    days = [moment.date() for _id, _unit, moment in local]
    holidays = set(session.scalars(select(Holiday.day).where(
        Holiday.day.between(min(days), max(days)))))
    periods: dict[tuple, list] = {}
    for rating_id, unit_id, moment in local:
        key = (unit_id, moment.date())
        if key not in periods:
            hours, zone = units[unit_id]
            periods[key] = integrity.day_periods(hours, zone, moment.date(), limits)
        if integrity.outside_periods(moment, periods[key], holidays.__contains__):
            reasons[rating_id].add(integrity.OFF_HOURS)


def _burst_enders(members: list[_Row], enders: Iterable[_Row], moment: Callable,
                  window: Callable, count: int, batch_ids: set, formers: dict,
                  code: str) -> None:
    """For one tablet's or one network's ratings (``members``, sorted by ``moment``): a
    rating with at least ``count`` ratings delivered before it within its window ends a
    burst, and when that burst holds a rating of the batch, all of it is flagged (it and the
    ratings that formed it). ``window(row)`` gives ``(start, end, end_included)``."""
    moments = [moment(r) for r in members]
    for ender in enders:
        start, end, included = window(ender)
        low = bisect.bisect_left(moments, start)
        high = (bisect.bisect_right if included else bisect.bisect_left)(moments, end)
        earlier = [r for r in members[low:high] if r.arrival < ender.arrival]
        if len(earlier) < count:
            continue
        burst = [*earlier, ender]
        if any(r.id in batch_ids for r in burst):
            for r in burst:
                formers.setdefault(r.id, code)


def _kiosk_checks(session: Session, batch: list[_Row], limits, reasons, formers) -> None:
    """A tablet's ratings are judged by when they were tapped (``submitted_at``, which only
    an authenticated tablet may give), among those it delivered before: an offline queue
    delivers an hour's ratings at once."""
    if not batch:
        return
    burst = timedelta(minutes=limits.burst_minutes)
    repeat = timedelta(minutes=limits.repeat_minutes)
    interval = timedelta(seconds=limits.kiosk_interval_seconds)
    span = max(burst, repeat) + interval
    moments = [r.submitted_at for r in batch]
    neighbours = _rows(session, Rating.kiosk_device_id.in_({r.kiosk_device_id for r in batch}),
                       Rating.submitted_at >= min(moments) - 2 * span,
                       Rating.submitted_at < max(moments) + 2 * span)
    by_device: dict[int, list[_Row]] = defaultdict(list)
    for row in neighbours:
        by_device[row.kiosk_device_id].append(row)
    batch_ids = {r.id for r in batch}
    for device, members in by_device.items():
        members.sort(key=lambda r: (r.submitted_at, r.id))
        # Only the bursts a rating of this batch could be in: enders up to a window away.
        _burst_enders(
            members, (r for r in members if min(moments) - interval <= r.submitted_at
                      <= max(moments) + burst),
            lambda r: r.submitted_at,
            lambda r: (r.submitted_at - burst, r.submitted_at + interval, False),
            limits.burst_count, batch_ids, formers, integrity.BURST_DEVICE)
        for rating in (r for r in batch if r.kiosk_device_id == device):
            earlier = [r for r in members if r.arrival < rating.arrival and r.id != rating.id
                       and rating.submitted_at - span <= r.submitted_at
                       < rating.submitted_at + interval]
            repeats = sum(1 for r in earlier if r.submitted_at >= rating.submitted_at - repeat
                          and r.answers == rating.answers)
            if repeats >= limits.repeat_count:
                reasons[rating.id].add(integrity.REPEAT)
            if any(r.submitted_at > rating.submitted_at - interval for r in earlier):
                reasons[rating.id].add(integrity.KIOSK_INTERVAL)


def _judged():
    """Ratings of the channels integrity judges (read each time: a test may change them)."""
    return Rating.channel.not_in(sorted(integrity.UNJUDGED_CHANNELS))


def _micros(dialect: str, column):
    """A timestamp as whole microseconds since 1970, exactly (window arithmetic in SQL; SQLite
    keeps them as text, ``YYYY-MM-DD HH:MM:SS.ffffff``)."""
    if dialect == "postgresql":
        return cast(func.extract("epoch", column) * 1_000_000, BigInteger)
    return (cast(func.strftime("%s", column), Integer) * 1_000_000
            + func.coalesce(cast(func.substr(column, 21, 6), Integer), 0))


_MOMENT = Rating.received_at.type


def _network_burst_formers(session: Session, dialect: str, ids: Values, limits) -> list:
    """Many ratings of one unit from one network (the keyed hash of its address) within
    minutes. Phones and the API cannot give their moment: it is their arrival.

    A rating with at least ``burst_count`` ratings of its network delivered before it within
    the window ends a burst; a burst that holds a rating of this batch is flagged whole: its
    ender and every rating of its window. Counted in SQL over the networks of the batch:
    ``ends`` (the ``burst_count``-th rating before is within the window) and ``last_mine``
    (the latest batch rating so far) say which ratings end such a burst, and a rating is in
    one when the first ender from it on comes within the window. Returns the batch's ratings
    in a burst and the earlier ones that do not carry the reason yet (flagged late)."""
    span, formers = _burst_statements(dialect, limits.burst_count, limits.burst_minutes,
                                      integrity.UNJUDGED_CHANNELS)
    params = among_params(dialect, ids, "batch")
    first, last = session.execute(span, params).one()
    if first is None:
        return []
    window = timedelta(minutes=limits.burst_minutes)
    return list(session.scalars(formers, {**params, "low": first - window,
                                          "high": last + window}))


@lru_cache(maxsize=16)
def _burst_statements(dialect: str, count: int, minutes: int, unjudged: frozenset):
    """``_network_burst_formers``' two statements, built once per dialect and settings
    (building them was most of a small batch's work): the span of the batch's phone
    ratings, and the burst formers among the ratings of their networks from ``low`` to
    ``high``."""
    phone = and_(ratings_among(dialect, key="batch"), _judged(),
                 _plain(Rating.kiosk_device_id).is_(None), _plain(Rating.client_hash).is_not(None))
    span_of_batch = select(func.min(Rating.received_at), func.max(Rating.received_at)).where(phone)
    span = minutes * 60_000_000
    moment = _micros(dialect, Rating.received_at)
    members = (select(Rating.id, Rating.unit_id, Rating.client_hash, Rating.received_at,
                      Rating.flags, Rating.folded_at, moment.label("t"),
                      case((phone, 1), else_=0).label("mine"),
                      case((ratings_among(dialect, key="batch"), 1), else_=0).label("batch"))
               .where(_judged(), Rating.client_hash.in_(select(Rating.client_hash).where(phone)),
                      Rating.received_at >= bindparam("low", type_=_MOMENT),
                      Rating.received_at <= bindparam("high", type_=_MOMENT))
               .subquery("members"))
    network = (members.c.unit_id, members.c.client_hash)
    order = (members.c.received_at, members.c.id)
    looked = select(
        members,
        func.lag(members.c.t, count).over(partition_by=network, order_by=order).label("before"),
        func.max(case((members.c.mine == 1, members.c.t))).over(
            partition_by=network, order_by=order, rows=(None, 0)).label("last_mine"),
    ).subquery("looked")
    ends = case((and_(looked.c.before >= looked.c.t - span,
                      looked.c.last_mine >= looked.c.t - span), looked.c.t))
    judged = select(
        looked.c.id, looked.c.batch, looked.c.flags, looked.c.folded_at, looked.c.t,
        # The first ender from this rating on: a running minimum taken backwards (SQLite
        # recomputes a frame that shrinks from the front for every row).
        func.min(ends).over(partition_by=(looked.c.unit_id, looked.c.client_hash),
                            order_by=(looked.c.received_at.desc(), looked.c.id.desc()),
                            rows=(None, 0)).label("next_end"),
    ).subquery("judged")
    code = integrity.BURST_NETWORK
    carries = (literal_column("','") + func.coalesce(judged.c.flags, "")
               + literal_column("','")).like(f"%,{code},%")
    formers = select(judged.c.id).where(
        judged.c.next_end <= judged.c.t + span,
        or_(judged.c.batch == 1, and_(judged.c.folded_at.is_not(None), ~carries)))
    return span_of_batch, formers


def _repeated(session: Session, dialect: str, ids: Values, limits) -> list:
    """The batch's ratings with the same nine answers given at least ``repeat_count`` times
    before within the window, by arrival: at one counter, or, with no counter, through one
    officer's own code on one day. Counted in SQL: the ``repeat_count``-th earlier rating
    with those answers there is within the window."""
    window = timedelta(minutes=limits.repeat_minutes)
    params = among_params(dialect, ids, "batch")
    found: list = []
    for span, repeats in _repeat_statements(dialect, limits.repeat_count,
                                            limits.repeat_minutes, integrity.UNJUDGED_CHANNELS):
        first, last = session.execute(span, params).one()
        if first is not None:
            found += session.scalars(repeats, {**params, "low": first - window, "high": last})
    return found


@lru_cache(maxsize=16)
def _repeat_statements(dialect: str, count: int, minutes: int, unjudged: frozenset) -> list:
    """``_repeated``'s statements per place (a counter; an officer's day), built once per
    dialect and settings: the span of the batch's ratings judged there, and those among them
    repeated within the ratings there from ``low`` to ``high``."""
    mine = and_(ratings_among(dialect, key="batch"), _judged(),
                _plain(Rating.kiosk_device_id).is_(None))
    span = minutes * 60_000_000
    statements = []
    for target, place in (
        (_plain(Rating.counter_id).is_not(None), [Rating.counter_id]),
        (and_(_plain(Rating.counter_id).is_(None), _plain(Rating.officer_id).is_not(None)),
         [Rating.officer_id, Rating.service_day]),
    ):
        targets = and_(mine, target)
        members = (select(Rating.id, Rating.received_at, *place, *_ANSWERS,
                          _micros(dialect, Rating.received_at).label("t"),
                          case((targets, 1), else_=0).label("target"))
                   .where(_judged(), *(column.in_(select(column).where(targets))
                                     for column in place),
                          Rating.received_at >= bindparam("low", type_=_MOMENT),
                          Rating.received_at <= bindparam("high", type_=_MOMENT))
                   .subquery("members"))
        key = [members.c[column.key] for column in (*place, *_ANSWERS)]
        looked = select(members.c.id, members.c.target, members.c.t, func.lag(
            members.c.t, count).over(
                partition_by=key, order_by=(members.c.received_at, members.c.id)
            ).label("before")).subquery("looked")
        statements.append((
            select(func.min(Rating.received_at), func.max(Rating.received_at)).where(targets),
            select(looked.c.id).where(looked.c.target == 1, looked.c.before >= looked.c.t - span),
        ))
    return statements


# --- wiring ------------------------------------------------------------------------------

# Every page and API answer of these blueprints reads folded data: fold first.
READ_BLUEPRINTS = frozenset({"analytics", "analytics_api", "analytics_exports", "complaints"})


def init_app(app) -> None:
    """Fold before every read; keep the aggregates in step when a head clears a rating's
    flags (survey calls this hook, it does not import us)."""
    from flask import current_app, request

    from core import db

    integrity.on_flags_changed(_flags_changed)

    @app.before_request
    def fold_before_read():
        if request.blueprint in READ_BLUEPRINTS and request.method in ("GET", "HEAD"):
            ensure_folded(db.session(),
                          thresholds=integrity.Thresholds.from_config(current_app.config))


def _flags_changed(session: Session, rating, was_flagged: bool) -> None:
    aggregates.reclassify(session, rating, was_flagged=was_flagged)


# --- the worker --------------------------------------------------------------------------


def run_periodic(session: Session, now: datetime | None = None) -> None:
    """The periodic hooks, each in a transaction of its own."""
    now = now or utcnow()
    for hook in _periodic:
        try:
            hook(session, now)
            session.commit()
        except Exception:
            session.rollback()
            log.exception("periodic fold hook %r failed", hook)


def run_worker(make_session: Callable[[], Session], *, thresholds: integrity.Thresholds,
               batch_size: int = BATCH_SIZE,
               once: bool = False, idle_seconds: float = 0.5, progress_seconds: float = 10.0,
               stop: threading.Event | None = None,
               echo: Callable[[str], object] = print) -> FoldResult:
    """Fold until stopped (``stop`` set, e.g. by SIGTERM), or, with ``once``, until nothing
    is pending. Sleeps ``idle_seconds`` when idle; a database error is logged and retried
    after a pause. Echoes a progress line every ``progress_seconds``."""
    stop = stop or threading.Event()
    total = FoldResult()
    since, reported = clock.monotonic(), 0
    while not stop.is_set():
        session = make_session()
        try:
            batch = fold_batch(session, thresholds=thresholds, size=batch_size)
            total.add(FoldResult(folded=batch.folded, batches=batch.batches,
                                 flagged=batch.flagged, moved=batch.moved))
            run_periodic(session)
        except OperationalError as exc:
            log.warning("fold: database unavailable, retrying: %s", exc)
            batch = FoldResult()
            stop.wait(max(idle_seconds, 1.0))
        finally:
            session.close()
        elapsed = clock.monotonic() - since
        if elapsed >= progress_seconds or (once and batch.folded == 0):
            rate = (total.folded - reported) / elapsed if elapsed else 0.0
            echo(f"fold: {total.folded} ratings folded ({rate:.0f}/s), "
                 f"{total.flagged} flagged, {total.moved} moved by late bursts")
            since, reported = clock.monotonic(), total.folded
        if once:
            if batch.folded == 0:
                break
        elif batch.folded < batch_size:
            # Under a trickle of ratings, fold what a pause gathers rather than each rating
            # as it comes: a batch costs a few statements whatever its size, so small ones
            # would take the CPU the requests need (the lag stays under a second).
            stop.wait(idle_seconds)
    return total


__all__ = [
    "BATCH_SIZE", "ENSURE_LIMIT", "FoldResult", "claim", "ensure_folded", "fold_batch",
    "fold_pending", "init_app", "pending", "pending_count", "register_after_batch",
    "register_periodic", "run_periodic", "run_worker",
]
