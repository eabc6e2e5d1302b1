"""Integrity rules for ratings (bursts, repeats, outside service hours, a kiosk tapped too
fast): their thresholds, the reasons a head reads, and clearing the flags afterwards.

Analytics' fold (analytics/fold.py) applies them to every rating once, in batches behind the
request; flagged ratings are stored and counted for the unit, but stay out of officer
components until a head clears them (docs/integrity.md). Nothing is ever rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Holiday, Unit, User, utcnow
from core.scope import within
from survey.models import Rating

BURST_DEVICE = "burst-device"
BURST_NETWORK = "burst-network"
REPEAT = "repeat"
OFF_HOURS = "off-hours"
KIOSK_INTERVAL = "kiosk-interval"

# What a head reads next to a flagged rating.
REASONS = {
    BURST_DEVICE: _l("Banyak penilaian dari satu perangkat kios dalam beberapa menit"),
    BURST_NETWORK: _l("Banyak penilaian dari satu jaringan dalam beberapa menit"),
    REPEAT: _l("Jawaban yang sama berulang-ulang di satu loket dalam beberapa menit"),
    OFF_HOURS: _l("Di luar jam layanan unit (atau pada hari libur)"),
    KIOSK_INTERVAL: _l("Terlalu cepat setelah penilaian sebelumnya di kios yang sama"),
}


@dataclass(frozen=True)
class Thresholds:
    """The integrity settings; their defaults live in core/settings.py only."""

    burst_count: int
    burst_minutes: int
    repeat_count: int
    repeat_minutes: int
    grace_minutes: int
    kiosk_interval_seconds: int
    service_hours: Mapping[Any, Any]  # for units without their own

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(
            burst_count=int(config["INTEGRITY_BURST_COUNT"]),
            burst_minutes=int(config["INTEGRITY_BURST_MINUTES"]),
            repeat_count=int(config["INTEGRITY_REPEAT_COUNT"]),
            repeat_minutes=int(config["INTEGRITY_REPEAT_MINUTES"]),
            grace_minutes=int(config["SERVICE_HOURS_GRACE_MINUTES"]),
            kiosk_interval_seconds=int(config["KIOSK_MIN_INTERVAL_SECONDS"]),
            service_hours=config["SERVICE_HOURS"],
        )


def describe(flags: str | None) -> list[tuple[str, str]]:
    """``(code, reason a head understands)`` for each flag of a rating."""
    return [(code, str(REASONS.get(code, code))) for code in split(flags)]


def split(flags: str | None) -> list[str]:
    return [code for code in (flags or "").split(",") if code]


# --- the rules the fold applies (analytics/fold.py assesses every rating once, in batches) ---

# The order reasons are kept in, whatever order they were found in.
ORDER = (BURST_DEVICE, BURST_NETWORK, REPEAT, KIOSK_INTERVAL, OFF_HOURS)
# Ratings of these channels are typed in from paper forms afterwards: their moments say
# nothing about bursts or service hours, so they are never judged.
UNJUDGED_CHANNELS = frozenset({"paper"})


def join(reasons) -> str | None:
    """The ``flags`` value for a set of reasons, in the stable order; None if there are none."""
    found = set(reasons)
    ordered = [code for code in ORDER if code in found] + sorted(found - set(ORDER))
    return ",".join(ordered) or None


def service_periods(hours: Mapping[Any, Any], weekday: int) -> list[tuple[time, time]]:
    """A unit's service periods on an ISO weekday; keys may be ints or strings (JSON)."""
    found = hours.get(weekday, hours.get(str(weekday))) or []
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in found]


def outside_service_hours(session: Session, unit: Unit, moment: datetime,
                          limits: Thresholds) -> bool:
    """Whether ``moment`` falls outside the unit's service hours in its own zone, with a grace
    period either side (a citizen served at 15:55 rates on the way out). Public holidays and
    cuti bersama count as outside."""
    return outside_hours(unit.service_hours, unit.timezone, moment, limits,
                         lambda day: session.get(Holiday, day) is not None)


