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
    from survey.models import DailyAggregate, Rating

    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            ids = frozenset(str(i) for i in session.scalars(select(Rating.id)))
            counted = session.scalar(select(func.coalesce(func.sum(DailyAggregate.ratings), 0)))
            return Stored(len(ids), int(counted or 0), ids)
    finally:
        engine.dispose()
