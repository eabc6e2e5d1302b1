"""Daily aggregates of ratings (``DailyAggregate``) and comment counts (``CommentDaily``),
kept by the fold (analytics/fold.py) so that reports read units × days rows instead of
every rating.

``add_ratings(session, ids)`` adds a folded batch: one INSERT … SELECT … GROUP BY … ON
CONFLICT DO UPDATE, whatever the batch size (``sign=-1`` takes ratings out again, as a burst
recognised late moves them to the flagged bucket); ``count_comments`` does the same for the
batch's comments. ``record(session, rating)`` adds one rating (tests, repairs);
``reclassify`` moves a rating between the flagged and the counted bucket when a head clears
(or sets) its flags; ``rebuild`` recomputes rows from the raw ratings in SQL (demo data,
repairs).

The officer columns always use the standard officer elements (U3, U6, U7) plus the
office's own questions marked ``about_officer``; analytics falls back to raw ratings when an
administrator configures anything else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache

from sqlalchemy import (
    BigInteger,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    tuple_,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from analytics.models import CommentDaily, DailyAggregate
from core.db import Values, one_of
from core.localtime import local_day
from core.models import Unit
from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS
from survey.models import Comment, CustomAnswer, Question, Rating
from survey.partitions import among_params, ratings_among

# Per-rating means are stored × MEAN_SCALE (lcm of 1…12): exact for up to 12 officer answers.
MEAN_SCALE = 27720
KEY_COLUMNS = ("unit_id", "officer_id", "service_day", "flagged")
COUNT_COLUMNS: tuple[str, ...] = (
    "ratings", "officer_ratings", "officer_mean_sum", "officer_mean_squares",
    *(f"{code}_{suffix}" for code in (*(c.lower() for c in ELEMENT_CODES), "custom")
      for suffix in ("sum", "n", "a1", "a2", "a3", "a4")),
)
_table = DailyAggregate.__table__


def is_flagged(rating: Rating) -> bool:
    """Flagged and not cleared: counts for the unit, not for the officer."""
    return bool(rating.flags) and rating.flags_cleared_at is None


def row_for(rating: Rating, officer_custom: Iterable[int] = (), sign: int = 1) -> dict:
    """The aggregate increments one rating contributes (negated with ``sign=-1``)."""
    row = dict.fromkeys(COUNT_COLUMNS, 0)
    row.update(unit_id=rating.unit_id, officer_id=rating.officer_id or 0,
               service_day=rating.service_day, flagged=int(is_flagged(rating)), ratings=1)
    officer_values = []
    for code in ELEMENT_CODES:
        value = getattr(rating, code.lower())
        if value is None:
            continue
        key = code.lower()
        row[f"{key}_sum"], row[f"{key}_n"], row[f"{key}_a{value}"] = value, 1, 1
        if code in OFFICER_ELEMENTS:
            officer_values.append(value)
    for value in officer_custom:
        row["custom_sum"] += value
        row["custom_n"] += 1
        row[f"custom_a{value}"] += 1
        officer_values.append(value)
    if officer_values:
        count, total = len(officer_values), sum(officer_values)
        scaled = (MEAN_SCALE * total // count if MEAN_SCALE % count == 0
                  else round(MEAN_SCALE * total / count))
        row.update(officer_ratings=1, officer_mean_sum=scaled, officer_mean_squares=scaled * scaled)
    if sign != 1:
        for column in COUNT_COLUMNS:
            row[column] *= sign
    return row


_upserts: dict[str, object] = {}


def _upsert(session: Session):
    """INSERT … ON CONFLICT DO UPDATE adding to the counts; executed with one row's
    parameters (or a list of them, as one executemany) it compiles once and is cached.
    Built once per dialect too: building its 68 additions cost more than running it."""
    dialect = session.get_bind().dialect.name
    if dialect not in _upserts:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(_table)
        _upserts[dialect] = statement.on_conflict_do_update(
            index_elements=list(KEY_COLUMNS),
            set_={column: _table.c[column] + statement.excluded[column]
                  for column in COUNT_COLUMNS},
        )
    return _upserts[dialect]


def record(session: Session, rating: Rating, officer_custom: Iterable[int] | None = None) -> None:
    """Add one new rating to its day's aggregate row: a single INSERT … ON CONFLICT UPDATE.

    ``officer_custom``: the rating's answers to the office's own questions about the
    officer (``record_rating`` passes them; looked up only when not given)."""
    if officer_custom is None:
        officer_custom = _officer_custom_answers(session, [rating.id]).get(rating.id, [])
    session.execute(_upsert(session), row_for(rating, officer_custom))


def reclassify(session: Session, rating: Rating, was_flagged: bool | None = None) -> None:
    """Move a rating to the bucket its flags now put it in (call after clearing or setting
    flags). ``was_flagged`` defaults to the opposite of its current state."""
    now_flagged = is_flagged(rating)
    if was_flagged is None:
        was_flagged = not now_flagged
    if was_flagged == now_flagged:
        return
    custom = _officer_custom_answers(session, [rating.id]).get(rating.id, [])
    old = row_for(rating, custom, sign=-1)
    old["flagged"] = int(was_flagged)
    session.execute(_upsert(session), old)
    session.execute(_upsert(session), row_for(rating, custom))
    # A bucket the rating was alone in is now all zeros: drop it.
    session.execute(delete(DailyAggregate).where(
        *(getattr(DailyAggregate, key) == old[key] for key in KEY_COLUMNS),
        DailyAggregate.ratings == 0))


def _officer_custom_answers(session: Session, rating_ids=None, unit_ids=None) -> dict:
    query = (select(CustomAnswer.rating_id, CustomAnswer.value)
             .join(Question, Question.id == CustomAnswer.question_id)
             .where(Question.about_officer.is_(True)))
    if rating_ids is not None:
        query = query.where(one_of(session.get_bind().dialect.name, CustomAnswer.rating_id,
                                   rating_ids))
    if unit_ids is not None:
        query = query.join(Rating, Rating.id == CustomAnswer.rating_id).where(
            Rating.unit_id.in_(unit_ids))
    found: dict = {}
    for rating_id, value in session.execute(query):
        found.setdefault(rating_id, []).append(value)
    return found


def _per_rating(unit_id: int | None = None, dialect: str | None = None):
    """One row per rating of the unit (or, given the dialect, of the ratings named by the
    parameter ``rating_ids``: ``survey.partitions.ratings_among``) with its increments,
    computed in SQL exactly as ``row_for`` does in Python (the property test holds the two
    together)."""
    # A rebuild counts what the fold has counted; the rest the fold will add.
    chosen = (and_(Rating.unit_id == unit_id, Rating.folded_at.is_not(None))
              if dialect is None else ratings_among(dialect, key="rating_ids"))
    custom = (
        select(CustomAnswer.rating_id.label("rating_id"),
               func.sum(CustomAnswer.value).label("total"), func.count().label("n"),
               *(func.sum(case((CustomAnswer.value == v, 1), else_=0)).label(f"a{v}")
                 for v in (1, 2, 3, 4)))
        .join(Question, Question.id == CustomAnswer.question_id)
        .join(Rating, Rating.id == CustomAnswer.rating_id)
        .where(Question.about_officer.is_(True), chosen)
        .group_by(CustomAnswer.rating_id)
        .subquery()
    )
    officer_columns = [getattr(Rating, code.lower()) for code in OFFICER_ELEMENTS]
    answered = func.coalesce(custom.c.n, 0)
    total = func.coalesce(custom.c.total, 0)
    for column in officer_columns:
        answered = answered + case((column.is_not(None), 1), else_=0)
        total = total + func.coalesce(column, 0)
    # Integer division is exact: MEAN_SCALE is divisible by any count up to 12.
    scaled = cast(case((answered > 0, MEAN_SCALE * total // answered), else_=0), BigInteger)
    flagged = case((and_(Rating.flags.is_not(None), Rating.flags != "",
                         Rating.flags_cleared_at.is_(None)), 1), else_=0)
    return (
        select(Rating.unit_id, Rating.service_day,
               func.coalesce(Rating.officer_id, 0).label("officer_id"), flagged.label("flagged"),
               *(getattr(Rating, code.lower()).label(code.lower()) for code in ELEMENT_CODES),
               custom.c.total.label("custom_total"), custom.c.n.label("custom_count"),
               *(custom.c[f"a{v}"].label(f"custom_a{v}") for v in (1, 2, 3, 4)),
               case((answered > 0, 1), else_=0).label("has_officer"), scaled.label("mean"))
        .outerjoin(custom, custom.c.rating_id == Rating.id)
        .where(chosen)
        .subquery()
    )


def _grouped(per, sign: int = 1):
    """The aggregate rows of ``_per_rating``'s ratings: SELECT keys, sums … GROUP BY keys."""
    keys = [per.c[k] for k in KEY_COLUMNS]
    sums = {
        "ratings": func.count(),
        "officer_ratings": func.sum(per.c.has_officer),
        "officer_mean_sum": func.sum(per.c.mean),
        "officer_mean_squares": func.sum(per.c.mean * per.c.mean),
        "custom_sum": func.coalesce(func.sum(per.c.custom_total), 0),
        "custom_n": func.coalesce(func.sum(per.c.custom_count), 0),
        **{f"custom_a{v}": func.coalesce(func.sum(per.c[f"custom_a{v}"]), 0)
           for v in (1, 2, 3, 4)},
    }
    for code in ELEMENT_CODES:
        column = per.c[code.lower()]
        sums[f"{code.lower()}_sum"] = func.coalesce(func.sum(column), 0)
        sums[f"{code.lower()}_n"] = func.count(column)
        for v in (1, 2, 3, 4):
            sums[f"{code.lower()}_a{v}"] = func.sum(case((column == v, 1), else_=0))
    counts = [sums[c] if sign == 1 else sums[c] * sign for c in COUNT_COLUMNS]
    # WHERE true: SQLite reads "SELECT … ON CONFLICT" ambiguously without one.
    return select(*keys, *counts).where(literal(True)).group_by(*keys)


