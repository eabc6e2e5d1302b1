"""Integrity checks on an incoming rating (bursts, repeats, outside service hours).

``assess`` returns the reasons to flag a rating; flagged ratings are stored and counted for
the unit, but stay out of officer components until a head clears them.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import Unit


def assess(session: Session, rating, unit: Unit) -> list[str]:
    # Filled in by the rating-integrity work (see docs/integrity.md when it lands).
    return []
