"""What is a unit's, a department's or a service type's IKM for a period? The queries over the
daily aggregates (units × days, never all ratings); the arithmetic itself is ``analytics.ikm``.

Flagged ratings (not cleared) count nowhere: not in any IKM, series or element score. Each
result says how many it left out; a head's clearing brings them in (docs/integrity.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics.ikm import IkmResult, SampleInfo, compute_ikm, sample_info
from analytics.models import DailyAggregate
from analytics.periods import Period
from core.models import Unit
from core.scope import among, units_by_id, within
from survey.elements import ELEMENT_CODES
from survey.models import PAPER_CONDITION, Rating


@dataclass(frozen=True)
class UnitIkm:
    """A unit's IKM for a period with its sample against the Krejcie–Morgan minimum, the
    flagged ratings it left out and (for one unit's report) how many came on paper."""

    unit_id: int
    unit_code: str
    unit_name: str
    period: Period
    result: IkmResult
    sample: SampleInfo
    flagged_excluded: int = 0
    paper: int | None = None  # counted only for a single unit's report (reads ratings)

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "period": self.period.as_dict(),
            **self.result.as_dict(),
            "minimum_sample": self.sample.as_dict(),
            "flagged_excluded": self.flagged_excluded,
            **({} if self.paper is None else {"paper_ratings": self.paper}),
        }


def _unit_ikm(unit: Unit, period: Period, row, population: int | None, flagged: int = 0,
              paper: int | None = None) -> UnitIkm:
    respondents, totals = agg.ikm_totals(row or agg.empty_row())
    result = compute_ikm(respondents, totals)
    return UnitIkm(unit.id, unit.code, unit.name, period, result,
                   sample_info(respondents, population), flagged, paper)


def _populations(session: Session, units: Sequence[Unit], period: Period) -> dict:
    # The population set for the unit, else the services recorded in the period's year.
    from analytics.participation import populations

    return populations(session, units, period.end.year)


def _ikm_rows(session: Session, unit_ids: list[int], period: Period
              ) -> tuple[dict[int, Mapping[str, Any]], dict[int, int]]:
    """Per unit: the summed counted row, and the number of flagged ratings left out (one
    query, grouped by the flag bucket)."""
    rows = agg.summed(session, period.start, period.end, unit_ids=unit_ids,
                      group_by=["unit_id", "flagged"], columns=agg.IKM_COLUMNS)
    counted = {row["unit_id"]: row for row in rows if not row["flagged"]}
    flagged = {row["unit_id"]: int(row["ratings"]) for row in rows if row["flagged"]}
    return counted, flagged


def paper_ratings(session: Session, unit_ids: Iterable[int] | None, period: Period) -> int:
    """How many ratings of these units in the period were entered from paper forms: read
    from the partial index ix_rating_paper_unit_day, so it costs the paper ratings only."""
    from sqlalchemy import func

    # The index's own condition, as a literal: with a bound parameter SQLite (and
    # PostgreSQL's generic plan for a prepared statement) cannot prove the match and read
    # every rating of the unit in the period instead.
    query = select(func.count()).select_from(Rating).where(
        Rating.service_day.between(period.start, period.end), text(f"rating.{PAPER_CONDITION}"))
    query = within(query, Rating.unit_id, unit_ids)
    return int(session.scalar(query) or 0)


def unit_ikm(session: Session, unit: Unit, period: Period) -> UnitIkm:
    """The unit's IKM for the period: counted ratings only (flagged ones left out and
    counted), with how many came on paper."""
    counted, flagged = _ikm_rows(session, [unit.id], period)
    return _unit_ikm(unit, period, counted.get(unit.id),
                     _populations(session, [unit], period)[unit.id],
                     flagged.get(unit.id, 0), paper_ratings(session, [unit.id], period))


def units_ikm(session: Session, units: Sequence[Unit], period: Period) -> list[UnitIkm]:
    """Many units' IKM in one query, in the order given."""
    counted, flagged = _ikm_rows(session, [u.id for u in units], period)
    population = _populations(session, units, period)
    return [_unit_ikm(unit, period, counted.get(unit.id), population[unit.id],
                      flagged.get(unit.id, 0))
            for unit in units]


