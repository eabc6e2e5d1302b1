"""Analytics without HTTP: a unit's, a department's or many units' IKM for a period, officers'
components with their evidence, and complaint trends. Functions take a session and plain
arguments and return dataclasses (or pandas DataFrames for series); views, the API, the CLI
and the exports only present them.

Reads go to the daily aggregates (units × days), never over all ratings; only the evidence
of one officer (comments) and the exports read individual rows.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics.ikm import (
    SCALE,
    IkmResult,
    SampleInfo,
    compute_ikm,
    convert,
    round_half_up,
    sample_info,
)
from analytics.models import CommentDaily, DailyAggregate
from analytics.officers import (
    CUSTOM,
    MEAN_SCALE,
    Cell,
    ComponentScore,
    cells_from_answers,
    component,
)
from analytics.settings import ComponentSettings
from analytics.settings import current as current_settings
from core.models import Department, Officer, Unit
from survey.elements import (
    COMPLAINT_CATEGORIES,
    ELEMENT_CODES,
    ELEMENTS_BY_CODE,
    OFFICER_ELEMENTS,
)
from survey.models import (
    OPEN_CONDITION,
    Comment,
    CustomAnswer,
    QrCode,
    Question,
    Rating,
)

MAX_PERIOD_DAYS = 731  # two years (one leap day included)
# Dates outside this range are typing mistakes, and far ones would overflow date arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


# --- errors and periods -----------------------------------------------------------------


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


# --- unit and department IKM --------------------------------------------------------------
# Flagged ratings (not cleared) count nowhere: not in any IKM, series or element score. Each
# result says how many it left out; a head's clearing brings them in (docs/integrity.md).


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
    """How many ratings of these units in the period were entered from paper forms."""
    from sqlalchemy import func

    query = select(func.count()).select_from(Rating).where(
        Rating.service_day.between(period.start, period.end), Rating.channel == "paper")
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(list(unit_ids) or [-1]))
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
        DailyAggregate.unit_id.in_(list(unit_ids) or [-1]), DailyAggregate.flagged == 1)
    return int(session.scalar(query) or 0)


def department_ikm(session: Session, department: Department, period: Period) -> IkmResult:
    unit_ids = session.scalars(select(Unit.id).where(Unit.department_id == department.id))
    return ikm_of_units(session, list(unit_ids), period)


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
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(list(unit_ids) or [-1]))
    results = []
    for service_type, respondents, *sums in session.execute(query):
        totals = {code: (int(sums[2 * i]), int(sums[2 * i + 1]))
                  for i, code in enumerate(ELEMENT_CODES)}
        results.append(ServiceIkm(service_type, compute_ikm(int(respondents), totals)))
    return sorted(results, key=lambda r: (-r.result.respondents, r.service_type or ""))


def _bucket_start(day: date, freq: str) -> date:
    if freq == "D":
        return day
    if freq == "W":
        return day - timedelta(days=day.weekday())
    if freq == "M":
        return day.replace(day=1)
    raise ValueError("freq must be 'D', 'W' or 'M'")


def _units_by_id(session: Session, unit_ids: Iterable[int] | None) -> dict[int, Unit]:
    query = select(Unit)
    if unit_ids is not None:
        query = query.where(Unit.id.in_(list(unit_ids) or [-1]))
    return {u.id: u for u in session.scalars(query)}


SERIES_COLUMNS = ["unit_id", "unit_code", "unit_name", "period_start", "respondents", "ikm",
                  "ikm_converted", "category", "label"]


def ikm_series(
    session: Session, unit_ids: Iterable[int] | None, period: Period, freq: str = "W"
) -> pd.DataFrame:
    """The IKM per unit and week ('W', weeks start Monday), month ('M') or day ('D').

    Columns: unit_id, unit_code, unit_name, period_start (date), respondents, ikm (float),
    ikm_converted (float, rounded), category, label. Buckets with no ratings are absent."""
    units = _units_by_id(session, unit_ids)
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


ELEMENT_COLUMNS = ["unit_id", "unit_code", "code", "name", "answers", "nrr", "converted",
                   "category", "rank"]


def element_frame(session: Session, unit_ids: Iterable[int] | None, period: Period
                  ) -> pd.DataFrame:
    """Each unit's elements for the period: answers, NRR, converted value, category and rank
    (1 = weakest). Elements nobody answered are absent."""
    units = _units_by_id(session, unit_ids)
    records = []
    for result in units_ikm(session, list(units.values()), period):
        for rank, element in enumerate(result.result.elements, start=1):
            records.append({
                "unit_id": result.unit_id, "unit_code": result.unit_code, "code": element.code,
                "name": element.name, "answers": element.answers, "nrr": float(element.nrr),
                "converted": float(element.converted), "category": element.category,
                "rank": rank,
            })
    return pd.DataFrame.from_records(records, columns=ELEMENT_COLUMNS)


# --- comments (drill-down and evidence) ---------------------------------------------------


@dataclass(frozen=True)
class CommentView:
    """A comment as shown to staff: never the citizen's contact details, and its text with
    personal data and profanity masked (survey/comment_text.py)."""

    id: int
    kind: str
    text: str
    category: str | None
    element: str | None
    status: str | None
    unit_id: int
    officer_id: int | None
    created_at: datetime
    due_on: date | None
    resolved_at: datetime | None
    tags: tuple[str, ...] = ()
    hidden: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "category": self.category,
                "element": self.element, "status": self.status, "tags": list(self.tags),
                "created_at": self.created_at.isoformat(),
                "due_on": self.due_on.isoformat() if self.due_on else None,
                "resolved_at": self.resolved_at.isoformat() if self.resolved_at else None}


def _utc_window(period: Period) -> tuple[datetime, datetime]:
    # Wide enough for every Indonesian zone (UTC+7…+9); callers trim by local day.
    start = datetime.combine(period.start, time.min, tzinfo=UTC) - timedelta(hours=10)
    end = datetime.combine(period.end, time.max, tzinfo=UTC) + timedelta(hours=2)
    return start, end


def _local_day(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def comments(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    *,
    officer_id: int | None = None,
    element: str | None = None,
    kind: str | None = None,
    category: str | None = None,
    tag: str | None = None,
    include_hidden: bool = True,
    show_profanity: bool = False,
    limit: int | None = 200,
) -> list[CommentView]:
    """Comments left in the period (by local day of the unit), newest first, masked.
    ``include_hidden=False`` leaves out those a head hid (the officer's evidence)."""
    from survey import comment_text, moderation

    start, end = _utc_window(period)
    query = (select(Comment, Unit.timezone).join(Unit, Unit.id == Comment.unit_id)
             .where(Comment.created_at.between(start, end))
             .order_by(Comment.created_at.desc(), Comment.id.desc()))
    if unit_ids is not None:
        query = query.where(Comment.unit_id.in_(list(unit_ids) or [-1]))
    if officer_id is not None:
        query = query.where(Comment.officer_id == officer_id)
    if element is not None:
        query = query.where(Comment.element == element)
    if kind is not None:
        query = query.where(Comment.kind == kind)
    if category is not None:
        query = query.where(Comment.category == category)
    if tag is not None:
        query = query.where(moderation.has_tag(tag))
    if not include_hidden:
        query = query.where(~moderation.is_hidden())
    chosen = []
    for comment, zone in session.execute(query):
        if not period.start <= _local_day(comment.created_at, zone) <= period.end:
            continue
        chosen.append(comment)
        if limit is not None and len(chosen) >= limit:
            break
    ids = [c.id for c in chosen]
    tags = moderation.tags_of(session, ids)
    hidden = moderation.hidden_ids(session, ids) if include_hidden else set()
    labels = moderation.mask_labels()
    return [CommentView(c.id, c.kind,
                        comment_text.mask(c.text, profanity=not show_profanity, labels=labels),
                        c.category, c.element, c.status, c.unit_id, c.officer_id, c.created_at,
                        c.due_on, c.resolved_at, tuple(t.tag for t in tags.get(c.id, ())),
                        c.id in hidden)
            for c in chosen]


TOPIC_COLUMNS = ["unit_id", "week", "kind", "topic", "count", "total", "share"]


def comment_topics(session: Session, unit_ids: Iterable[int] | None, period: Period
                   ) -> pd.DataFrame:
    """Share of comments per tag and per complaint category, by week (starting Monday, in
    each unit's own zone) and unit: ``kind`` is "tag" or "category", ``share`` = comments
    with that topic / all comments of the unit that week."""
    from survey.moderation import tag_share_rows

    start, end = _utc_window(period)
    zones = dict(session.execute(select(Unit.id, Unit.timezone)).all())
    seen: dict[tuple[int, date], set[int]] = defaultdict(set)
    counts: dict[tuple[int, date, str, str], set[int]] = defaultdict(set)
    for comment_id, unit_id, created_at, _kind, category, tag in tag_share_rows(
            session, unit_ids, start, end):
        day = _local_day(created_at, zones.get(unit_id, "Asia/Jakarta"))
        if not period.start <= day <= period.end:
            continue
        week = day - timedelta(days=day.weekday())
        seen[(unit_id, week)].add(comment_id)
        if tag is not None:
            counts[(unit_id, week, "tag", tag)].add(comment_id)
        if category:
            counts[(unit_id, week, "category", category)].add(comment_id)
    records = [{"unit_id": unit_id, "week": week, "kind": kind, "topic": topic,
                "count": len(ids), "total": len(seen[(unit_id, week)]),
                "share": len(ids) / len(seen[(unit_id, week)])}
               for (unit_id, week, kind, topic), ids in sorted(counts.items())]
    return pd.DataFrame.from_records(records, columns=TOPIC_COLUMNS)


# --- officers -------------------------------------------------------------------------------
# An officer's component is computed per unit: the ratings they were given in that unit,
# against the rest of that unit (docs/officer-component.md). An officer who moved keeps each
# unit's history with that unit; whoever may see a unit sees the components given in it.


@dataclass(frozen=True)
class UnitCells:
    """One unit's counted ratings in a period as per-day cells, per officer (0 = nobody),
    and how many flagged (not cleared) ratings each officer key had left out."""

    cells: Mapping[int, Mapping[date, Cell]]
    flagged: Mapping[int, int]

    def officer_side(self, officer_id: int) -> dict[date, Cell]:
        return dict(self.cells.get(officer_id, {}))

    def reference_side(self, officer_id: int) -> dict[date, Cell]:
        """Every other counted rating of the unit, per day: never the officer's own."""
        days: dict[date, Cell] = {}
        for key, cells in self.cells.items():
            if key == officer_id:
                continue
            for day, cell in cells.items():
                days[day] = days.get(day, Cell()) + cell
        return days

    def reference_flagged(self, officer_id: int) -> int:
        return sum(n for key, n in self.flagged.items() if key != officer_id)

    def officer_ids(self) -> set[int]:
        return {key for key in (*self.cells, *self.flagged) if key}


def _cell_of_row(row: Mapping[str, Any]) -> Cell:
    """A Cell from summed aggregate columns (standard officer elements + custom)."""
    sums: dict[str, tuple[int, int]] = {}
    distribution: dict[str, tuple[int, int, int, int]] = {}
    for code, key in ((c, c.lower()) for c in OFFICER_ELEMENTS):
        if row[f"{key}_n"]:
            sums[code] = (int(row[f"{key}_sum"]), int(row[f"{key}_n"]))
            distribution[code] = tuple(int(row[f"{key}_a{v}"]) for v in (1, 2, 3, 4))
    if row["custom_n"]:
        sums[CUSTOM] = (int(row["custom_sum"]), int(row["custom_n"]))
        distribution[CUSTOM] = tuple(int(row[f"custom_a{v}"]) for v in (1, 2, 3, 4))
    return Cell(int(row["officer_ratings"]), Fraction(int(row["officer_mean_sum"]), MEAN_SCALE),
                sums, distribution)


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
        cell = _cell_of_row(row)
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
                                 Rating.unit_id.in_(unit_ids or [-1]))
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


