"""What each dashboard page shows, assembled from the query modules (``ikm_read``,
``officers_read``, ``comment_read``, ``complaint_trends``, which own every number) for a user's
scope: the head's dashboard, an officer's component with its evidence, the comments drill-down
and the public results. No IKM or component math lives here.

Scope is applied in the queries: every service call gets the unit ids the user may see
(``core.auth.visible_unit_ids``), never the whole table filtered afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import charts, comment_read, complaint_trends, ikm_read, officers_read, periods
from analytics.ikm import IkmResult
from analytics.ikm_read import UnitIkm
from analytics.models import DailyAggregate
from analytics.officers import CUSTOM
from analytics.officers_read import OfficerComponent
from analytics.periods import NotFound, Period
from analytics.settings import ComponentSettings
from core.auth import visible_unit_ids
from core.models import Department, Officer, Unit, User
from core.scope import among, within
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES, ELEMENTS_BY_CODE
from survey.models import COMMENT_TAGS as TAG_ORDER
from survey.models import Comment

# --- periods ----------------------------------------------------------------------------

PRESETS = {
    "bulan": _l("Bulan ini"),
    "kuartal": _l("Kuartal ini"),
    "tahun": _l("Tahun ini"),
    "90-hari": _l("90 hari terakhir"),
}
PUBLIC_PRESETS = {
    "tahun": _l("Tahun ini"),
    "kuartal": _l("Kuartal ini"),
    "tahun-lalu": _l("Tahun lalu"),
}


def preset_period(preset: str, today: date) -> Period:
    if preset == "bulan":
        return Period(today.replace(day=1), today)
    if preset == "kuartal":
        return Period(today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today)
    if preset == "tahun":
        return Period(today.replace(month=1, day=1), today)
    if preset == "tahun-lalu":
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    return Period(today - timedelta(days=89), today)


@dataclass(frozen=True)
class PeriodChoice:
    period: Period
    preset: str | None  # None: dates chosen by hand

    @property
    def args(self) -> dict[str, str]:
        """Query arguments that ask for this period again (for links between pages)."""
        if self.preset:
            return {"periode": self.preset}
        return {"from": self.period.start.isoformat(), "to": self.period.end.isoformat()}


def choose_period(args: Mapping[str, str], today: date, default: str = "90-hari",
                  presets: Iterable[str] = PRESETS) -> PeriodChoice:
    """The period a page asked for: ``from``/``to`` if given (checked by the services'
    rules: malformed or reversed → ``PeriodError``), else a preset, else ``default``."""
    if args.get("from") or args.get("to"):
        return PeriodChoice(periods.parse_period(args.get("from"), args.get("to"), today=today),
                            None)
    preset = args.get("periode")
    preset = preset if preset in set(presets) else default
    return PeriodChoice(preset_period(preset, today), preset)


def frequency(period: Period) -> str:
    """Days for a month, weeks up to half a year, months beyond: enough points, each with
    enough ratings to mean something."""
    if period.days <= 31:
        return "D"
    return "W" if period.days <= 183 else "M"


# --- scope ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """The units a user may see (by name), and the one picked in the filter, if any."""

    units: tuple[Unit, ...]
    selected: Unit | None

    @property
    def unit_ids(self) -> list[int]:
        """What every service call is limited to (the picked unit, else all visible)."""
        return [self.selected.id] if self.selected else [u.id for u in self.units]

    @property
    def names(self) -> dict[int, str]:
        return {u.id: u.name for u in self.units}

    @property
    def zones(self) -> dict[int, str]:
        return {u.id: u.timezone for u in self.units}


def scope_for(session: Session, user: User, unit_id: int | None = None) -> Scope:
    """The user's units; a ``unit_id`` outside them is ``NotFound`` (its existence is not
    confirmed to someone who may not see it)."""
    visible = visible_unit_ids(session, user)
    query = select(Unit).order_by(Unit.name)
    query = within(query, Unit.id, visible)
    units = tuple(session.scalars(query))
    selected = None
    if unit_id is not None:
        selected = next((u for u in units if u.id == unit_id), None)
        if selected is None:
            raise NotFound("Unit tidak ditemukan.")
    return Scope(units, selected)


# --- labels -----------------------------------------------------------------------------

# The SKM perception scale (nilai persepsi 1–4), common to every element.
ANSWER_SCALE = (_l("tidak baik"), _l("kurang baik"), _l("baik"), _l("sangat baik"))

CUSTOM_NAME = _l("Pertanyaan kantor tentang petugas")

# A weak element points to a development action (evaluation.md): development first.
DEVELOPMENT_ACTIONS = {
    "U1": _l("Biasakan menjelaskan persyaratan secara lengkap sejak awal (gunakan daftar "
             "periksa persyaratan), agar warga tidak perlu bolak-balik."),
    "U2": _l("Pendampingan alur prosedur: pandu warga langkah demi langkah dan pastikan "
             "mereka tahu langkah berikutnya."),
    "U3": _l("Pelatihan manajemen waktu layanan dan penguasaan aplikasi; tinjau pembagian "
             "antrean loket bersama atasan."),
    "U4": _l("Tegaskan standar biaya/tarif resmi (termasuk layanan yang gratis) kepada warga; "
             "pembinaan integritas pelayanan."),
    "U5": _l("Periksa ulang hasil layanan sebelum diserahkan (kendali mutu produk layanan)."),
    "U6": _l("Pelatihan teknis dan pengetahuan produk layanan, dengan pendampingan oleh "
             "petugas senior."),
    "U7": _l("Pelatihan komunikasi pelayanan dan etika pelayanan publik (keramahan, "
             "kesopanan, empati)."),
    "U8": _l("Pelatihan penanganan pengaduan: menerima, mencatat dan menindaklanjuti "
             "keluhan warga."),
    "U9": _l("Sampaikan kebutuhan perbaikan sarana dan prasarana kepada atasan; jaga kerapian "
             "dan kenyamanan loket."),
    CUSTOM: _l("Bahas hasil pertanyaan kantor tentang petugas bersama atasan langsung."),
}


def element_name(code: str | None) -> str:
    if code == CUSTOM:
        return str(CUSTOM_NAME)
    element = ELEMENTS_BY_CODE.get(code or "")
    return element.name if element else (code or "")


def category_labels(locale: str = "id") -> dict[str, str]:
    return {code: (label_en if locale == "en" else label_id)
            for code, (_element, label_id, label_en) in COMPLAINT_CATEGORIES.items()}


def kind_labels(locale: str = "id") -> dict[str, str]:
    return {code: (en if locale == "en" else id_) for code, (id_, en) in COMMENT_KINDS.items()}


def elements_frame(result: IkmResult) -> pd.DataFrame:
    """An IKM result's elements as the frame ``charts.element_bars`` draws (weakest first)."""
    return pd.DataFrame.from_records(
        [{"code": e.code, "name": e.name, "converted": float(e.converted),
          "category": e.category, "answers": e.answers} for e in result.elements],
        columns=["code", "name", "converted", "category", "answers"])