_NAMES = [*KEY_COLUMNS, *COUNT_COLUMNS]


def _rebuild_unit(session: Session, unit_id: int) -> None:
    query = _grouped(_per_rating(unit_id))
    session.execute(insert(DailyAggregate).from_select(_NAMES, query))


def add_ratings(session: Session, rating_ids, sign: int = 1) -> None:
    """Add these ratings (as they are now: attributed, flagged or not) to their days'
    aggregate rows, or take them out with ``sign=-1``: one statement for any number of
    ratings. Taking out drops the rows left at zero."""
    if not isinstance(rating_ids, Values):
        rating_ids = Values(rating_ids)
    if not rating_ids:
        return
    dialect = session.get_bind().dialect.name
    session.execute(_adding(dialect, sign), among_params(dialect, rating_ids, "rating_ids"))
    if sign < 0:  # only the rows these ratings were in, not the whole table
        touched = select(Rating.unit_id, Rating.service_day).where(
            one_of(dialect, Rating.id, rating_ids))
        session.execute(delete(DailyAggregate).where(
            tuple_(DailyAggregate.unit_id, DailyAggregate.service_day).in_(touched),
            DailyAggregate.ratings == 0))


@lru_cache(maxsize=8)
def _adding(dialect: str, sign: int):
    """add_ratings' statement, built once per dialect and sign: building its 68 sums and
    additions cost more than a small batch's running it."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(_table).from_select(_NAMES, _grouped(_per_rating(dialect=dialect), sign))
    return statement.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS),
        set_={column: _table.c[column] + statement.excluded[column] for column in COUNT_COLUMNS},
    )


def rebuild(
    session: Session,
    unit_ids: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Recompute the aggregate rows of these units (all when ``None``) from the raw ratings,
    one INSERT … SELECT per unit. Returns the number of ratings read; ``progress(k)`` is
    called with each unit's count as it is done."""
    counts = (select(Rating.unit_id, func.count()).where(Rating.folded_at.is_not(None))
              .group_by(Rating.unit_id))
    clear = delete(DailyAggregate)
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        counts = counts.where(Rating.unit_id.in_(unit_ids))
        clear = clear.where(DailyAggregate.unit_id.in_(unit_ids))
    session.execute(clear)
    rebuild_comment_counts(session, unit_ids)
    read = 0
    for unit_id, count in session.execute(counts.order_by(Rating.unit_id)).all():
        _rebuild_unit(session, unit_id)
        read += count
        if progress:
            progress(count)
    session.flush()
    return read