def officer_score(cells: UnitCells, officer_id: int, settings: ComponentSettings
                  ) -> ComponentScore:
    return component(cells.officer_side(officer_id), cells.reference_side(officer_id),
                     settings, flagged_excluded=cells.flagged.get(officer_id, 0),
                     reference_flagged_excluded=cells.reference_flagged(officer_id))


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


def _trend(current: ComponentScore, previous: ComponentScore | None) -> Decimal | None:
    if previous is None or current.raw is None or previous.raw is None:
        return None
    return current.raw - previous.raw


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
    units = _units_by_id(session, counts)
    return sorted(((units[u], n) for u, n in counts.items() if u in units),
                  key=lambda item: (-item[1], item[0].id != officer.unit_id, item[0].code))


def officer_component(
    session: Session,
    officer: Officer,
    period: Period,
    settings: ComponentSettings | None = None,
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
    settings = settings or current_settings()
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
        officer.unit_id, period, score, previous, _trend(score, previous),
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
    settings: ComponentSettings | None = None,
    *,
    include_inactive: bool = False,
) -> list[OfficerComponent]:
    """Per unit (by unit code), the components of the officers rated in it during the
    period and of its own officers: ranked inside the unit only (``rank``), never across
    units. An officer rated in two units appears under each, with that unit's ratings."""
    settings = settings or current_settings()
    units = _units_by_id(session, unit_ids)
    if not units:
        return []
    cells = unit_cells(session, list(units), period, settings)
    previous = unit_cells(session, list(units), period.previous(), settings)
    wanted: dict[int, set[int]] = {u: cells[u].officer_ids() for u in units}
    officer_ids = set().union(*wanted.values())
    query = select(Officer).where(or_(Officer.unit_id.in_(list(units)),
                                      Officer.id.in_(officer_ids or {-1})))
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
                officer.unit_id, period, score, before, _trend(score, before)))
        results.extend(_ranked_in_unit(items))
    return results


