"""Factories: the smallest valid objects, every field overridable."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.models import Counter, Department, Officer, Shift, Unit, utcnow
from core.settings import defaults
from survey.elements import ELEMENT_CODES
from survey.integrity import Thresholds
from survey.models import Comment, Rating
from survey.services import RatingRules, active_questionnaire_id, rating_row

_sequence = itertools.count(1)

# The rules a view builds from the default settings (clock skew, oldest rating, the working
# days a complaint has), for tests that call record_rating directly.
DEFAULT_RULES = RatingRules.from_config(defaults(Path("instance")))


def app_thresholds() -> Thresholds:
    """The integrity thresholds of the app under test (its overrides included), as the fold
    worker reads them from its app; the defaults' outside an app."""
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else defaults(Path("instance"))
    return Thresholds.from_config(config)

def next_nip() -> str:
    n = next(_sequence)
    return f"19850314201001{1 + n % 2}{n % 1000:03d}"


class Factory:
    def __init__(self, session: Session, password_hasher=None):
        """``password_hasher``: the test app's (cheap) one; else the current app's, or
        argon2's defaults outside any app."""
        self.session = session
        self.password_hasher = password_hasher

    def _add(self, obj):
        self.session.add(obj)
        self.session.flush()
        return obj

    def department(self, **overrides) -> Department:
        n = next(_sequence)
        return self._add(Department(**{"code": f"D{n}", "name": f"Dinas {n}", **overrides}))

    def unit(self, **overrides) -> Unit:
        n = next(_sequence)
        if "department" not in overrides and "department_id" not in overrides:
            overrides["department"] = self.department()
        return self._add(Unit(**{"code": f"U{n}", "name": f"Unit Layanan {n}", **overrides}))

    def counter(self, **overrides) -> Counter:
        n = next(_sequence)
        if "unit" not in overrides and "unit_id" not in overrides:
            overrides["unit"] = self.unit()
        return self._add(Counter(**{"code": f"L{n}", "label": f"Loket {n}", **overrides}))

    def officer(self, **overrides) -> Officer:
        n = next(_sequence)
        if "unit" not in overrides and "unit_id" not in overrides:
            overrides["unit"] = self.unit()
        return self._add(Officer(**{"nip": next_nip(), "name": f"Petugas {n}", **overrides}))

    def shift(self, **overrides) -> Shift:
        if "counter" not in overrides:
            officer = overrides.get("officer")
            overrides["counter"] = self.counter(unit=officer.unit) if officer else self.counter()
        if "officer" not in overrides:
            overrides["officer"] = self.officer(unit=overrides["counter"].unit)
        overrides.setdefault("started_at", utcnow() - timedelta(hours=1))
        return self._add(Shift(**overrides))

    def rating(self, answers: dict[str, int] | None = None, *, folded: bool = True,
               **overrides) -> Rating:
        """A stored rating, bypassing record_rating (for analytics and reads): as the fold
        leaves it (attributed and assessed as given; the caller adds it to the aggregates),
        or with ``folded=False`` raw, as record_rating leaves it for the fold. The row is
        the one ``rating_row`` makes (questionnaire included); ``overrides`` replace any
        column or relationship of it."""
        if "unit" not in overrides and "unit_id" not in overrides:
            counter = overrides.get("counter")
            overrides["unit"] = counter.unit if counter is not None else self.unit()
        unit = overrides.get("unit") or self.session.get(Unit, overrides["unit_id"])
        moment = overrides.pop("submitted_at", None) or utcnow()
        if answers is None:
            answers = dict.fromkeys(ELEMENT_CODES, 3)
        row = rating_row(
            overrides.pop("id", None) or uuid.uuid4(), unit, answers,
            channel=overrides.pop("channel", "qr"),
            questionnaire_id=active_questionnaire_id(self.session),
            submitted_at=moment, received_at=overrides.pop("received_at", moment),
            body_digest=overrides.pop("body_digest", "0" * 64))
        # A relationship given (unit=, counter=, …) sets its own key when flushed.
        for name in ("unit", "counter", "officer"):
            if name in overrides:
                row.pop(f"{name}_id")
        row["folded_at"] = moment if folded else None
        return self._add(Rating(**{**row, **overrides}))

    def user(self, role: str = "admin", password: str = "rahasia-yang-panjang-123", **overrides):
        from core.auth import hash_password
        from core.models import User

        n = next(_sequence)
        fields = {"username": f"user{n}", "display_name": f"Pengguna {n}", "role": role,
                  "password_hash": hash_password(password, self.password_hasher), **overrides}
        return self._add(User(**fields))

    def comment(self, rating: Rating, **overrides) -> Comment:
        """A comment on a stored rating; counted in the comment counts when the rating is
        folded already (as the fold counts a rating's comment with it)."""
        fields = {"kind": "praise", "text": "Petugas ramah", "unit_id": rating.unit_id,
                  "officer_id": rating.officer_id, "rating": rating, **overrides}
        comment = self._add(Comment(**fields))
        if rating.folded_at is not None:
            from analytics.aggregates import count_comments

            count_comments(self.session, [rating.id])
        return comment


def fold(session: Session, now: datetime | None = None):
    """Fold every rating stored so far, as the fold worker (or the next read) would: what
    tests call after record_rating before they look at attribution, flags or aggregates."""
    from analytics.fold import fold_pending

    return fold_pending(session, thresholds=app_thresholds(), now=now)


def zone_in_daytime(now: datetime | None = None) -> str:
    """A time zone where it is now between 06:00 and 18:00: a unit "open all day" still
    closes its day's shifts at 23:59 local, so a test that begins a shift a minute ago and
    expects it open fails in the minute before local midnight (17:00 UTC for Jakarta)."""
    now = now or utcnow()
    for zone in ("Asia/Jakarta", "Europe/London", "America/Chicago"):
        if 6 <= now.astimezone(ZoneInfo(zone)).hour < 18:
            return zone
    raise AssertionError("unreachable: the three zones cover every hour")


def at(year, month, day, hour=9, minute=0, zone="Asia/Jakarta") -> datetime:
    """A moment given in an office's local time, as aware UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def account(session: Session, role: str, **scope):
    """A user without a password (signed in directly by tests; argon2 would cost seconds)."""
    from core.models import User

    n = next(_sequence)
    user = User(**{"username": f"account{n}", "display_name": f"Akun {n}", "role": role,
                   "password_hash": "-", **scope})
    session.add(user)
    session.flush()
    return user