# --- comments per unit, day, kind and category ---------------------------------------------

_comment_table = CommentDaily.__table__
_COMMENT_KEY = ("unit_id", "day", "kind", "category")


def _comment_upsert(dialect: str):
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_(_comment_table)
    return statement.on_conflict_do_update(
        index_elements=list(_COMMENT_KEY),
        set_={"count": _comment_table.c.count + statement.excluded["count"]},
    )


def count_comments(session: Session, rating_ids) -> int:
    """Count the comments that came with these ratings (a folded batch) on their local days:
    one read and one upsert per distinct unit, day, kind and category."""
    rating_ids = list(rating_ids)
    if not rating_ids:
        return 0
    comments = (select(Comment.unit_id, Comment.created_at, Comment.kind, Comment.category,
                       Unit.timezone)
                .join(Unit, Unit.id == Comment.unit_id)
                .where(one_of(session.get_bind().dialect.name, Comment.rating_id, rating_ids)))
    totals: Counter[tuple] = Counter()
    for unit_id, created_at, kind, category, zone in session.execute(comments):
        totals[(unit_id, local_day(created_at, zone), kind, category or "")] += 1
    if totals:
        session.execute(_comment_upsert(session.get_bind().dialect.name), [
            dict(zip(_COMMENT_KEY, key, strict=True), count=count)
            for key, count in totals.items()
        ])
    return sum(totals.values())


def rebuild_comment_counts(session: Session, unit_ids: Iterable[int] | None = None) -> int:
    """Recount comments per unit, local day, kind and category from the comment table (those
    of folded ratings: the fold counts the rest)."""
    clear = delete(CommentDaily)
    comments = (select(Comment.unit_id, Comment.created_at, Comment.kind, Comment.category,
                       Unit.timezone)
                .join(Unit, Unit.id == Comment.unit_id)
                .join(Rating, Rating.id == Comment.rating_id)
                .where(Rating.folded_at.is_not(None))
                .execution_options(yield_per=5000))
    if unit_ids is not None:
        unit_ids = list(unit_ids)
        clear = clear.where(CommentDaily.unit_id.in_(unit_ids))
        comments = comments.where(Comment.unit_id.in_(unit_ids))
    session.execute(clear)
    totals: Counter[tuple] = Counter()
    for unit_id, created_at, kind, category, zone in session.execute(comments):
        totals[(unit_id, local_day(created_at, zone), kind, category or "")] += 1
    if totals:
        session.execute(insert(CommentDaily), [
            dict(zip(_COMMENT_KEY, key, strict=True), count=count)
            for key, count in totals.items()
        ])
    return sum(totals.values())
