"""What the public results may show, and the open data behind them.

An index from too few respondents is never shown as if it were solid: below the floor an
administrator sets (``PUBLIC_MINIMUM_RESPONDENTS``) it is withheld; below the unit's
Krejcie–Morgan minimum it is shown with a notice; without a known population the notice says
the sample cannot be checked. Every number is rounded half up, as the converted value is.
Trend points and open-data rows are labelled by the days they cover, never by a day outside
the period.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import ikm_read
from analytics.ikm import ROUNDING_RULE, ROUNDING_RULE_EN, round_half_up
from analytics.ikm_read import UnitIkm
from analytics.participation import month_end, next_month
from analytics.periods import Period
from core.models import Department, Unit
from survey.elements import ELEMENT_CODES

DEFAULT_FLOOR = 5
WITHHELD, PROVISIONAL, UNCHECKED, SOLID, EMPTY = (
    "withheld", "provisional", "unchecked", "solid", "empty")
MONTHS_SHORT = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                "Des")
METHOD = ("SKM menurut Permenpan RB No. 14 Tahun 2017: NRR unsur = jumlah nilai / jumlah "
          "jawaban; IKM = rata-rata NRR unsur yang dijawab (bobot tepat 1/jumlah unsur); nilai "
          "konversi = IKM × 25; mutu A ≥ 88,31, B ≥ 76,61, C ≥ 65,00, D di bawahnya. Sampel "
          "minimum Krejcie–Morgan (chi-kuadrat 3,841, P = Q = 0,5, d = 0,05) atas populasi "
          "penerima layanan setahun. Penilaian bertanda yang belum dibersihkan tidak dihitung.")
METHOD_EN = ("SKM by Permenpan RB 14/2017: element NRR = sum of answers / number of answers; "
             "IKM = mean of the answered elements' NRR (exact weight 1/number of elements); "
             "converted value = IKM × 25; category A ≥ 88.31, B ≥ 76.61, C ≥ 65.00, D below. "
             "Minimum sample by Krejcie–Morgan (chi-square 3.841, P = Q = 0.5, d = 0.05) on "
             "the year's service recipients. Flagged ratings not yet cleared are left out.")


def floor_from(config) -> int:
    value = config.get("PUBLIC_MINIMUM_RESPONDENTS", DEFAULT_FLOOR)
    return max(int(value), 1)


def status_of(result: UnitIkm, floor: int) -> str:
    r, sample = result.result, result.sample
    if r.empty:
        return EMPTY
    if r.respondents < floor:
        return WITHHELD
    if sample.minimum is None:
        return UNCHECKED
    return SOLID if sample.reached else PROVISIONAL


def nrr_text(value: Fraction | None, places: int = 3) -> Decimal | None:
    """An NRR (or the 1–4 index) rounded half up, like the converted value."""
    return None if value is None else round_half_up(value, places)


@dataclass(frozen=True)
class PublicResult:
    """A unit's result as the public may see it."""

    ikm: UnitIkm
    status: str
    floor: int

    @property
    def shown(self) -> bool:
        return self.status in (PROVISIONAL, UNCHECKED, SOLID)

    @property
    def result(self):
        return self.ikm.result

    @property
    def sample(self):
        return self.ikm.sample

    def __getattr__(self, name: str):  # unit_code, unit_name… as on UnitIkm
        return getattr(self.ikm, name)


def public_result(result: UnitIkm, floor: int) -> PublicResult:
    return PublicResult(result, status_of(result, floor), floor)


def day_label(start: date, end: date) -> str:
    """The days a point covers: "1–31 Mar 2026", "30 Mar – 5 Apr 2026", "2 Mar 2026"."""
    if start == end:
        return f"{start.day} {MONTHS_SHORT[start.month - 1]} {start.year}"
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{end.day} {MONTHS_SHORT[end.month - 1]} {end.year}"
    left = f"{start.day} {MONTHS_SHORT[start.month - 1]}"
    if start.year != end.year:
        left += f" {start.year}"
    return f"{left} – {end.day} {MONTHS_SHORT[end.month - 1]} {end.year}"


@dataclass(frozen=True)
class Point:
    """One month or quarter of a unit's results, clipped to the period asked for."""

    key: str  # "2026-03" or "2026-Q1"
    period: Period
    result: PublicResult

    @property
    def label(self) -> str:
        return day_label(self.period.start, self.period.end)


