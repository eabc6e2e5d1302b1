"""Which comments were left in a period? The masked comments staff read (drill-downs, an
officer's evidence) and the weekly share of each topic."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.periods import Period, bucket_start, utc_window
from core.localtime import local_day
from core.models import Unit
from core.scope import within
from survey.models import Comment


@dataclass(frozen=True)
class CommentView:
    """A comment as shown to staff: never the citizen's contact details, and its text with
    personal data and profanity masked (survey/comment_text.py)."""

    id: int
    kind: str
    text: str
    category: str | None
    element: str | None
    status: str | None
    unit_id: int
    officer_id: int | None
    created_at: datetime
    due_on: date | None
    resolved_at: datetime | None
    tags: tuple[str, ...] = ()
    hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "category": self.category,
                "element": self.element, "status": self.status, "tags": list(self.tags),
                "created_at": self.created_at.isoformat(),
                "due_on": self.due_on.isoformat() if self.due_on else None,
                "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None}


def comments(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    *,
    officer_id: int | None = None,
    element: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    tag: str | None = None,
    include_hidden: bool = True,
    show_profanity: bool = False,
    limit: int | None = 200,
) -> list[CommentView]:
    """Comments left in the period (by local day of the unit), newest first, masked.
    ``include_hidden=False`` leaves out those a head hid (the officer's evidence)."""
    from survey import comment_text, moderation

    start, end = utc_window(period)
    query = (select(Comment, Unit.timezone).join(Unit, Unit.id == Comment.unit_id)
             .where(Comment.created_at.between(start, end))
             .order_by(Comment.created_at.desc(), Comment.id.desc()))
    query = within(query, Comment.unit_id, unit_ids)
    if officer_id is not None:
        query = query.where(Comment.officer_id == officer_id)
    if element is not None:
        query = query.where(Comment.element == element)
    if kind is not None:
        query = query.where(Comment.kind == kind)
    if category is not None:
        query = query.where(Comment.category == category)
    if tag is not None:
        query = query.where(moderation.has_tag(tag))
    if not include_hidden:
        query = query.where(~moderation.is_hidden())
    chosen = []
    for comment, zone in session.execute(query):
        if not period.start <= local_day(comment.created_at, zone) <= period.end:
            continue
        chosen.append(comment)
        if limit is not None and len(chosen) >= limit:
            break
    ids = [c.id for c in chosen]
    tags = moderation.tags_of(session, ids)
    hidden = moderation.hidden_ids(session, ids) if include_hidden else set()
    labels = moderation.mask_labels()
    return [CommentView(c.id, c.kind,
                        comment_text.mask(c.text, profanity=not show_profanity, labels=labels),
                        c.category, c.element, c.status, c.unit_id, c.officer_id, c.created_at,
                        c.due_on, c.resolved_at, tuple(t.tag for t in tags.get(c.id, ())),
                        c.id in hidden)
            for c in chosen]


TOPIC_COLUMNS = ["unit_id", "week", "kind", "topic", "count", "total", "share"]


def comment_topics(session: Session, unit_ids: Iterable[int] | None, period: Period
                   ) -> pd.DataFrame:
    """Share of comments per tag and per complaint category, by week (starting Monday, in
    each unit's own zone) and unit: ``kind`` is "tag" or "category", ``share`` = comments
    with that topic / all comments of the unit that week."""
    from survey.moderation import tag_share_rows

    start, end = utc_window(period)
    zones = dict(session.execute(select(Unit.id, Unit.timezone)).all())
    seen: dict[tuple[int, date], set[int]] = defaultdict(set)
    counts: dict[tuple[int, date, str, str], set[int]] = defaultdict(set)
    for comment_id, unit_id, created_at, _kind, category, tag in tag_share_rows(
            session, unit_ids, start, end):
        day = local_day(created_at, zones.get(unit_id, "Asia/Jakarta"))
        if not period.start <= day <= period.end:
            continue
        week = bucket_start(day, "W")
        seen[(unit_id, week)].add(comment_id)
        if tag is not None:
            counts[(unit_id, week, "tag", tag)].add(comment_id)
        if category:
            counts[(unit_id, week, "category", category)].add(comment_id)
    records = [{"unit_id": unit_id, "week": week, "kind": kind, "topic": topic,
                "count": len(ids), "total": len(seen[(unit_id, week)]),
                "share": len(ids) / len(seen[(unit_id, week)])}
               for (unit_id, week, kind, topic), ids in sorted(counts.items())]
    return pd.DataFrame.from_records(records, columns=TOPIC_COLUMNS)
