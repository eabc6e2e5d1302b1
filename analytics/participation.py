"""Participation: how many services a unit delivered, and how many of those were rated.

A month's count comes from what a supervisor entered (or imported from CSV); a month with
none falls back to the single-use codes the unit's queue machines issued that month, one
code per ticket. Participation is ratings ÷ services over the calendar months wholly inside
a period; the year's count is the Krejcie–Morgan population when a unit has none set.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics.models import ServiceCount
from core.localtime import local_day
from core.models import Unit, utcnow
from core.scope import among
from survey.models import QrCode

QUEUE = "antrean"  # the source of a month counted from queue-machine codes
MAX_SERVICES = 10_000_000  # per unit and month: more is a typing mistake
MONTH = re.compile(r"(\d{4})-(\d{2})")


class ParticipationError(ValueError):
    """A count or an import line that cannot be stored, with a message for people."""


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def parse_month(value: str) -> date:
    """``YYYY-MM`` (or a whole date) → the month's first day."""
    match = MONTH.fullmatch(str(value).strip()[:7]) if value else None
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2099:
        raise ParticipationError(f"Bulan '{value}' harus berformat YYYY-MM (contoh 2026-03).")
    return date(int(match.group(1)), int(match.group(2)), 1)


def parse_services(value: Any) -> int:
    text = str(value).strip().replace(".", "").replace(",", "") if value is not None else ""
    if not text.isdigit() or int(text) > MAX_SERVICES:
        raise ParticipationError(
            f"Jumlah layanan '{value}' harus bilangan bulat 0–{MAX_SERVICES:,}.".replace(",", "."))
    return int(text)


def set_month(session: Session, unit: Unit, month: date, services: int, *,
              source: str = "manual", user_id: int | None = None) -> ServiceCount:
    """Store (or replace) the unit's count for the month. Flushes; the caller commits."""
    month = month_start(month)
    if not 0 <= services <= MAX_SERVICES:
        raise ParticipationError("Jumlah layanan di luar batas.")
    row = session.get(ServiceCount, (unit.id, month))
    if row is None:
        row = ServiceCount(unit_id=unit.id, month=month, services=services)
        session.add(row)
    row.services, row.source, row.updated_by, row.updated_at = services, source, user_id, utcnow()
    session.flush()
    return row


def clear_month(session: Session, unit: Unit, month: date) -> None:
    row = session.get(ServiceCount, (unit.id, month_start(month)))
    if row is not None:
        session.delete(row)
        session.flush()


@dataclass(frozen=True)
class ImportResult:
    stored: int
    errors: list[str]


def import_csv(session: Session, text: str, units_by_code: dict[str, Unit] | None = None, *,
               user_id: int | None = None) -> ImportResult:
    """Counts from CSV with the columns ``unit,month,services`` (a header line; comma or
    semicolon). Every line is checked first; nothing is stored if any line is wrong."""
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    if not {"unit", "month", "services"} <= set(fields):
        return ImportResult(0, ["Baris judul harus memuat kolom unit, month, services."])
    reader.fieldnames = fields
    if units_by_code is None:
        units_by_code = {u.code: u for u in session.scalars(select(Unit))}
    parsed, errors = [], []
    for line, row in enumerate(reader, start=2):
        code = (row.get("unit") or "").strip()
        unit = units_by_code.get(code)
        try:
            if unit is None:
                raise ParticipationError(f"unit '{code}' tidak dikenal")
            parsed.append((unit, parse_month(row.get("month") or ""),
                           parse_services(row.get("services"))))
        except ParticipationError as exc:
            errors.append(f"Baris {line}: {exc}")
    if errors:
        return ImportResult(0, errors)
    for unit, month, services in parsed:
        set_month(session, unit, month, services, source="csv", user_id=user_id)
    return ImportResult(len(parsed), [])


def _local_window(units: Sequence[Unit], start: date, end: date) -> tuple[datetime, datetime]:
    zones = [ZoneInfo(u.timezone) for u in units] or [ZoneInfo("Asia/Jakarta")]
    lows = [datetime.combine(start, time.min, tzinfo=z) for z in zones]
    highs = [datetime.combine(end + timedelta(days=1), time.min, tzinfo=z) for z in zones]
    return min(lows), max(highs)


def queue_codes(session: Session, units: Sequence[Unit], start: date, end: date
                ) -> dict[tuple[int, date], int]:
    """Single-use codes the units' queue machines issued, per (unit, month) by local day."""
    if not units:
        return {}
    low, high = _local_window(units, start, end)
    zones = {u.id: u.timezone for u in units}
    query = (select(QrCode.unit_id, QrCode.created_at)
             .where(QrCode.kind == "single", QrCode.batch.like("machine-%"),
                    QrCode.unit_id.in_(list(zones)), QrCode.created_at >= low,
                    QrCode.created_at < high))
    counts: dict[tuple[int, date], int] = defaultdict(int)
    for unit_id, created_at in session.execute(query):
        day = local_day(created_at, zones[unit_id])
        if start <= day <= end:
            counts[(unit_id, month_start(day))] += 1
    return dict(counts)


