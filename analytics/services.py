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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import select, text
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
from analytics.models import CommentDaily
from analytics.officers import (
    ComponentScore,
    OfficerTotals,
    component,
    totals_from_answers,
    unit_reference,
)
from analytics.settings import ComponentSettings
from analytics.settings import current as current_settings
from core.models import Department, Officer, Unit
from survey.elements import COMPLAINT_CATEGORIES, ELEMENT_CODES, ELEMENTS_BY_CODE, OFFICER_ELEMENTS
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


@dataclass(frozen=True)
class UnitIkm:
    """A unit's IKM for a period with its sample against the Krejcie–Morgan minimum."""

    unit_id: int
    unit_code: str
    unit_name: str
    period: Period
    result: IkmResult
    sample: SampleInfo

    def as_dict(self) -> dict[str, Any]:
        return {
            "unit": {"code": self.unit_code, "name": self.unit_name},
            "period": self.period.as_dict(),
            **self.result.as_dict(),
            "minimum_sample": self.sample.as_dict(),
        }


def _unit_ikm(unit: Unit, period: Period, row) -> UnitIkm:
    respondents, totals = agg.ikm_totals(row or agg.empty_row())
    result = compute_ikm(respondents, totals)
    return UnitIkm(unit.id, unit.code, unit.name, period, result,
                   sample_info(respondents, unit.annual_population))


def unit_ikm(session: Session, unit: Unit, period: Period) -> UnitIkm:
    """The unit's IKM (all its ratings, flagged ones included) for the period."""
    rows = agg.summed(session, period.start, period.end, unit_ids=[unit.id],
                      columns=agg.IKM_COLUMNS)
    return _unit_ikm(unit, period, rows[0] if rows else None)


def units_ikm(session: Session, units: Sequence[Unit], period: Period) -> list[UnitIkm]:
    """Many units' IKM in one query, in the order given."""
    rows = agg.summed(session, period.start, period.end, unit_ids=[u.id for u in units],
                      group_by=["unit_id"], columns=agg.IKM_COLUMNS)
    by_unit = {row["unit_id"]: row for row in rows}
    return [_unit_ikm(unit, period, by_unit.get(unit.id)) for unit in units]


def ikm_of_units(session: Session, unit_ids: Iterable[int], period: Period) -> IkmResult:
    """The IKM of all these units' ratings taken together (a department, a service)."""
    rows = agg.summed(session, period.start, period.end, unit_ids=list(unit_ids),
                      columns=agg.IKM_COLUMNS)
    return compute_ikm(*agg.ikm_totals(rows[0] if rows else agg.empty_row()))


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
             .where(Rating.service_day.between(period.start, period.end))
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
                      group_by=["unit_id"], bucket=freq, columns=agg.IKM_COLUMNS)
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
    """A comment as shown to staff: never the citizen's contact details."""

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

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "category": self.category,
                "element": self.element, "status": self.status,
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
    limit: int | None = 200,
) -> list[CommentView]:
    """Comments left in the period (by local day of the unit), newest first."""
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
    found = []
    for comment, zone in session.execute(query):
        if not period.start <= _local_day(comment.created_at, zone) <= period.end:
            continue
        found.append(CommentView(comment.id, comment.kind, comment.text, comment.category,
                                 comment.element, comment.status, comment.unit_id,
                                 comment.officer_id, comment.created_at, comment.due_on,
                                 comment.resolved_at))
        if limit is not None and len(found) >= limit:
            break
    return found


# --- officers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerComponent:
    """An officer's component for a period, with its evidence and every setting it used.

    ``score.enough`` false → show "belum cukup penilaian" (``score.band_label``), no number."""

    officer_id: int
    identifier: str
    name: str
    unit_id: int
    unit_code: str
    period: Period
    score: ComponentScore
    previous: ComponentScore | None = None
    # Change of the raw score against the previous period of equal length (both enough).
    trend: Decimal | None = None
    weakest_comments: tuple[CommentView, ...] = ()
    praise: tuple[CommentView, ...] = ()

    @property
    def settings(self) -> ComponentSettings:
        return self.score.settings

    @property
    def enough(self) -> bool:
        return self.score.enough

    def as_dict(self) -> dict[str, Any]:
        return {
            "officer": {"identifier": self.identifier, "name": self.name,
                        "unit": self.unit_code},
            "period": self.period.as_dict(),
            **self.score.as_dict(),
            "previous_period": None if self.previous is None else {
                **self.period.previous().as_dict(), "n": self.previous.n,
                "raw": float(self.previous.raw)
                if self.previous.enough and self.previous.raw is not None else None,
            },
            "trend": None if self.trend is None else float(self.trend),
            "weakest_element_comments": [c.as_dict() for c in self.weakest_comments],
            "praise": [c.as_dict() for c in self.praise],
        }


def _uses_aggregates(settings: ComponentSettings) -> bool:
    return tuple(settings.elements) == OFFICER_ELEMENTS and settings.include_custom_questions