def ikm_of_units(session: Session, unit_ids: Iterable[int], period: Period) -> IkmResult:
    """The IKM of all these units' counted ratings taken together (a department, a service)."""
    rows = agg.summed(session, period.start, period.end, unit_ids=list(unit_ids),
                      counted_only=True, columns=agg.IKM_COLUMNS)
    return compute_ikm(*agg.ikm_totals(rows[0] if rows else agg.empty_row()))


def flagged_excluded(session: Session, unit_ids: Iterable[int], period: Period) -> int:
    """How many flagged (not cleared) ratings of these units the period's numbers left out."""
    from sqlalchemy import func

    query = select(func.coalesce(func.sum(DailyAggregate.ratings), 0)).where(
        DailyAggregate.service_day.between(period.start, period.end),
        among(DailyAggregate.unit_id, unit_ids), DailyAggregate.flagged == 1)
    return int(session.scalar(query) or 0)


@dataclass(frozen=True)
class ServiceIkm:
    """The IKM of one jenis layanan (the service type the citizen chose; ``None``: not given)."""

    service_type: str | None
    result: IkmResult


def service_ikm(session: Session, unit_ids: Iterable[int] | None, period: Period
                ) -> list[ServiceIkm]:
    """The IKM per service type, most rated first. Service types are not in the daily
    aggregates, so this sums in SQL over the units' ratings of the period (one indexed,
    grouped query): for drill-downs, not for overview pages."""
    from sqlalchemy import func

    columns = []
    for code in ELEMENT_CODES:
        column = getattr(Rating, code.lower())
        columns += [func.coalesce(func.sum(column), 0), func.count(column)]
    query = (select(Rating.service_type, func.count(), *columns)
             .where(Rating.service_day.between(period.start, period.end),
                    or_(Rating.flags.is_(None), Rating.flags == "",
                        Rating.flags_cleared_at.is_not(None)))
             .group_by(Rating.service_type))
    query = within(query, Rating.unit_id, unit_ids)
    results = []
    for service_type, respondents, *sums in session.execute(query):
        totals = {code: (int(sums[2 * i]), int(sums[2 * i + 1]))
                  for i, code in enumerate(ELEMENT_CODES)}
        results.append(ServiceIkm(service_type, compute_ikm(int(respondents), totals)))
    return sorted(results, key=lambda r: (-r.result.respondents, r.service_type or ""))


SERIES_COLUMNS = ["unit_id", "unit_code", "unit_name", "period_start", "respondents", "ikm",
                  "ikm_converted", "category", "label"]


def ikm_series(
    session: Session, unit_ids: Iterable[int] | None, period: Period, freq: str = "W"
) -> pd.DataFrame:
    """The IKM per unit and week ('W', weeks start Monday), month ('M') or day ('D').

    Columns: unit_id, unit_code, unit_name, period_start (date), respondents, ikm (float),
    ikm_converted (float, rounded), category, label. Buckets with no ratings are absent."""
    units = units_by_id(session, unit_ids)
    rows = agg.summed(session, period.start, period.end, unit_ids=list(units),
                      counted_only=True, group_by=["unit_id"], bucket=freq,
                      columns=agg.IKM_COLUMNS)
    records = []
    for row in sorted(rows, key=lambda r: (r["unit_id"], r["bucket"])):
        result = compute_ikm(*agg.ikm_totals(row))
        unit = units[row["unit_id"]]
        records.append({
            "unit_id": unit.id, "unit_code": unit.code, "unit_name": unit.name,
            "period_start": row["bucket"], "respondents": result.respondents,
            "ikm": None if result.ikm is None else float(result.ikm),
            "ikm_converted": None if result.empty else float(result.ikm_converted),
            "category": result.category, "label": result.label,
        })
    return pd.DataFrame.from_records(records, columns=SERIES_COLUMNS)