@dataclass(frozen=True)
class MonthServices:
    month: date
    services: int | None  # None: nothing recorded and no queue-machine codes
    source: str | None  # "manual", "csv", "antrean" or None


def monthly_services(session: Session, units: Sequence[Unit], first: date, last: date
                     ) -> dict[int, list[MonthServices]]:
    """Each unit's months from ``first``'s month to ``last``'s, with their count."""
    first, last = month_start(first), month_start(last)
    entered = {(r.unit_id, r.month): r for r in session.scalars(
        select(ServiceCount).where(among(ServiceCount.unit_id, [u.id for u in units]),
                                   ServiceCount.month.between(first, last)))}
    queued = queue_codes(session, units, first, month_end(last))
    result: dict[int, list[MonthServices]] = {}
    for unit in units:
        months, month = [], first
        while month <= last:
            row = entered.get((unit.id, month))
            if row is not None:
                months.append(MonthServices(month, row.services, row.source))
            elif (unit.id, month) in queued:
                months.append(MonthServices(month, queued[(unit.id, month)], QUEUE))
            else:
                months.append(MonthServices(month, None, None))
            month = next_month(month)
        result[unit.id] = months
    return result


@dataclass(frozen=True)
class YearPopulation:
    """A year's recorded services (the population for the minimum sample)."""

    year: int
    services: int | None
    months: int  # how many of the year's months have a count

    def describe(self) -> str:
        return (f"jumlah layanan tercatat tahun {self.year} ({self.months} dari 12 bulan)")


def year_populations(session: Session, units: Sequence[Unit], year: int
                     ) -> dict[int, YearPopulation]:
    months = monthly_services(session, units, date(year, 1, 1), date(year, 12, 1))
    found = {}
    for unit in units:
        counted = [m.services for m in months[unit.id] if m.services is not None]
        found[unit.id] = YearPopulation(year, sum(counted) if counted else None, len(counted))
    return found


def population_of(unit: Unit, year: YearPopulation | None) -> int | None:
    """The population a unit's minimum sample uses: the one set for it, else the year's
    recorded services."""
    if unit.annual_population:
        return unit.annual_population
    if year is not None and year.services:
        return year.services
    return None


def populations(session: Session, units: Sequence[Unit], year: int) -> dict[int, int | None]:
    """For many units at once (the population set, else the year's count)."""
    without = [u for u in units if not u.annual_population]
    years = year_populations(session, without, year) if without else {}
    return {u.id: population_of(u, years.get(u.id)) for u in units}


@dataclass(frozen=True)
class Participation:
    """Ratings ÷ services over the whole calendar months of a period that have a count."""

    months: tuple[MonthServices, ...]  # the whole months of the period
    ratings: int
    services: int
    rate: Fraction | None  # None: no whole month with a count
    missing: tuple[date, ...]  # whole months without any count (left out of both sides)

    @property
    def percent(self):
        from analytics.ikm import round_half_up

        return None if self.rate is None else round_half_up(self.rate * 100, 2)

    def as_dict(self) -> dict[str, Any]:
        return {"ratings": self.ratings, "services": self.services,
                "rate_percent": None if self.percent is None else float(self.percent),
                "months": [m.month.strftime("%Y-%m") for m in self.months
                           if m.services is not None],
                "months_without_count": [m.strftime("%Y-%m") for m in self.missing]}


def whole_months(start: date, end: date) -> list[date]:
    month = month_start(start) if start.day == 1 else next_month(start)
    months = []
    while month_end(month) <= end:
        months.append(month)
        month = next_month(month)
    return months


def participation(session: Session, unit: Unit, start: date, end: date) -> Participation:
    months = whole_months(start, end)
    if not months:
        return Participation((), 0, 0, None, ())
    rows = monthly_services(session, [unit], months[0], months[-1])[unit.id]
    counted = [m for m in rows if m.services is not None]
    ratings = 0
    for month in counted:
        summed = agg.summed(session, month.month, month_end(month.month), unit_ids=[unit.id],
                            columns=())
        ratings += int(summed[0]["ratings"]) if summed else 0
    services = sum(m.services or 0 for m in counted)
    rate = Fraction(ratings, services) if services else None
    return Participation(tuple(rows), ratings, services, rate,
                         tuple(m.month for m in rows if m.services is None))


def months_between(first: date, last: date) -> Iterable[date]:
    month = month_start(first)
    while month <= last:
        yield month
        month = next_month(month)


__all__ = [
    "ImportResult", "MonthServices", "Participation", "ParticipationError", "QUEUE",
    "YearPopulation", "clear_month", "import_csv", "month_end", "month_start",
    "monthly_services", "parse_month", "parse_services", "participation", "population_of",
    "populations", "queue_codes", "set_month", "whole_months", "year_populations",
]
