"""Working days: weekends and the holidays an administrator loaded (national holidays and
cuti bersama) do not count."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Holiday


def is_working_day(day: date, holidays: Iterable[date] = ()) -> bool:
    return day.isoweekday() <= 5 and day not in set(holidays)


def add_working_days(start: date, days: int, holidays: Iterable[date] = ()) -> date:
    """The date ``days`` working days after ``start`` (``start`` itself not counted)."""
    closed = set(holidays)
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, closed):
            remaining -= 1
    return current


def holidays_between(session: Session, start: date, end: date) -> set[date]:
    return set(session.scalars(select(Holiday.day).where(Holiday.day.between(start, end))))


def due_date(session: Session, start: date, working_days: int) -> date:
    # Look far enough ahead for long holiday runs (Lebaran's cuti bersama is a week or more).
    horizon = start + timedelta(days=working_days * 2 + 30)
    return add_working_days(start, working_days, holidays_between(session, start, horizon))
