"""What the database holds after a drill: ratings stored, and ratings the aggregates count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.db import make_engine


@dataclass(frozen=True)
class Stored:
    ratings: int
    counted: int  # sum of daily_aggregate.ratings: each rating counted exactly once
    ids: frozenset


def stored_state(database_url: str) -> Stored:
    """After the fold has caught up (it folds here what no fold worker has folded yet)."""
    from analytics.fold import fold_pending
    from analytics.models import DailyAggregate
    from survey.models import Rating

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            fold_pending(session)
            ids = frozenset(str(i) for i in session.scalars(select(Rating.id)))
            counted = session.scalar(select(func.coalesce(func.sum(DailyAggregate.ratings), 0)))
            return Stored(len(ids), int(counted or 0), ids)
    finally:
        engine.dispose()
