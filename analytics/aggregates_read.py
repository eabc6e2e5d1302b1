"""Reading the daily aggregates: sums over units, officers and days, turned into the totals
the pure IKM and component math takes. Cost grows with units × days, never with ratings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, Integer, cast, func, select
from sqlalchemy.orm import Session

from analytics.aggregates import COUNT_COLUMNS
from analytics.models import DailyAggregate
from core.scope import within
from survey.elements import ELEMENT_CODES, OFFICER_ELEMENTS

GROUPABLE = ("unit_id", "officer_id", "service_day", "flagged")
# What the IKM needs: respondents and each element's sum and count.
IKM_COLUMNS = tuple(f"{code.lower()}_{part}" for code in ELEMENT_CODES for part in ("sum", "n"))
# What officer components need: the per-rating means and the officer elements' counts.
OFFICER_COLUMNS = (
    "officer_ratings", "officer_mean_sum", "officer_mean_squares",
    *(f"{code}_{part}" for code in (*(c.lower() for c in OFFICER_ELEMENTS), "custom")
      for part in ("sum", "n", "a1", "a2", "a3", "a4")),
)
# Built once: constructing 68 SUM() expressions cost more than running the query.
SUMS = {c: func.coalesce(func.sum(getattr(DailyAggregate, c)), 0).label(c) for c in COUNT_COLUMNS}


def summed(
    session: Session,
    start: date,
    end: date,
    *,
    unit_ids: Iterable[int] | None = None,
    officer_ids: Iterable[int] | None = None,
    counted_only: bool = False,
    group_by: Sequence[str] = (),
    columns: Sequence[str] | None = None,
    bucket: str | None = None,
) -> list[Mapping[str, Any]]:
    """Sums of every count column over the rows of [start, end], grouped by ``group_by``
    (some of unit_id, officer_id, service_day, flagged). ``counted_only`` drops ratings
    flagged and not cleared (what officer components use). ``columns`` limits the sums to
    those count columns (``ratings`` is always summed). ``bucket`` ('W' weeks from Monday,
    'M' months) groups days in the database and returns each group's first day as
    ``bucket``."""
    keys = [getattr(DailyAggregate, name) for name in group_by if name in GROUPABLE]
    if bucket is not None:
        keys.append(_bucket(session, bucket).label("bucket"))
    wanted = COUNT_COLUMNS if columns is None else ("ratings", *columns)
    sums = [SUMS[c] for c in dict.fromkeys(wanted)]
    query = select(*keys, *sums).where(DailyAggregate.service_day.between(start, end))
    query = within(query, DailyAggregate.unit_id, unit_ids)
    query = within(query, DailyAggregate.officer_id, officer_ids)
    if counted_only:
        query = query.where(DailyAggregate.flagged == 0)
    if keys:
        query = query.group_by(*keys).order_by(*keys)
    rows = [dict(row) for row in session.execute(query).mappings()]
    if bucket is not None:
        for row in rows:
            if isinstance(row["bucket"], str):  # SQLite's date functions return text
                row["bucket"] = date.fromisoformat(row["bucket"])
            elif isinstance(row["bucket"], datetime):
                row["bucket"] = row["bucket"].date()
    # An aggregate over no rows still returns one row of zeros (without keys): drop it.
    return [row for row in rows if row["ratings"]] if keys else rows


def _bucket(session: Session, freq: str):
    day = DailyAggregate.service_day
    if freq == "D":
        return day
    if freq not in ("W", "M"):
        raise ValueError("freq must be 'D', 'W' or 'M'")
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.date_trunc("week" if freq == "W" else "month", day), Date)
    if freq == "M":
        return func.strftime("%Y-%m-01", day)
    # %w counts from Sunday = 0; weeks here start on Monday, as in Indonesia's calendars.
    return func.date(day, func.printf("-%d days",
                                      (cast(func.strftime("%w", day), Integer) + 6) % 7))


def ikm_totals(row: Mapping[str, Any]) -> tuple[int, dict[str, tuple[int, int]]]:
    """(respondents, {element: (sum, count)}) from a summed row, for ``ikm.compute_ikm``."""
    return int(row["ratings"]), {
        code: (int(row[f"{code.lower()}_sum"]), int(row[f"{code.lower()}_n"]))
        for code in ELEMENT_CODES
    }


def distribution(row: Mapping[str, Any], codes: Iterable[str] = ELEMENT_CODES
                 ) -> dict[str, tuple[int, int, int, int]]:
    return {code: tuple(int(row[f"{code.lower()}_a{v}"]) for v in (1, 2, 3, 4)) for code in codes}


def empty_row() -> dict[str, int]:
    return dict.fromkeys(COUNT_COLUMNS, 0)