def group_by_unit(components: Sequence[OfficerComponent]
                  ) -> list[tuple[str, str, list[OfficerComponent]]]:
    """(unit code, unit name, its officers) in the order given: what lists show."""
    groups: dict[int, tuple[str, str, list[OfficerComponent]]] = {}
    for item in components:
        groups.setdefault(item.unit_id, (item.unit_code, item.unit_name, []))[2].append(item)
    return list(groups.values())


# --- complaint trends ----------------------------------------------------------------------


COMPLAINT_COUNT_COLUMNS = ["unit_id", "unit_code", "category", "element", "period_start",
                           "count"]


def _complaint_rows(session: Session, unit_ids, start: datetime | None, end: datetime | None,
                    kinds: Sequence[str], open_only: bool = False):
    query = (select(Comment.unit_id, Comment.category, Comment.element, Comment.status,
                    Comment.created_at, Comment.due_on, Comment.resolved_at, Unit.code,
                    Unit.timezone)
             .join(Unit, Unit.id == Comment.unit_id)
             .where(Comment.kind.in_(list(kinds))))
    if unit_ids is not None:
        query = query.where(Comment.unit_id.in_(list(unit_ids) or [-1]))
    if start is not None:
        query = query.where(Comment.created_at >= start)
    if end is not None:
        query = query.where(Comment.created_at <= end)
    if open_only:
        # The partial index ix_comment_open's own condition, as a literal: with bound
        # parameters SQLite cannot prove the match and scans every complaint ever made.
        query = query.where(text(f"comment.{OPEN_CONDITION}"))
    return session.execute(query).all()


