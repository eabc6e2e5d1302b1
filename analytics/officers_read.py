"""How did an officer do in a period? Their ratings and their unit's as per-day cells (from
the aggregates, or the raw ratings for settings the aggregates do not keep), the component
with its evidence, and the ranking inside each unit. The arithmetic is ``analytics.officers``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics.comment_read import CommentView, comments
from analytics.models import DailyAggregate
from analytics.officers import (
    Cell,
    ComponentScore,
    UnitCells,
    cell_of_row,
    cells_from_answers,
    officer_score,
    score_change,
)
from analytics.periods import NotFound, Period
from analytics.settings import ComponentSettings
from core.models import Officer, Unit
from core.scope import among, units_by_id
from survey.elements import ELEMENTS_BY_CODE
from survey.models import CustomAnswer, Question, Rating

# An officer's component is computed per unit: the ratings they were given in that unit,
# against the rest of that unit (docs/officer-component.md). An officer who moved keeps each
# unit's history with that unit; whoever may see a unit sees the components given in it.


def _cells_from_aggregates(session: Session, unit_ids: list[int], period: Period
                           ) -> dict[int, UnitCells]:
    rows = agg.summed(session, period.start, period.end, unit_ids=unit_ids,
                      group_by=["unit_id", "officer_id", "service_day", "flagged"],
                      columns=agg.OFFICER_COLUMNS)
    cells: dict[int, dict[int, dict[date, Cell]]] = defaultdict(lambda: defaultdict(dict))
    flagged: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        unit_id, officer_id = row["unit_id"], row["officer_id"]
        if row["flagged"]:
            flagged[unit_id][officer_id] += int(row["ratings"])
            continue
        cell = cell_of_row(row)
        if cell.n:
            cells[unit_id][officer_id][row["service_day"]] = cell
    return {u: UnitCells({k: dict(v) for k, v in cells[u].items()}, dict(flagged[u]))
            for u in unit_ids}


def _counts(rating: Rating) -> bool:
    """Not flagged, or flagged and cleared by a head."""
    return not rating.flags or rating.flags_cleared_at is not None


def _cells_from_ratings(session: Session, unit_ids: list[int], period: Period,
                        settings: ComponentSettings) -> dict[int, UnitCells]:
    """The same cells from the raw ratings, for settings the aggregates do not keep (other
    elements, custom questions left out)."""
    query = select(Rating).where(Rating.service_day.between(period.start, period.end),
                                 among(Rating.unit_id, unit_ids))
    ratings = list(session.scalars(query))
    custom: dict = defaultdict(list)
    if settings.include_custom_questions and ratings:
        ids = [r.id for r in ratings]
        for start in range(0, len(ids), 500):
            for rating_id, value in session.execute(
                select(CustomAnswer.rating_id, CustomAnswer.value)
                .join(Question, Question.id == CustomAnswer.question_id)
                .where(Question.about_officer.is_(True),
                       CustomAnswer.rating_id.in_(ids[start:start + 500]))):
                custom[rating_id].append(value)
    grouped: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    flagged: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for rating in ratings:
        key = rating.officer_id or 0
        if not _counts(rating):
            flagged[rating.unit_id][key] += 1
            continue
        grouped[rating.unit_id][key].append(
            (rating.service_day, rating.answers(), custom.get(rating.id, [])))
    result = {}
    for unit_id in unit_ids:
        cells = {key: cells_from_answers(items, settings)
                 for key, items in grouped[unit_id].items()}
        result[unit_id] = UnitCells({k: v for k, v in cells.items() if v},
                                    dict(flagged[unit_id]))
    return result


def unit_cells(session: Session, unit_ids: Iterable[int], period: Period,
               settings: ComponentSettings) -> dict[int, UnitCells]:
    """Each unit's cells for the period: from the daily aggregates when the settings count
    what they keep (the standard officer elements and the office's officer questions), else
    from the raw ratings. The two agree (tests/analytics/test_aggregates_match_raw.py)."""
    unit_ids = sorted(set(unit_ids))
    if settings.uses_standard_elements:
        return _cells_from_aggregates(session, unit_ids, period)
    return _cells_from_ratings(session, unit_ids, period, settings)


@dataclass(frozen=True)
class OfficerComponent:
    """An officer's component in one unit for a period, with its evidence and every
    setting it used. ``unit_*`` is the unit the ratings were given in (which may not be the
    officer's unit today); ``rank`` is the place inside that unit, ``None`` below the
    minimum.

    ``score.enough`` false → show "belum cukup penilaian" with n and days, no number."""

    officer_id: int
    identifier: str
    name: str
    unit_id: int
    unit_code: str
    unit_name: str
    home_unit_id: int  # the officer's unit today
    period: Period
    score: ComponentScore
    previous: ComponentScore | None = None
    # Change of the raw score against the previous period of equal length (both enough).
    trend: Decimal | None = None
    weakest_comments: tuple[CommentView, ...] = ()
    praise: tuple[CommentView, ...] = ()
    rank: int | None = None
    # Every unit whose ratings of this officer in the period the reader may see, as
    # (code, name, ratings): where the numbers could come from (the page offers each).
    units: tuple[tuple[int, str, str, int], ...] = ()  # (id, code, name, ratings)

    @property
    def settings(self) -> ComponentSettings:
        return self.score.settings

    @property
    def enough(self) -> bool:
        return self.score.enough

    @property
    def moved(self) -> bool:
        """The ratings were given in a unit the officer no longer belongs to."""
        return self.unit_id != self.home_unit_id

    def as_dict(self) -> dict[str, Any]:
        previous = self.previous
        return {
            "officer": {"identifier": self.identifier, "name": self.name},
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "units": [{"code": c, "name": n, "ratings": k} for _i, c, n, k in self.units],
            "period": self.period.as_dict(),
            **self.score.as_dict(),
            "rank_in_unit": self.rank,
            "previous_period": None if previous is None else {
                **self.period.previous().as_dict(), "n": previous.n, "days": previous.days,
                "raw": float(previous.raw) if previous.raw is not None else None,
            },
            "trend": None if self.trend is None else float(self.trend),
            "weakest_element_comments": [c.as_dict() for c in self.weakest_comments],
            "praise": [c.as_dict() for c in self.praise],
        }


def officer_units(session: Session, officer: Officer, period: Period,
                  unit_ids: Iterable[int] | None = None) -> list[tuple[Unit, int]]:
    """The units whose ratings of this officer a reader with ``unit_ids`` (``None``: all)
    may see: every allowed unit the officer was ever rated in, and their own unit today,
    each with its number of ratings in the period; most first."""
    from sqlalchemy import case, func

    in_period = DailyAggregate.service_day.between(period.start, period.end)
    query = (select(DailyAggregate.unit_id,
                    func.sum(case((in_period, DailyAggregate.ratings), else_=0)))
             .where(DailyAggregate.officer_id == officer.id)
             .group_by(DailyAggregate.unit_id))
    counts = {unit_id: int(n or 0) for unit_id, n in session.execute(query)}
    counts.setdefault(officer.unit_id, 0)
    if unit_ids is not None:
        allowed = set(unit_ids)
        counts = {u: n for u, n in counts.items() if u in allowed}
    units = units_by_id(session, counts)
    return sorted(((units[u], n) for u, n in counts.items() if u in units),
                  key=lambda item: (-item[1], item[0].id != officer.unit_id, item[0].code))


def officer_component(
    session: Session,
    officer: Officer,
    period: Period,
    settings: ComponentSettings,
    *,
    unit_ids: Iterable[int] | None = None,
    unit_id: int | None = None,
    evidence: bool = True,
    comment_limit: int = 20,
) -> OfficerComponent:
    """One officer's component for the period in one unit: ``unit_id`` if given (and
    allowed), else their own unit if allowed, else the allowed unit they were rated in most.
    ``unit_ids`` are the units the reader may see (``None``: all). With ``evidence``: the
    comments about the weakest element (only when there are enough ratings) and the praise,
    of that unit only. ``NotFound`` when no allowed unit holds anything of the officer."""
    units = officer_units(session, officer, period, unit_ids)
    if not units:
        raise NotFound("Petugas tidak ditemukan.")
    by_id = {unit.id: unit for unit, _ in units}
    counts = {unit.id: n for unit, n in units}
    if unit_id is not None:
        if unit_id not in by_id:
            raise NotFound("Unit tidak ditemukan untuk petugas ini.")
        chosen = by_id[unit_id]
    elif officer.unit_id in by_id and (counts[officer.unit_id] or not units[0][1]):
        chosen = by_id[officer.unit_id]
    else:
        chosen = units[0][0]
    score = officer_score(unit_cells(session, [chosen.id], period, settings)[chosen.id],
                          officer.id, settings)
    previous = officer_score(
        unit_cells(session, [chosen.id], period.previous(), settings)[chosen.id],
        officer.id, settings)
    weakest_comments: list[CommentView] = []
    praise: list[CommentView] = []
    if evidence:
        if score.weakest_element in ELEMENTS_BY_CODE:
            weakest_comments = comments(session, [chosen.id], period, officer_id=officer.id,
                                        element=score.weakest_element, include_hidden=False,
                                        limit=comment_limit)
        praise = comments(session, [chosen.id], period, officer_id=officer.id, kind="praise",
                          include_hidden=False, limit=comment_limit)
    return OfficerComponent(
        officer.id, officer.identifier, officer.name, chosen.id, chosen.code, chosen.name,
        officer.unit_id, period, score, previous, score_change(score, previous),
        tuple(weakest_comments), tuple(praise),
        units=tuple((u.id, u.code, u.name, n) for u, n in units))


def _ranked_in_unit(items: list[OfficerComponent]) -> list[OfficerComponent]:
    """Inside one unit: officers with enough ratings by adjusted score (highest first),
    numbered; then those below the minimum by name, never numbered."""
    from dataclasses import replace

    ranked = sorted((i for i in items if i.enough), key=lambda i: (-i.score.adjusted, i.name))
    rest = sorted((i for i in items if not i.enough), key=lambda i: i.name)
    return [replace(item, rank=place) for place, item in enumerate(ranked, start=1)] + rest


def officer_components(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    settings: ComponentSettings,
    *,
    include_inactive: bool = False,
) -> list[OfficerComponent]:
    """Per unit (by unit code), the components of the officers rated in it during the
    period and of its own officers: ranked inside the unit only (``rank``), never across
    units. An officer rated in two units appears under each, with that unit's ratings."""
    units = units_by_id(session, unit_ids)
    if not units:
        return []
    cells = unit_cells(session, list(units), period, settings)
    previous = unit_cells(session, list(units), period.previous(), settings)
    wanted: dict[int, set[int]] = {u: cells[u].officer_ids() for u in units}
    officer_ids = set().union(*wanted.values())
    query = select(Officer).where(or_(Officer.unit_id.in_(list(units)),
                                      among(Officer.id, officer_ids)))
    if not include_inactive:
        query = query.where(Officer.active.is_(True))
    officers = {o.id: o for o in session.scalars(query)}
    for officer in officers.values():
        if officer.unit_id in wanted:
            wanted[officer.unit_id].add(officer.id)
    results: list[OfficerComponent] = []
    for unit in sorted(units.values(), key=lambda u: (u.code, u.id)):
        items = []
        for officer_id in wanted[unit.id]:
            officer = officers.get(officer_id)
            if officer is None:
                continue
            score = officer_score(cells[unit.id], officer_id, settings)
            before = officer_score(previous[unit.id], officer_id, settings)
            items.append(OfficerComponent(
                officer.id, officer.identifier, officer.name, unit.id, unit.code, unit.name,
                officer.unit_id, period, score, before, score_change(score, before)))
        results.extend(_ranked_in_unit(items))
    return results


def group_by_unit(components: Sequence[OfficerComponent]
                  ) -> list[tuple[str, str, list[OfficerComponent]]]:
    """(unit code, unit name, its officers) in the order given: what lists show."""
    groups: dict[int, tuple[str, str, list[OfficerComponent]]] = {}
    for item in components:
        groups.setdefault(item.unit_id, (item.unit_code, item.unit_name, []))[2].append(item)
    return list(groups.values())
