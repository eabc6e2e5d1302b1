"""Commit a rating once, for every web channel (form, API, kiosk).

``record_rating`` (here ``store_rating``, which also answers the shift question with its
INSERT) does the work and flushes; this commits. Two copies of one rating arriving
at once are told apart by the INSERT itself (ON CONFLICT DO NOTHING: on PostgreSQL the
second waits for the first to commit); should a copy still fail on the primary key, the
loser re-reads and answers as a retry would. A database that cannot be reached is a 503."""

from __future__ import annotations

import logging
from typing import NamedTuple

from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from survey.models import Rating
from survey.schema import RatingInput
from survey.services import Origin, RatingConflict, RatingRules, store_rating, will_be_attributed

log = logging.getLogger(__name__)


class DatabaseUnavailable(Exception):
    """The database could not take the rating; the client keeps it and retries."""


class Saved(NamedTuple):
    rating: Rating
    created: bool  # False: a retry of a rating stored before (answered 200, not 201)
    attributed_to_officer: bool  # what the answer tells: will the fold name an officer?


def save_rating(session: Session, data: RatingInput, origin: Origin, rules: RatingRules, *,
                tell_attribution: bool = True) -> Saved:
    """``tell_attribution``: the JSON answers say whether an officer will be named; the form
    shows a thank-you page that does not, and skips the read. The rating handed back is for
    its columns (its id): a new plain one is not attached to the session."""
    try:
        rating, created, on_shift = store_rating(session, data, origin, rules,
                                                 ask_shift=tell_attribution, attach=False)
        attributed = tell_attribution and will_be_attributed(session, rating, on_shift)
        session.commit()
        return Saved(rating, created, attributed)
    except IntegrityError:
        session.rollback()
        existing = session.get(Rating, data.id)
        if existing is None:
            raise
        if existing.body_digest != data.digest():
            raise RatingConflict() from None
        return Saved(existing, False, tell_attribution and will_be_attributed(session, existing))
    except OperationalError as exc:
        session.rollback()
        log.warning("rating %s not stored: database unavailable: %s", data.id, exc)
        raise DatabaseUnavailable() from exc