def buckets(period: Period, freq: str) -> list[tuple[str, Period]]:
    """Calendar months ('M') or quarters ('Q') that meet the period, each clipped to it."""
    found = []
    month = period.start.replace(day=1)
    while month <= period.end:
        if freq == "Q":
            first = month.replace(month=3 * ((month.month - 1) // 3) + 1)
            last = month_end(first.replace(month=first.month + 2))
            key = f"{first.year}-Q{(first.month - 1) // 3 + 1}"
        else:
            first, last, key = month, month_end(month), month.strftime("%Y-%m")
        found.append((key, Period(max(first, period.start), min(last, period.end))))
        month = next_month(last.replace(day=1))
    return found


def series(session: Session, units: Sequence[Unit], period: Period, freq: str, floor: int
           ) -> dict[int, list[Point]]:
    """Each unit's months or quarters in the period (one query per bucket)."""
    points: dict[int, list[Point]] = {u.id: [] for u in units}
    for key, part in buckets(period, freq):
        for unit, result in zip(units, ikm_read.units_ikm(session, list(units), part),
                                strict=True):
            points[unit.id].append(Point(key, part, public_result(result, floor)))
    return points


def published_units(session: Session) -> list[Unit]:
    return list(session.scalars(
        select(Unit).join(Department, Department.id == Unit.department_id)
        .where(Unit.published.is_(True)).order_by(Department.name, Unit.name)))


def year_period(year: int, today: date) -> Period:
    """The year up to today (a future year has nothing: its first day only)."""
    start = date(year, 1, 1)
    return Period(start, max(start, min(date(year, 12, 31), today)))


OPEN_DATA_COLUMNS = [
    "unit_code", "unit_name", "department", "period", "from", "to", "days_label",
    "respondents", "status", "minimum_sample", "population", "ikm", "ikm_converted",
    "category", "label", *(f"{c}_nrr" for c in ELEMENT_CODES),
    *(f"{c}_converted" for c in ELEMENT_CODES),
]


def _number(value) -> float | None:
    return None if value is None else float(value)


def open_data_rows(points: dict[int, list[Point]], units: Sequence[Unit]) -> list[dict[str, Any]]:
    """One row per unit and bucket; withheld and empty rows carry no numbers."""
    rows = []
    for unit in units:
        for point in points[unit.id]:
            r, shown = point.result.result, point.result.shown
            row = {
                "unit_code": unit.code, "unit_name": unit.name,
                "department": unit.department.name, "period": point.key,
                "from": point.period.start.isoformat(), "to": point.period.end.isoformat(),
                "days_label": point.label, "respondents": r.respondents,
                "status": point.result.status, "minimum_sample": point.result.sample.minimum,
                "population": point.result.sample.population,
                "ikm": _number(nrr_text(r.ikm)) if shown else None,
                "ikm_converted": _number(r.ikm_converted) if shown else None,
                "category": r.category if shown else None,
                "label": r.label if shown else None,
            }
            for code in ELEMENT_CODES:
                element = r.element(code) if shown else None
                row[f"{code}_nrr"] = _number(nrr_text(element.nrr)) if element else None
                row[f"{code}_converted"] = _number(element.converted) if element else None
            rows.append(row)
    return rows


def open_data_document(rows: list[dict[str, Any]], *, year: int, freq: str, floor: int
                       ) -> dict[str, Any]:
    return {
        "year": year, "per": "quarter" if freq == "Q" else "month",
        "minimum_respondents_shown": floor,
        "rounding_rule": ROUNDING_RULE, "rounding_rule_en": ROUNDING_RULE_EN,
        "nrr_rounding": "NRR dan IKM (1–4) dibulatkan setengah ke atas ke 3 desimal; nilai "
                        "konversi ke 2 desimal.",
        "method": METHOD, "method_en": METHOD_EN,
        "status_meaning": {
            EMPTY: "no ratings", WITHHELD: f"fewer than {floor} respondents: not published",
            PROVISIONAL: "below the Krejcie–Morgan minimum sample: provisional",
            UNCHECKED: "population unknown: the sample cannot be checked",
            SOLID: "the minimum sample is reached",
        },
        "columns": OPEN_DATA_COLUMNS,
        "rows": rows,
    }


__all__ = [
    "EMPTY", "METHOD", "OPEN_DATA_COLUMNS", "PROVISIONAL", "PublicResult", "SOLID",
    "UNCHECKED", "WITHHELD", "buckets", "day_label", "floor_from", "nrr_text",
    "open_data_document", "open_data_rows", "public_result", "published_units", "series",
    "status_of", "year_period",
]
