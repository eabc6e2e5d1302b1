"""The rating table's monthly partitions on PostgreSQL (docs/deployment.md, "Partitions").

On PostgreSQL the migrations make ``rating`` a table partitioned by RANGE of
``submitted_at`` (the rating's moment, which never changes once stored), one partition per
calendar month (UTC) plus a default partition that should stay empty. A rating id stays
unique across all partitions through ``rating_key`` (id primary key), which the same INSERT
fills (survey/services.py). ``ensure`` makes partitions ahead (the fold worker calls it at
start, ``flask --app wsgi partitions ensure`` from cron); ``detach_before`` is retention.
SQLite keeps one plain table: every function here is then a no-op.

Survey owns the rating table, so its partitions are survey's. What other areas keep about
a month's ratings they remove themselves: ``detach_before`` runs the steps its caller
passes before the month goes (analytics passes its alert sources).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import and_, bindparam, text
from sqlalchemy.orm import Session

from core.db import listed, one_of
from core.models import utcnow
from survey.models import Rating

# A step another area runs before a month's ratings go: (session, start, end) in UTC.
BeforeDetach = Callable[[Session, datetime, datetime], None]

MONTHS_AHEAD = 3
TABLE = "rating"
MONTHS_COMMENTS = ("(SELECT id FROM comment WHERE rating_id IN (SELECT id FROM rating_key "
                   "WHERE submitted_at >= :start AND submitted_at < :end))")
# What of survey's refers to a month's ratings (through rating_key), deleted before the month
# goes: the comments' follow-up history, tags and reviews, then the rows themselves.
_DELETE_DEPENDENTS = [text(statement) for statement in (
    *(f"DELETE FROM {table} WHERE comment_id IN {MONTHS_COMMENTS}"  # noqa: S608 - fixed table names
      for table in ("complaint_event", "comment_tag", "comment_review")),
    "DELETE FROM custom_answer WHERE rating_id IN "
    "(SELECT id FROM rating_key WHERE submitted_at >= :start AND submitted_at < :end)",
    "DELETE FROM comment WHERE rating_id IN "
    "(SELECT id FROM rating_key WHERE submitted_at >= :start AND submitted_at < :end)",
)]


def ratings_among(dialect: str, ids=None, rating=Rating, *, key: str | None = None):
    """``rating.id`` among ``ids`` (``rating``: the table or an alias of it). When ``ids``
    is ``Values`` spanning these ratings' moments (a fold batch), PostgreSQL is told the
    moments too: it then reads the one or two partitions that hold them instead of every
    month's index. With ``key`` (``core.db.one_of``) the parameters are named, for a
    statement kept and run with ``among_params(dialect, ids, key)``."""
    columns = getattr(rating, "c", rating)
    if key is not None:
        among = one_of(dialect, columns.id, key=key)
        if dialect != "postgresql":
            return among
        moment = Rating.submitted_at.type
        return and_(among, columns.submitted_at.between(
            bindparam(f"{key}_first", type_=moment), bindparam(f"{key}_last", type_=moment)))
    among = one_of(dialect, columns.id, ids)
    span = getattr(ids, "span", None)
    if dialect != "postgresql" or span is None:
        return among
    return and_(among, columns.submitted_at.between(*span))


_ALL_TIME = (datetime(1, 1, 2, tzinfo=UTC), datetime(9999, 12, 30, tzinfo=UTC))


def among_params(dialect: str, ids, key: str) -> dict:
    """The parameters of ``ratings_among(…, key=key)`` for these ids (every partition when
    their moments are not known)."""
    params = {key: listed(dialect, ids)}
    if dialect == "postgresql":
        first, last = getattr(ids, "span", None) or _ALL_TIME
        params.update({f"{key}_first": first, f"{key}_last": last})
    return params


@dataclass(frozen=True)
class Partition:
    name: str
    start: date


def month_start(day: date, months_later: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months_later
    return date(index // 12, index % 12 + 1, 1)


def partition_name(start: date) -> str:
    return f"{TABLE}_{start:%Y_%m}"


def is_partitioned(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return False
    return bool(session.scalar(text(
        "SELECT EXISTS (SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = "
        "p.partrelid WHERE c.relname = :table AND pg_table_is_visible(c.oid))"),
        {"table": TABLE}))


def existing(session: Session) -> list[Partition]:
    """The month partitions, oldest first (the default partition left out)."""
    if not is_partitioned(session):
        return []
    rows = session.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :table "
        "AND pg_table_is_visible(p.oid) ORDER BY c.relname"), {"table": TABLE}).scalars()
    found = []
    for name in rows:
        try:
            year, month = name.removeprefix(f"{TABLE}_").split("_")
            found.append(Partition(name, date(int(year), int(month), 1)))
        except ValueError:
            continue  # rating_default
    return found


def create_statement(start: date) -> str:
    end = month_start(start, 1)
    return (f"CREATE TABLE IF NOT EXISTS {partition_name(start)} PARTITION OF {TABLE} "
            f"FOR VALUES FROM ('{start.isoformat()} 00:00:00+00') "
            f"TO ('{end.isoformat()} 00:00:00+00')")


def ensure(session: Session, *, months_ahead: int = MONTHS_AHEAD,
           now: datetime | None = None) -> list[str]:
    """Create this month's partition and ``months_ahead`` after it where missing. Returns
    the names made. A lock timeout keeps it from queueing behind long readers."""
    if not is_partitioned(session):
        return []
    today = (now or utcnow()).astimezone(UTC).date()
    have = {p.start for p in existing(session)}
    made = []
    for ahead in range(months_ahead + 1):
        start = month_start(today, ahead)
        if start in have:
            continue
        session.execute(text("SET LOCAL lock_timeout = '10s'"))
        session.execute(text(create_statement(start)))
        made.append(partition_name(start))
    return made


def detach_before(session: Session, cutoff: date, *, drop: bool = False,
                  dry_run: bool = False, before: Sequence[BeforeDetach] = ()) -> list[str]:
    """Detach (and with ``drop`` drop) every month partition before ``cutoff``'s month.
    Their ratings' ids leave ``rating_key`` with them, comments and custom answers of those
    ratings go too (the aggregates and comment counts keep their numbers). ``before``: the
    other areas' steps for what they keep about the month's ratings, run first."""
    old = [p for p in existing(session) if p.start < month_start(cutoff)]
    if dry_run or not old:
        return [p.name for p in old]
    for partition in old:
        end = month_start(partition.start, 1)
        bounds = {"start": datetime(partition.start.year, partition.start.month, 1, tzinfo=UTC),
                  "end": datetime(end.year, end.month, 1, tzinfo=UTC)}
        for step in before:
            step(session, bounds["start"], bounds["end"])
        for statement in _DELETE_DEPENDENTS:
            session.execute(statement, bounds)
        session.execute(text(f"ALTER TABLE {TABLE} DETACH PARTITION {partition.name}"))
        session.execute(text(
            "DELETE FROM rating_key WHERE submitted_at >= :start AND submitted_at < :end"),
            bounds)
        if drop:
            session.execute(text(f"DROP TABLE {partition.name}"))
    return [p.name for p in old]


__all__ = ["MONTHS_AHEAD", "MONTHS_COMMENTS", "BeforeDetach", "Partition", "detach_before",
           "ensure", "existing", "is_partitioned", "month_start", "partition_name"]
