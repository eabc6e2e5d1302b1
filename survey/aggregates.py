"""Daily aggregates of ratings, kept in step as ratings arrive (see analytics for readers).

``record(session, rating)`` is called by ``record_rating`` for every new rating."""

from __future__ import annotations

from sqlalchemy.orm import Session


def record(session: Session, rating) -> None:
    """Add one new rating to its day's aggregate row."""
    # Implemented with the analytics work: one upsert per rating.
    return None