def complaint_counts(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    freq: str = "W",
    kinds: Sequence[str] = ("complaint",),
) -> pd.DataFrame:
    """Complaints per unit, category and week ('W') or month ('M'), by the unit's local day.
    Columns: unit_id, unit_code, category, element, period_start, count.

    Read from the daily comment counts (units × days × categories rows), never from the
    comments themselves, so the cost does not grow with how many complaints were made."""
    query = (select(CommentDaily.unit_id, Unit.code, CommentDaily.day, CommentDaily.category,
                    CommentDaily.count)
             .join(Unit, Unit.id == CommentDaily.unit_id)
             .where(CommentDaily.kind.in_(list(kinds)),
                    CommentDaily.day.between(period.start, period.end)))
    if unit_ids is not None:
        query = query.where(CommentDaily.unit_id.in_(list(unit_ids) or [-1]))
    counts: dict[tuple, int] = defaultdict(int)
    for unit_id, code, day, category, count in session.execute(query):
        category = category or "lainnya"
        element = COMPLAINT_CATEGORIES.get(category, (None,))[0]
        counts[(unit_id, code, category, element, _bucket_start(day, freq))] += count
    records = [dict(zip(COMPLAINT_COUNT_COLUMNS, (*key, n), strict=True))
               for key, n in sorted(counts.items(), key=lambda item: (item[0][4], item[0][1],
                                                                      item[0][2]))]
    return pd.DataFrame.from_records(records, columns=COMPLAINT_COUNT_COLUMNS)


