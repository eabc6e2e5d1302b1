"""Time stored in UTC, read in a unit's own zone (WIB, WITA, WIT): the one place that turns a
UTC moment into the local calendar day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from core.models import utcnow


def local_day(moment: datetime, zone: str) -> date:
    """The calendar day ``moment`` (aware, any zone) falls on in ``zone`` (an IANA name)."""
    return moment.astimezone(ZoneInfo(zone)).date()


def local_today(zone: str, now: datetime | None = None) -> date:
    """Today in ``zone``: the local day of ``now`` (default: this moment)."""
    return local_day(now or utcnow(), zone)
