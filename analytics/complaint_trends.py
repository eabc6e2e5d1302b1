"""How do complaints move? Counts per unit, category and week or month (from the daily
comment counts), the open and overdue backlog, and whether an element moved after the
complaints about it were resolved."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics.ikm import convert
from analytics.models import CommentDaily
from analytics.periods import Period, bucket_start, utc_window
from core.localtime import local_day
from core.models import Unit
from core.scope import within
from survey.elements import COMPLAINT_CATEGORIES
from survey.models import OPEN_CONDITION, Comment

COMPLAINT_COUNT_COLUMNS = ["unit_id", "unit_code", "category", "element", "period_start",
                           "count"]


def _open_counts(session: Session, unit_ids, kinds: Sequence[str]):
    """Open complaints counted in SQL per unit, category and due day: the rows returned are
    bounded by units × categories × due days, however many complaints are open."""
    query = (select(Comment.unit_id, Unit.code, Unit.timezone, Comment.category,
                    Comment.due_on, func.count())
             .join(Unit, Unit.id == Comment.unit_id)
             # The partial index ix_comment_open's own condition, as a literal: with bound
             # parameters SQLite cannot prove the match and scans every complaint ever made.
             .where(Comment.kind.in_(list(kinds)), text(f"comment.{OPEN_CONDITION}"))
             .group_by(Comment.unit_id, Unit.code, Unit.timezone, Comment.category,
                       Comment.due_on))
    return session.execute(within(query, Comment.unit_id, unit_ids)).all()


def complaint_counts(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    freq: str = "W",
    kinds: Sequence[str] = ("complaint",),
) -> pd.DataFrame:
    """Complaints per unit, category and week ('W') or month ('M'), by the unit's local day.
    Columns: unit_id, unit_code, category, element, period_start, count.

    Read from the daily comment counts (units × days × categories rows), never from the
    comments themselves, so the cost does not grow with how many complaints were made."""
    query = (select(CommentDaily.unit_id, Unit.code, CommentDaily.day, CommentDaily.category,
                    CommentDaily.count)
             .join(Unit, Unit.id == CommentDaily.unit_id)
             .where(CommentDaily.kind.in_(list(kinds)),
                    CommentDaily.day.between(period.start, period.end)))
    query = within(query, CommentDaily.unit_id, unit_ids)
    counts: dict[tuple, int] = defaultdict(int)
    for unit_id, code, day, category, count in session.execute(query):
        category = category or "lainnya"
        element = COMPLAINT_CATEGORIES.get(category, (None,))[0]
        counts[(unit_id, code, category, element, bucket_start(day, freq))] += count
    records = [dict(zip(COMPLAINT_COUNT_COLUMNS, (*key, n), strict=True))
               for key, n in sorted(counts.items(), key=lambda item: (item[0][4], item[0][1],
                                                                      item[0][2]))]
    return pd.DataFrame.from_records(records, columns=COMPLAINT_COUNT_COLUMNS)


BACKLOG_COLUMNS = ["unit_id", "unit_code", "category", "open", "overdue"]


def complaint_backlog(
    session: Session,
    unit_ids: Iterable[int] | None,
    today: date | None = None,
    kinds: Sequence[str] = ("complaint", "question"),
) -> pd.DataFrame:
    """Open (not 'selesai') and overdue (open past their due day, in the unit's zone)
    complaints and questions per unit and category, whenever they were made."""
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    now = datetime.now(UTC)
    local_today: dict[str, date] = {}
    for unit_id, code, zone, category, due_on, count in _open_counts(session, unit_ids, kinds):
        if zone not in local_today:
            local_today[zone] = today or local_day(now, zone)
        key = (unit_id, code, category or "lainnya")
        totals[key][0] += count
        if due_on is not None and due_on < local_today[zone]:
            totals[key][1] += count
    records = [dict(zip(BACKLOG_COLUMNS, (*key, o, d), strict=True))
               for key, (o, d) in sorted(totals.items(), key=lambda item: (item[0][1], item[0][2]))]
    return pd.DataFrame.from_records(records, columns=BACKLOG_COLUMNS)


@dataclass(frozen=True)
class FollowUpEffect:
    """Did the element move after the complaints of a category were resolved?

    ``resolved_on`` is the local day the last of them was resolved within the period; the
    element's converted score over ``weeks`` weeks before that day is compared with the
    ``weeks`` weeks from it on (from the aggregates)."""

    unit_id: int
    unit_code: str
    category: str
    element: str
    resolved: int
    resolved_on: date
    weeks: int
    before: Decimal | None
    after: Decimal | None
    before_answers: int
    after_answers: int

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def as_dict(self) -> dict[str, Any]:
        def number(value):
            return None if value is None else float(value)

        return {"unit": self.unit_code, "category": self.category, "element": self.element,
                "resolved": self.resolved, "resolved_on": self.resolved_on.isoformat(),
                "weeks": self.weeks, "before": number(self.before),
                "after": number(self.after), "change": number(self.change),
                "before_answers": self.before_answers, "after_answers": self.after_answers}


def _element_score(session: Session, unit_id: int, code: str, start: date, end: date
                   ) -> tuple[Decimal | None, int]:
    columns = (f"{code.lower()}_sum", f"{code.lower()}_n")
    rows = agg.summed(session, start, end, unit_ids=[unit_id], counted_only=True,
                      columns=columns)
    row = rows[0] if rows else agg.empty_row()
    total, count = (int(row[c] or 0) for c in columns)
    return (convert(Fraction(total, count)) if count else None), count


def follow_up_effects(
    session: Session, unit_ids: Iterable[int] | None, period: Period, weeks: int = 4
) -> list[FollowUpEffect]:
    """For each unit and complaint category with complaints resolved in the period: the
    category's element before and after the follow-up (see ``FollowUpEffect``)."""
    start, end = utc_window(period)
    query = (select(Comment.unit_id, Comment.category, Comment.element, Comment.resolved_at,
                    Unit.code, Unit.timezone)
             .join(Unit, Unit.id == Comment.unit_id)
             .where(Comment.kind == "complaint", Comment.resolved_at.between(start, end),
                    Comment.element.is_not(None)))
    query = within(query, Comment.unit_id, unit_ids)
    groups: dict[tuple, list[date]] = defaultdict(list)
    for row in session.execute(query):
        day = local_day(row.resolved_at, row.timezone)
        if period.start <= day <= period.end:
            groups[(row.unit_id, row.code, row.category, row.element)].append(day)
    effects = []
    span = timedelta(weeks=weeks)
    for (unit_id, code, category, element), days in sorted(groups.items(),
                                                           key=lambda i: (i[0][1], i[0][2])):
        pivot = max(days)
        before, before_n = _element_score(session, unit_id, element, pivot - span,
                                          pivot - timedelta(days=1))
        after, after_n = _element_score(session, unit_id, element, pivot,
                                        pivot + span - timedelta(days=1))
        effects.append(FollowUpEffect(unit_id, code, category, element, len(days), pivot, weeks,
                                      before, after, before_n, after_n))
    return effects