def outside_hours(service_hours, timezone: str, moment: datetime, limits: Thresholds,
                  is_holiday) -> bool:
    """``outside_service_hours`` without a database: ``is_holiday(local_date)`` answers for
    holidays (the fold reads a batch's holidays at once)."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    return outside_periods(local, day_periods(service_hours, zone, local.date(), limits),
                           is_holiday)


def day_periods(service_hours, zone: ZoneInfo, day: date,
                limits: Thresholds) -> list[tuple[datetime, datetime]]:
    """When a unit counts as open on its local ``day``, grace included: that day's periods,
    and yesterday's, since a period late in the evening can reach past midnight with its
    grace. The fold works them out once per unit and day of a batch."""
    hours = service_hours or limits.service_hours
    grace = timedelta(minutes=limits.grace_minutes)
    return [(datetime.combine(d, start, zone) - grace, datetime.combine(d, end, zone) + grace)
            for d in (day, day - timedelta(days=1))
            for start, end in service_periods(hours, d.isoweekday())]


def outside_periods(local: datetime, periods: list[tuple[datetime, datetime]],
                    is_holiday) -> bool:
    """Whether the local moment ``local`` is outside ``day_periods`` of its day, or on a
    holiday."""
    if not any(opens <= local <= closes for opens, closes in periods):
        return True
    return bool(is_holiday(local.date()))


# --- clearing flags -------------------------------------------------------------------------


class FlagsAlreadyCleared(Exception):
    pass


def clear_flags(session: Session, rating, user: User, note: str = "") -> None:
    """A head has looked at a flagged rating and found it genuine: it counts for the officer
    from now on. The aggregates move it between buckets and the audit log keeps who did it.
    Flushes; the caller commits."""
    if not rating.flags:
        raise ValueError("the rating carries no flags")
    if rating.flags_cleared_at is not None:
        raise FlagsAlreadyCleared()
    rating.flags_cleared_at = utcnow()
    rating.flags_cleared_by = user.id
    session.flush()
    _reclassify(session, rating)
    from core import audit

    audit.record(session, user, "rating.flags_clear", f"rating:{rating.id}",
                 {"flags": rating.flags, "note": note or None, "unit_id": rating.unit_id,
                  "officer_id": rating.officer_id})


# Analytics moves a cleared rating between its aggregate buckets (it owns the aggregates;
# survey does not import it): ``func(session, rating, was_flagged)``, registered at start-up.
_flags_changed: list = []


def on_flags_changed(hook):
    """Call ``hook(session, rating, was_flagged)`` whenever a rating's flags are cleared."""
    if hook not in _flags_changed:
        _flags_changed.append(hook)
    return hook


def _reclassify(session: Session, rating) -> None:
    if rating.folded_at is None:
        return  # not counted anywhere yet: the fold will count it as it now is
    for changed in _flags_changed:
        changed(session, rating, True)


def flagged_ratings(session: Session, unit_ids: set[int] | None, *, cleared: bool = False,
                    limit: int = 200):
    """Flagged ratings in these units (``None``: all), newest first; uncleared by default."""
    query = select(Rating).where(Rating.flags.is_not(None), Rating.flags != "")
    query = query.where(
        Rating.flags_cleared_at.is_not(None) if cleared else Rating.flags_cleared_at.is_(None)
    )
    query = within(query, Rating.unit_id, unit_ids)
    return list(session.scalars(query.order_by(Rating.received_at.desc()).limit(limit)))


def flag_counts(session: Session, unit_ids: set[int] | None) -> dict[str, int]:
    """How many uncleared ratings carry each flag, for the head's overview."""
    query = select(Rating.flags, func.count()).where(
        Rating.flags.is_not(None), Rating.flags != "", Rating.flags_cleared_at.is_(None)
    )
    query = within(query, Rating.unit_id, unit_ids)
    counts: dict[str, int] = {}
    for flags, n in session.execute(query.group_by(Rating.flags)):
        for code in split(flags):
            counts[code] = counts.get(code, 0) + n
    return counts


__all__ = [
    "BURST_DEVICE", "BURST_NETWORK", "KIOSK_INTERVAL", "OFF_HOURS", "REASONS", "REPEAT",
    "ORDER", "Thresholds", "clear_flags", "describe", "flag_counts", "flagged_ratings",
    "join", "on_flags_changed", "outside_hours", "outside_service_hours", "service_periods",
]