BACKLOG_COLUMNS = ["unit_id", "unit_code", "category", "open", "overdue"]


def complaint_backlog(
    session: Session,
    unit_ids: Iterable[int] | None,
    today: date | None = None,
    kinds: Sequence[str] = ("complaint", "question"),
) -> pd.DataFrame:
    """Open (not 'selesai') and overdue (open past their due day, in the unit's zone)
    complaints and questions per unit and category, whenever they were made."""
    query_kinds = list(kinds)
    rows = _complaint_rows(session, unit_ids, None, None, query_kinds, open_only=True)
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    now = datetime.now(UTC)
    for row in rows:
        local_today = today or now.astimezone(ZoneInfo(row.timezone)).date()
        key = (row.unit_id, row.code, row.category or "lainnya")
        totals[key][0] += 1
        if row.due_on is not None and row.due_on < local_today:
            totals[key][1] += 1
    records = [dict(zip(BACKLOG_COLUMNS, (*key, o, d), strict=True))
               for key, (o, d) in sorted(totals.items(), key=lambda item: (item[0][1], item[0][2]))]
    return pd.DataFrame.from_records(records, columns=BACKLOG_COLUMNS)


@dataclass(frozen=True)
class FollowUpEffect:
    """Did the element move after the complaints of a category were resolved?

    ``resolved_on`` is the local day the last of them was resolved within the period; the
    element's converted score over ``weeks`` weeks before that day is compared with the
    ``weeks`` weeks from it on (from the aggregates)."""

    unit_id: int
    unit_code: str
    category: str
    element: str
    resolved: int
    resolved_on: date
    weeks: int
    before: Decimal | None
    after: Decimal | None
    before_answers: int
    after_answers: int

    @property
    def change(self) -> Decimal | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def as_dict(self) -> dict[str, Any]:
        def number(value):
            return None if value is None else float(value)

        return {"unit": self.unit_code, "category": self.category, "element": self.element,
                "resolved": self.resolved, "resolved_on": self.resolved_on.isoformat(),
                "weeks": self.weeks, "before": number(self.before),
                "after": number(self.after), "change": number(self.change),
                "before_answers": self.before_answers, "after_answers": self.after_answers}


def _element_score(session: Session, unit_id: int, code: str, start: date, end: date
                   ) -> tuple[Decimal | None, int]:
    columns = (f"{code.lower()}_sum", f"{code.lower()}_n")
    rows = agg.summed(session, start, end, unit_ids=[unit_id], counted_only=True,
                      columns=columns)
    row = rows[0] if rows else agg.empty_row()
    total, count = (int(row[c] or 0) for c in columns)
    return (convert(Fraction(total, count)) if count else None), count