def _raw_officer_totals(
    session: Session, period: Period, settings: ComponentSettings, *,
    officer_ids=None, unit_ids=None, counted_only: bool,
) -> dict[int, OfficerTotals]:
    """Totals from raw ratings: only when the settings differ from what aggregates keep."""
    query = select(Rating).where(Rating.service_day.between(period.start, period.end))
    if officer_ids is not None:
        query = query.where(Rating.officer_id.in_(list(officer_ids) or [-1]))
    if unit_ids is not None:
        query = query.where(Rating.unit_id.in_(list(unit_ids) or [-1]))
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
    grouped: dict[int, list] = defaultdict(list)
    for rating in ratings:
        if counted_only and not rating.counts_for_officer:
            continue
        key = rating.officer_id if officer_ids is not None else rating.unit_id
        grouped[key].append((rating.answers(), custom.get(rating.id, [])))
    return {key: totals_from_answers(items, settings) for key, items in grouped.items()}


def _officer_totals(session: Session, officer_ids: list[int], period: Period,
                    settings: ComponentSettings) -> dict[int, OfficerTotals]:
    if not _uses_aggregates(settings):
        return _raw_officer_totals(session, period, settings, officer_ids=officer_ids,
                                   counted_only=True)
    rows = agg.summed(session, period.start, period.end, officer_ids=officer_ids,
                      counted_only=True, group_by=["officer_id"], columns=agg.OFFICER_COLUMNS)
    return {row["officer_id"]: agg.officer_totals(row) for row in rows}


def _unit_references(session: Session, unit_ids: list[int], period: Period,
                     settings: ComponentSettings) -> dict[int, Fraction | None]:
    """Each unit's score on the component's elements, all its ratings, same period."""
    if not _uses_aggregates(settings):
        totals = _raw_officer_totals(session, period, settings, unit_ids=unit_ids,
                                     counted_only=False)
    else:
        rows = agg.summed(session, period.start, period.end, unit_ids=unit_ids,
                          group_by=["unit_id"], columns=agg.OFFICER_COLUMNS)
        totals = {row["unit_id"]: agg.officer_totals(row) for row in rows}
    return {unit_id: unit_reference(totals[unit_id]) if unit_id in totals else None
            for unit_id in unit_ids}


def _components(session: Session, officers: Sequence[Officer], period: Period,
                settings: ComponentSettings) -> dict[int, ComponentScore]:
    ids = [o.id for o in officers]
    totals = _officer_totals(session, ids, period, settings)
    references = _unit_references(session, sorted({o.unit_id for o in officers}), period,
                                  settings)
    return {o.id: component(totals.get(o.id, OfficerTotals()), references[o.unit_id], settings)
            for o in officers}


def _trend(current: ComponentScore, previous: ComponentScore | None) -> Decimal | None:
    if previous is None or not (current.enough and previous.enough):
        return None
    return current.raw - previous.raw


def officer_component(
    session: Session,
    officer: Officer,
    period: Period,
    settings: ComponentSettings | None = None,
    *,
    evidence: bool = True,
    comment_limit: int = 20,
) -> OfficerComponent:
    """One officer's component for the period, the previous period's for the trend, and
    (with ``evidence``) the comments about the weakest element and the praise."""
    settings = settings or current_settings()
    score = _components(session, [officer], period, settings)[officer.id]
    previous = _components(session, [officer], period.previous(), settings)[officer.id]
    weakest_comments: list[CommentView] = []
    praise: list[CommentView] = []
    if evidence:
        if score.weakest_element in ELEMENTS_BY_CODE:
            weakest_comments = comments(session, None, period, officer_id=officer.id,
                                        element=score.weakest_element, limit=comment_limit)
        praise = comments(session, None, period, officer_id=officer.id, kind="praise",
                          limit=comment_limit)
    return OfficerComponent(officer.id, officer.identifier, officer.name, officer.unit_id,
                            officer.unit.code, period, score, previous,
                            _trend(score, previous), tuple(weakest_comments), tuple(praise))


def officer_components(
    session: Session,
    unit_ids: Iterable[int] | None,
    period: Period,
    settings: ComponentSettings | None = None,
    *,
    include_inactive: bool = False,
) -> list[OfficerComponent]:
    """The officers of these units, ranked: officers with enough ratings first by adjusted
    score (highest first), then those below the minimum by name — never ranked by number."""
    settings = settings or current_settings()
    query = select(Officer).join(Unit, Unit.id == Officer.unit_id)
    if unit_ids is not None:
        query = query.where(Officer.unit_id.in_(list(unit_ids) or [-1]))
    if not include_inactive:
        query = query.where(Officer.active.is_(True))
    officers = list(session.scalars(query))
    if not officers:
        return []
    scores = _components(session, officers, period, settings)
    previous = _components(session, officers, period.previous(), settings)
    results = [
        OfficerComponent(o.id, o.identifier, o.name, o.unit_id, o.unit.code, period,
                         scores[o.id], previous[o.id], _trend(scores[o.id], previous[o.id]))
        for o in officers
    ]
    ranked = sorted((r for r in results if r.enough),
                    key=lambda r: (-r.score.adjusted, r.name))
    rest = sorted((r for r in results if not r.enough), key=lambda r: r.name)
    return ranked + rest


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
    rows = agg.summed(session, start, end, unit_ids=[unit_id], columns=columns)
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
    "comments", "complaint_backlog", "complaint_counts", "department_ikm",
    "element_frame", "follow_up_effects", "ikm_of_units", "ikm_series", "officer_component",
    "officer_components", "parse_date", "parse_period", "respondent_profile", "round_half_up",
    "service_ikm", "unit_ikm", "units_ikm",
]