# --- the head's dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class Backlog:
    open: int
    overdue: int
    complaints: list[Comment]  # open ones, overdue first (at most ``limit``)


@dataclass(frozen=True)
class HeadDashboard:
    scope: Scope
    period: Period
    overall: IkmResult
    units: list[UnitIkm]
    officers: list[OfficerComponent]  # by unit, ranked inside each unit only
    backlog: Backlog
    complaint_totals: list[tuple[str, int]]  # category, count in the period
    effects: list[complaint_trends.FollowUpEffect]
    figures: dict[str, str] = field(default_factory=dict)
    flagged_excluded: int = 0  # flagged ratings left out of every number on the page
    # Per unit: the period's share of comments (0–1) per tag, and how many comments.
    topics_by_unit: list[UnitTopics] = field(default_factory=list)

    @property
    def officer_groups(self) -> list[tuple[str, str, list[OfficerComponent]]]:
        """(unit code, unit name, officers): one table per unit, never one ranked list."""
        return officers_read.group_by_unit(self.officers)


@dataclass(frozen=True)
class UnitTopics:
    unit_id: int
    name: str
    comments: int
    shares: dict[str, float]


def topics_by_unit(topics: pd.DataFrame, names: Mapping[int, str]) -> list[UnitTopics]:
    """Each unit's share of comments per tag over the whole period."""
    if topics.empty:
        return []
    totals = topics.drop_duplicates(["unit_id", "week"]).groupby("unit_id")["total"].sum()
    tags = topics[topics["kind"] == "tag"].groupby(["unit_id", "topic"])["count"].sum()
    return [UnitTopics(int(unit_id), names.get(int(unit_id), ""), int(total),
                       {str(tag): float(tags[(unit_id, tag)]) / float(total)
                        for tag in TAG_ORDER if (unit_id, tag) in tags.index})
            for unit_id, total in totals.items()]