def follow_up_effects(
    session: Session, unit_ids: Iterable[int] | None, period: Period, weeks: int = 4
) -> list[FollowUpEffect]:
    """For each unit and complaint category with complaints resolved in the period: the
    category's element before and after the follow-up (see ``FollowUpEffect``)."""
    start, end = _utc_window(period)
    query = (select(Comment.unit_id, Comment.category, Comment.element, Comment.resolved_at,
                    Unit.code, Unit.timezone)
             .join(Unit, Unit.id == Comment.unit_id)
             .where(Comment.kind == "complaint", Comment.resolved_at.between(start, end),
                    Comment.element.is_not(None)))
    if unit_ids is not None:
        query = query.where(Comment.unit_id.in_(list(unit_ids) or [-1]))
    groups: dict[tuple, list[date]] = defaultdict(list)
    for row in session.execute(query):
        day = _local_day(row.resolved_at, row.timezone)
        if period.start <= day <= period.end:
            groups[(row.unit_id, row.code, row.category, row.element)].append(day)
    effects = []
    span = timedelta(weeks=weeks)
    for (unit_id, code, category, element), days in sorted(groups.items(),
                                                           key=lambda i: (i[0][1], i[0][2])):
        pivot = max(days)
        before, before_n = _element_score(session, unit_id, element, pivot - span,
                                          pivot - timedelta(days=1))
        after, after_n = _element_score(session, unit_id, element, pivot,
                                        pivot + span - timedelta(days=1))
        effects.append(FollowUpEffect(unit_id, code, category, element, len(days), pivot, weeks,
                                      before, after, before_n, after_n))
    return effects


# --- report extras (read raw rows of one unit and period: exports, not dashboards) -----------


@dataclass(frozen=True)
class RespondentProfile:
    """Counts of the optional respondent profile answers, and of single-use-code ratings."""

    gender: dict[str, int] = field(default_factory=dict)
    age_band: dict[str, int] = field(default_factory=dict)
    education: dict[str, int] = field(default_factory=dict)
    occupation: dict[str, int] = field(default_factory=dict)
    channel: dict[str, int] = field(default_factory=dict)
    service_type: dict[str, int] = field(default_factory=dict)
    single_use_code_ratings: int = 0


def respondent_profile(session: Session, unit: Unit, period: Period) -> RespondentProfile:
    from sqlalchemy import func

    profile = RespondentProfile()
    base = [Rating.unit_id == unit.id, Rating.service_day.between(period.start, period.end)]
    for name in ("gender", "age_band", "education", "occupation", "channel", "service_type"):
        column = getattr(Rating, name)
        counts = getattr(profile, name)
        for value, n in session.execute(select(column, func.count()).where(*base)
                                        .group_by(column)):
            counts[value if value is not None else "(tidak diisi)"] = n
    single = session.scalar(select(func.count()).select_from(Rating)
                            .join(QrCode, QrCode.id == Rating.qr_code_id)
                            .where(*base, QrCode.kind == "single")) or 0
    return RespondentProfile(profile.gender, profile.age_band, profile.education,
                             profile.occupation, profile.channel, profile.service_type,
                             int(single))


__all__ = [
    "AnalyticsError", "CommentView", "FollowUpEffect", "NotFound", "OfficerComponent",
    "Period", "PeriodError", "RespondentProfile", "SCALE", "ServiceIkm", "UnitIkm",
    "comment_topics", "comments", "complaint_backlog", "complaint_counts", "department_ikm",
    "element_frame", "follow_up_effects", "ikm_of_units", "ikm_series", "officer_component",
    "officer_components", "parse_date", "parse_period", "respondent_profile", "round_half_up",
    "service_ikm", "unit_ikm", "units_ikm",
]
