"""Time stored in UTC, read in a unit's own zone (WIB, WITA, WIT): the one place that turns a
UTC moment into the local calendar day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.models import Unit, User, utcnow


def local_day(moment: datetime, zone: str) -> date:
    """The calendar day ``moment`` (aware, any zone) falls on in ``zone`` (an IANA name)."""
    return moment.astimezone(ZoneInfo(zone)).date()


def local_today(zone: str, now: datetime | None = None) -> date:
    """Today in ``zone``: the local day of ``now`` (default: this moment)."""
    return local_day(now or utcnow(), zone)


def user_zone(session: Session, user: User | None, default: str) -> str:
    """The zone a user works in: their own unit's, else ``default`` (the deployment's)."""
    if user is not None and user.unit_id is not None:
        unit = session.get(Unit, user.unit_id)
        if unit is not None:
            return unit.timezone
    return default