def _backlog(session: Session, user: User, scope: Scope, today: date, limit: int) -> Backlog:
    from survey.complaints import Filters, is_overdue, list_complaints

    counts = complaint_trends.complaint_backlog(session, scope.unit_ids, today=today)
    rows, _total = list_complaints(
        session, user, Filters(unit_id=scope.selected.id if scope.selected else None),
        today=today, limit=limit)
    open_rows = [c for c in rows if c.status != "selesai"]
    # Overdue first (the follow-up pages' order puts open ones first, by due day).
    open_rows.sort(key=lambda c: (not is_overdue(c, today), c.due_on or date.max, c.id))
    return Backlog(int(counts["open"].sum()) if not counts.empty else 0,
                   int(counts["overdue"].sum()) if not counts.empty else 0, open_rows)


def head_dashboard(session: Session, user: User, scope: Scope, period: Period, *,
                   today: date, words: charts.Words, settings: ComponentSettings,
                   locale: str = "id", complaint_limit: int = 15) -> HeadDashboard:
    from survey.moderation import TAG_LABELS, tag_untagged_comments

    ids = scope.unit_ids
    units = list(scope.units if scope.selected is None else (scope.selected,))
    tag_untagged_comments(session, unit_ids=ids)
    topics = comment_read.comment_topics(session, ids, period)
    overall = ikm_read.ikm_of_units(session, ids, period)
    per_unit = ikm_read.units_ikm(session, units, period)
    series = ikm_read.ikm_series(session, ids, period, freq=frequency(period))
    counts = complaint_trends.complaint_counts(session, ids, period,
                                       freq="W" if period.days <= 183 else "M")
    labels = category_labels(locale)
    totals: list[tuple[str, int]] = []
    if not counts.empty:
        summed = counts.groupby("category")["count"].sum().sort_values(ascending=False)
        totals = [(str(c), int(n)) for c, n in summed.items()]
    figures = {
        "ikm_trend": charts.figure_json(charts.ikm_trend(series, words)),
        "elements": charts.figure_json(charts.element_bars(elements_frame(overall), words)),
        "complaint_trend": charts.figure_json(charts.complaint_trend(counts, labels, words)),
        "complaints_by_unit": charts.figure_json(
            charts.complaints_by_unit(counts, scope.names, labels, words)),
        "topic_tags": charts.figure_json(charts.topic_shares(
            topics[topics["kind"] == "tag"], {t: str(TAG_LABELS[t]) for t in TAG_ORDER},
            words)),
        "topic_categories": charts.figure_json(charts.topic_shares(
            topics[topics["kind"] == "category"], labels, words)),
    }
    return HeadDashboard(
        scope=scope,
        period=period,
        overall=overall,
        units=per_unit,
        officers=officers_read.officer_components(session, ids, period, settings),
        backlog=_backlog(session, user, scope, today, complaint_limit),
        complaint_totals=totals,
        effects=complaint_trends.follow_up_effects(session, ids, period),
        figures=figures,
        flagged_excluded=ikm_read.flagged_excluded(session, ids, period),
        topics_by_unit=topics_by_unit(topics, scope.names),
    )


# --- comments drill-down ----------------------------------------------------------------


@dataclass(frozen=True)
class CommentRow:
    comment: comment_read.CommentView
    unit_name: str
    officer_name: str | None


def comment_rows(session: Session, scope: Scope, period: Period, *,
                 element: str | None = None, category: str | None = None,
                 kind: str | None = None, tag: str | None = None,
                 show_profanity: bool = False, limit: int = 200) -> list[CommentRow]:
    """Comments of the scope's units in the period, without the citizen's contact details
    (evaluation.md): those are shown only on the follow-up page, to the people who act.
    Personal data in the text is masked; profanity too unless ``show_profanity``. Comments
    not tagged yet are tagged first (survey.moderation)."""
    from survey.moderation import tag_untagged_comments

    tag_untagged_comments(session, unit_ids=scope.unit_ids)
    found = comment_read.comments(session, scope.unit_ids, period, element=element,
                              category=category, kind=kind, tag=tag,
                              show_profanity=show_profanity, limit=limit)
    officer_ids = {c.officer_id for c in found if c.officer_id is not None}
    officers = dict(session.execute(
        select(Officer.id, Officer.name).where(among(Officer.id, officer_ids))).all())
    names = scope.names
    return [CommentRow(c, names.get(c.unit_id, ""), officers.get(c.officer_id)) for c in found]


