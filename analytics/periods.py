"""The question every analytics request starts with: which service days? A ``Period`` (both
ends included, in each unit's own zone), parsed from ``from``/``to`` strings, with the
errors analytics answers people with, and the pure calendar arithmetic on periods (weekly or
monthly buckets, the UTC window wide enough for every Indonesian zone)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

MAX_PERIOD_DAYS = 731  # two years (one leap day included)
# Dates outside this range are typing mistakes, and far ones would overflow date arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


class AnalyticsError(Exception):
    """A request analytics cannot answer, with a status and a message for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, code: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.status = status or self.status


class PeriodError(AnalyticsError):
    code = "invalid_period"


class NotFound(AnalyticsError):
    status, code = 404, "not_found"


@dataclass(frozen=True)
class Period:
    """Service days from ``start`` to ``end``, both included, in each unit's own zone."""

    start: date
    end: date

    def __post_init__(self):
        if self.end < self.start:
            raise PeriodError("Tanggal akhir periode tidak boleh sebelum tanggal awal.")

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of equal length just before this one."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    def label(self) -> str:
        return f"{self.start.isoformat()} – {self.end.isoformat()}"

    def as_dict(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_date(value: str, name: str) -> date:
    try:
        if not ISO_DAY.fullmatch(value.strip()):
            raise ValueError(value)
        day = date.fromisoformat(value.strip())
    except (ValueError, AttributeError, TypeError):
        raise PeriodError(
            f"Tanggal '{name}' harus berformat YYYY-MM-DD (contoh 2026-01-31)."
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise PeriodError(f"Tanggal '{name}' harus antara {EARLIEST} dan {LATEST}.")
    return day


def parse_period(
    start: str | None,
    end: str | None,
    *,
    today: date | None = None,
    default_days: int = 90,
    max_days: int = MAX_PERIOD_DAYS,
) -> Period:
    """A period from ``from``/``to`` strings (YYYY-MM-DD). Missing ends default to the last
    ``default_days`` days up to today. Malformed, reversed or too long → ``PeriodError``."""
    today = today or date.today()
    end_day = parse_date(end, "to") if end else None
    start_day = parse_date(start, "from") if start else None
    if end_day is None:
        end_day = max(today, start_day) if start_day else today
    if start_day is None:
        start_day = end_day - timedelta(days=default_days - 1)
    if end_day < start_day:
        raise PeriodError("Tanggal akhir periode ('to') tidak boleh sebelum tanggal awal ('from').")
    if (end_day - start_day).days + 1 > max_days:
        raise PeriodError(f"Periode paling panjang {max_days} hari (dua tahun).")
    return Period(start_day, end_day)


def bucket_start(day: date, freq: str) -> date:
    """The first day of the day ('D'), week from Monday ('W') or month ('M') holding ``day``."""
    if freq == "D":
        return day
    if freq == "W":
        return day - timedelta(days=day.weekday())
    if freq == "M":
        return day.replace(day=1)
    raise ValueError("freq must be 'D', 'W' or 'M'")


def utc_window(period: Period) -> tuple[datetime, datetime]:
    # Wide enough for every Indonesian zone (UTC+7…+9); callers trim by local day.
    start = datetime.combine(period.start, time.min, tzinfo=UTC) - timedelta(hours=10)
    end = datetime.combine(period.end, time.max, tzinfo=UTC) + timedelta(hours=2)
    return start, end
