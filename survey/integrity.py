"""Integrity checks on an incoming rating (bursts, repeats, outside service hours, a kiosk
tapped too fast), and clearing the flags afterwards.

``assess`` returns the reasons to flag a rating; flagged ratings are stored and counted for
the unit, but stay out of officer components until a head clears them (docs/integrity.md).
It runs on every rating, so it makes at most three indexed look-ups and never rejects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, func, literal, select
from sqlalchemy.orm import Session

from core.models import Holiday, Unit, User, utcnow
from core.settings import DEFAULT_SERVICE_HOURS
from survey import aggregates
from survey.elements import ELEMENT_CODES
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
    burst_count: int = 10
    burst_minutes: int = 10
    repeat_count: int = 3
    repeat_minutes: int = 10
    grace_minutes: int = 30
    kiosk_interval_seconds: int = 5
    service_hours: Mapping[Any, Any] | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(
            burst_count=int(config.get("INTEGRITY_BURST_COUNT", cls.burst_count)),
            burst_minutes=int(config.get("INTEGRITY_BURST_MINUTES", cls.burst_minutes)),
            repeat_count=int(config.get("INTEGRITY_REPEAT_COUNT", cls.repeat_count)),
            repeat_minutes=int(config.get("INTEGRITY_REPEAT_MINUTES", cls.repeat_minutes)),
            grace_minutes=int(config.get("SERVICE_HOURS_GRACE_MINUTES", cls.grace_minutes)),
            kiosk_interval_seconds=int(
                config.get("KIOSK_MIN_INTERVAL_SECONDS", cls.kiosk_interval_seconds)
            ),
            service_hours=config.get("SERVICE_HOURS"),
        )


def current_thresholds() -> Thresholds:
    return Thresholds.from_config(current_app.config) if has_app_context() else Thresholds()


def describe(flags: str | None) -> list[tuple[str, str]]:
    """``(code, reason a head understands)`` for each flag of a rating."""
    return [(code, str(REASONS.get(code, code))) for code in split(flags)]


def split(flags: str | None) -> list[str]:
    return [code for code in (flags or "").split(",") if code]


# --- assessing a new rating -----------------------------------------------------------------


def assess(session: Session, rating, unit: Unit, thresholds: Thresholds | None = None) -> list[str]:
    """The reasons to flag ``rating`` (not yet flushed), in a stable order; empty if none."""
    limits = thresholds or current_thresholds()
    reasons: list[str] = []
    # The new rating is pending: keep it out of its own look-backs.
    with session.no_autoflush:
        if rating.kiosk_device_id is not None:
            reasons += _kiosk_checks(session, rating, limits)
        else:
            burst, repeats = _look_backs(session, rating, limits)
            if burst:
                reasons.append(BURST_NETWORK)
            if repeats:
                reasons.append(REPEAT)
        if outside_service_hours(session, unit, rating.submitted_at, limits):
            reasons.append(OFF_HOURS)
    return reasons


def _same_answers(rating):
    """SQL: this rating's nine answers equal the row's (a missing answer equals a missing one)."""
    conditions = []
    for code in ELEMENT_CODES:
        column = getattr(Rating, code.lower())
        value = getattr(rating, code.lower())
        conditions.append(column.is_(None) if value is None else column == value)
    return and_(*conditions)


def _kiosk_checks(session: Session, rating, limits: Thresholds) -> list[str]:
    """A kiosk's ratings are judged by when they were tapped (``submitted_at``), not by when
    they arrived: an offline queue delivers an hour's ratings at once."""
    moment = rating.submitted_at
    interval = timedelta(seconds=limits.kiosk_interval_seconds)
    burst_since = moment - timedelta(minutes=limits.burst_minutes)
    repeat_since = moment - timedelta(minutes=limits.repeat_minutes)
    earliest = min(burst_since, repeat_since, moment - interval)
    row = session.execute(
        select(
            func.count().filter(Rating.submitted_at >= burst_since),
            func.count().filter(and_(Rating.submitted_at >= repeat_since, _same_answers(rating))),
            func.count().filter(Rating.submitted_at > moment - interval),
        ).where(
            Rating.kiosk_device_id == rating.kiosk_device_id,
            Rating.submitted_at >= earliest,
            Rating.submitted_at < moment + interval,
            Rating.id != rating.id,
        )
    ).one()
    in_burst, repeats, too_close = (value or 0 for value in row)
    reasons = []
    if in_burst >= limits.burst_count:
        reasons.append(BURST_DEVICE)
    if repeats >= limits.repeat_count:
        reasons.append(REPEAT)
    if too_close:
        reasons.append(KIOSK_INTERVAL)
    return reasons


def _look_back(threshold: str, *where):
    """count(*) of at most :<threshold> ratings matching ``where``, :rating_id aside.

    Capped by LIMIT: under a flood a plain count would read every rating of the window, on
    every new rating."""
    rows = select(Rating.id).where(*where, Rating.id != bindparam("rating_id"))
    return (select(func.count()).select_from(rows.limit(bindparam(threshold)).subquery())
            .scalar_subquery())


# ``IS NOT DISTINCT FROM`` (``IS`` on SQLite): a missing answer equals a missing one.
_SAME_ANSWERS = [getattr(Rating, code.lower()).is_not_distinct_from(bindparam(code.lower()))
                 for code in ELEMENT_CODES]