# --- an officer's page ------------------------------------------------------------------


def officer_in_scope(session: Session, user: User, officer_id: int
                     ) -> tuple[Officer, set[int] | None]:
    """The officer and the units whose ratings of them the user may see (``None``: all).

    Scope follows the unit a rating was given in (an officer who moved keeps each unit's
    history with that unit): an officer sees their own, in every unit; a head or a
    supervisor sees what was given in their units, so an officer rated there once stays
    visible to them after moving, and the new head sees only what the new units gave.
    Anything else is ``NotFound``, like an officer that does not exist."""
    from core.models import Role

    officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotFound("Petugas tidak ditemukan.")
    if user.role == Role.OFFICER.value:
        if user.officer_id != officer.id:
            raise NotFound("Petugas tidak ditemukan.")
        return officer, None
    visible = visible_unit_ids(session, user)
    if visible is None:
        return officer, None
    if officer.unit_id in visible:
        return officer, visible
    rated_in = set(session.scalars(
        select(DailyAggregate.unit_id).where(DailyAggregate.officer_id == officer.id,
                                             among(DailyAggregate.unit_id, visible))
        .distinct()))
    if not rated_in:
        raise NotFound("Petugas tidak ditemukan.")
    return officer, visible


@dataclass(frozen=True)
class OfficerPage:
    officer: Officer
    component: OfficerComponent
    weakest_name: str | None
    development_action: str | None
    figures: dict[str, str]
    # The unit's own IKM, shown beside: the unit's matter, never in the officer's band.
    unit_result: UnitIkm | None = None


def officer_page(session: Session, officer: Officer, period: Period, *,
                 words: charts.Words, settings: ComponentSettings,
                 unit_ids: Iterable[int] | None = None,
                 unit_id: int | None = None) -> OfficerPage:
    component = officers_read.officer_component(session, officer, period, settings,
                                                unit_ids=unit_ids, unit_id=unit_id)
    score = component.score
    figures = {}
    # Below the minimum there is no distribution to draw: it would reveal the score.
    if score.enough and score.distribution:
        names = {code: element_name(code) for code in score.distribution}
        figures["distribution"] = charts.figure_json(charts.answer_distribution(
            score.distribution, names, [str(label) for label in ANSWER_SCALE], words))
    weakest = score.weakest_element if score.enough else None
    unit = session.get(Unit, component.unit_id)
    return OfficerPage(officer, component, element_name(weakest) if weakest else None,
                       str(DEVELOPMENT_ACTIONS[weakest]) if weakest in DEVELOPMENT_ACTIONS
                       else None, figures, ikm_read.units_ikm(session, [unit], period)[0])


# --- public results ---------------------------------------------------------------------


@dataclass(frozen=True)
class PublicDepartment:
    name: str
    units: list[UnitIkm]


def public_index(session: Session, period: Period) -> list[PublicDepartment]:
    """Every published unit's IKM for the period, by department: unit-level numbers only."""
    units = list(session.scalars(
        select(Unit).join(Department, Department.id == Unit.department_id)
        .where(Unit.published.is_(True)).order_by(Department.name, Unit.name)))
    results = ikm_read.units_ikm(session, units, period)
    departments: dict[str, list[UnitIkm]] = {}
    for unit, result in zip(units, results, strict=True):
        departments.setdefault(unit.department.name, []).append(result)
    return [PublicDepartment(name, rows) for name, rows in departments.items()]


def public_unit(session: Session, unit: Unit, period: Period) -> UnitIkm:
    return ikm_read.unit_ikm(session, unit, period)


__all__ = [
    "Backlog", "CommentRow", "UnitTopics", "DEVELOPMENT_ACTIONS", "HeadDashboard", "OfficerPage",
    "PRESETS", "PUBLIC_PRESETS", "PeriodChoice", "PublicDepartment", "Scope",
    "category_labels", "choose_period", "comment_rows", "element_name", "elements_frame",
    "frequency", "head_dashboard", "kind_labels", "officer_in_scope", "officer_page",
    "preset_period", "public_index", "public_unit", "scope_for",
]