_FROM_NETWORK = _look_back("burst_threshold", Rating.client_hash == bindparam("client_hash"),
                           Rating.received_at >= bindparam("burst_since"),
                           Rating.unit_id == bindparam("unit_id"))
_REPEATS = {
    "counter": _look_back("repeat_threshold", Rating.counter_id == bindparam("counter_id"),
                          Rating.received_at >= bindparam("repeat_since"), *_SAME_ANSWERS),
    "officer": _look_back("repeat_threshold", Rating.officer_id == bindparam("officer_id"),
                          Rating.service_day == bindparam("service_day"),
                          Rating.received_at >= bindparam("repeat_since"), *_SAME_ANSWERS),
}
# Both look-backs in one statement (one round trip), built once with bound parameters: it
# runs on every rating, and building the expression cost more than running it.
_LOOK_BACKS = {
    (network, place): select(_FROM_NETWORK if network else literal(0),
                             _REPEATS[place] if place else literal(0))
    for network in (True, False) for place in ("counter", "officer", None)
}


def _look_backs(session: Session, rating, limits: Thresholds) -> tuple[bool, bool]:
    """(a burst from one network, the same answers repeated at one place): many ratings of
    one unit from one network by arrival time (a client may backdate ``submitted_at``, it
    cannot backdate its arrival), and the same nine answers again and again at one counter
    (or through one officer's code)."""
    received = rating.received_at or utcnow()
    place = ("counter" if rating.counter_id is not None
             else "officer" if rating.officer_id is not None else None)
    network = bool(rating.client_hash)
    if not network and place is None:
        return False, False
    parameters = {
        "rating_id": rating.id, "client_hash": rating.client_hash, "unit_id": rating.unit_id,
        "burst_threshold": limits.burst_count, "repeat_threshold": limits.repeat_count,
        "burst_since": received - timedelta(minutes=limits.burst_minutes),
        "repeat_since": received - timedelta(minutes=limits.repeat_minutes),
        "counter_id": rating.counter_id, "officer_id": rating.officer_id,
        "service_day": rating.service_day,
        **{code.lower(): getattr(rating, code.lower()) for code in ELEMENT_CODES},
    }
    in_burst, repeated = session.execute(_LOOK_BACKS[(network, place)], parameters).one()
    return (network and (in_burst or 0) >= limits.burst_count,
            place is not None and (repeated or 0) >= limits.repeat_count)


def service_periods(hours: Mapping[Any, Any], weekday: int) -> list[tuple[time, time]]:
    """A unit's service periods on an ISO weekday; keys may be ints or strings (JSON)."""
    found = hours.get(weekday, hours.get(str(weekday))) or []
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in found]


def outside_service_hours(
    session: Session, unit: Unit, moment: datetime, limits: Thresholds | None = None
) -> bool:
    """Whether ``moment`` falls outside the unit's service hours in its own zone, with a grace
    period either side (a citizen served at 15:55 rates on the way out). Public holidays and
    cuti bersama count as outside."""
    limits = limits or current_thresholds()
    hours = unit.service_hours or limits.service_hours or DEFAULT_SERVICE_HOURS
    zone = ZoneInfo(unit.timezone)
    local = moment.astimezone(zone)
    grace = timedelta(minutes=limits.grace_minutes)
    inside = False
    # A period late in the evening can reach past midnight with its grace: check yesterday too.
    for day in (local.date(), local.date() - timedelta(days=1)):
        for start, end in service_periods(hours, day.isoweekday()):
            opens = datetime.combine(day, start, zone) - grace
            closes = datetime.combine(day, end, zone) + grace
            if opens <= local <= closes:
                inside = True
                break
        if inside:
            break
    if not inside:
        return True
    return session.get(Holiday, local.date()) is not None


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


def _reclassify(session: Session, rating) -> None:
    aggregates.reclassify(session, rating, was_flagged=True)


def flagged_ratings(session: Session, unit_ids: set[int] | None, *, cleared: bool = False,
                    limit: int = 200):
    """Flagged ratings in these units (``None``: all), newest first; uncleared by default."""
    query = select(Rating).where(Rating.flags.is_not(None), Rating.flags != "")
    query = query.where(
        Rating.flags_cleared_at.is_not(None) if cleared else Rating.flags_cleared_at.is_(None)
    )
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(unit_ids or {-1}))
    return list(session.scalars(query.order_by(Rating.received_at.desc()).limit(limit)))


def flag_counts(session: Session, unit_ids: set[int] | None) -> dict[str, int]:
    """How many uncleared ratings carry each flag, for the head's overview."""
    query = select(Rating.flags, func.count()).where(
        Rating.flags.is_not(None), Rating.flags != "", Rating.flags_cleared_at.is_(None)
    )
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(unit_ids or {-1}))
    counts: dict[str, int] = {}
    for flags, n in session.execute(query.group_by(Rating.flags)):
        for code in split(flags):
            counts[code] = counts.get(code, 0) + n
    return counts


__all__ = [
    "BURST_DEVICE", "BURST_NETWORK", "KIOSK_INTERVAL", "OFF_HOURS", "REASONS", "REPEAT",
    "Thresholds", "assess", "clear_flags", "describe", "flag_counts", "flagged_ratings",
    "outside_service_hours", "service_periods",
]
