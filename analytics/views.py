"""Analytics pages: the department head's dashboard, an officer's component with its evidence, the
comments drill-down and the public SKM results. Thin: ``analytics.dashboard`` assembles what a
page shows, the query modules (``ikm_read``, ``officers_read``, ``comment_read``,
``complaint_trends``) compute it. The JSON API and the exports register through
``analytics.api.register_api``; ``analytics.init_app`` registers it all.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from analytics import charts, dashboard, settings, vendor
from analytics.ikm import ROUNDING_RULE_EN
from analytics.officers import BAND_LABELS
from analytics.periods import AnalyticsError, PeriodError
from core import db
from core.auth import roles_required, signed_in_user
from core.errors import error_response
from core.i18n import current_language
from core.localtime import local_day, local_today, user_zone
from core.models import Role, Unit, User
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES, ELEMENTS, ELEMENTS_BY_CODE
from survey.models import COMMENT_TAGS
from survey.moderation import TAG_LABELS, display_text, shows_profanity

blueprint = Blueprint("analytics", __name__)

ANY_SIGNED_IN = (Role.HEAD, Role.SUPERVISOR, Role.OFFICER)


_WORKER_HOOKS = None


def register_fold_hooks(fold) -> None:
    """What runs behind the request, with the fold (registering twice is harmless): each
    batch's comments are tagged, then the alert rules those ratings touch are evaluated
    (the urgent rule reads the tags); the worker's loop re-evaluates every rule (windows
    recover as time passes), writes the weekly digests and sends the outbox."""
    global _WORKER_HOOKS
    from analytics import alerts
    from survey import moderation

    fold.register_after_batch(moderation.tag_comments_of_ratings)
    fold.register_after_batch(alerts.after_fold_batch)
    if _WORKER_HOOKS is None:  # one throttled wrapper per process, registered once
        _WORKER_HOOKS = (
            alerts.every("ALERT_WORK_INTERVAL_SECONDS", 30, alerts.on_fold_tick),
            alerts.every("ALERT_DELIVERY_INTERVAL_SECONDS", 5, alerts.deliver_due),
        )
    for hook in _WORKER_HOOKS:
        fold.register_periodic(hook)


@blueprint.errorhandler(AnalyticsError)
def analytics_error(error: AnalyticsError):
    return error_response(error.status, error.message, error.code)


@blueprint.context_processor
def page_helpers():
    locale = current_language()

    def number(value, places: int = 2) -> str:
        if value is None:
            return "–"
        if isinstance(value, Fraction):
            value = Decimal(value.numerator) / Decimal(value.denominator)
        return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")

    def local_date(moment, zone: str | None = None) -> str:
        """A stored UTC moment as the day it was in the unit's zone."""
        zone = zone or current_app.config["TIMEZONE"]
        return moment.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y") if moment else ""

    def has_endpoint(name: str) -> bool:
        return name in current_app.view_functions

    def masked(text: str | None) -> str:
        """A comment's text with personal data (and, but for administrators, profanity)
        masked."""
        return display_text(text or "", signed_in_user())

    return {
        "masked": masked,
        "tag_labels": TAG_LABELS,
        "number": number,
        "local_date": local_date,
        "has_endpoint": has_endpoint,
        "plotly_placeholder_ids": vendor.PLACEHOLDER_IDS,
        "band_labels": {band: labels[1 if locale == "en" else 0]
                        for band, labels in BAND_LABELS.items()},
        "category_labels": dashboard.category_labels(locale),
        "kind_labels": dashboard.kind_labels(locale),
        "element_name": dashboard.element_name,
    }


def _user() -> User:
    user = signed_in_user()
    assert user is not None  # roles_required let us in
    return user


def _today(user: User | None = None) -> date:
    """Today where the user works (their unit's zone), else in the deployment's zone."""
    return local_today(user_zone(db.session(), user, current_app.config["TIMEZONE"]))


def _today_in(unit: Unit) -> date:
    return local_today(unit.timezone)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


def _choice(name: str, allowed) -> str | None:
    value = request.args.get(name)
    return value if value in allowed else None


def _words() -> charts.Words:
    english = current_language() == "en"
    return charts.Words(
        empty=_("Belum ada data pada periode ini"),
        ikm_axis=_("IKM (25–100)"),
        period_axis=_("Periode"),
        respondents=_("responden"),
        answers=_("jawaban"),
        complaints=_("pengaduan"),
        category=_("Mutu"),
        share=_("bagian dari komentar"),
        decimal="." if english else ",",
        thousands="," if english else ".",
    )


def _period_or_default(presets, default: str, today: date):
    """The requested period; a malformed one falls back to the default with a message."""
    try:
        return dashboard.choose_period(request.args, today, default, presets), None
    except PeriodError as exc:
        return dashboard.choose_period({}, today, default, presets), exc.message


# --- the department head's dashboard -----------------------------------------------------


class StaffRequest(NamedTuple):
    """What every staff page starts from: the user, today in their zone, the period asked
    for (or the default, with the reason) and their scope (the unit filter checked)."""

    user: User
    today: date
    choice: dashboard.PeriodChoice
    period_error: str | None
    scope: dashboard.Scope


def _staff_request() -> StaffRequest:
    user = _user()
    today = _today(user)
    choice, period_error = _period_or_default(dashboard.PRESETS, "90-hari", today)
    return StaffRequest(user, today, choice, period_error,
                        dashboard.scope_for(db.session(), user, _int_arg("unit")))


# "analytics.dashboard": where the accounts area sends heads and supervisors after sign-in.
@blueprint.get("/dasbor/", endpoint="dashboard")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def dashboard_page():
    r = _staff_request()
    session = db.session()
    component_settings = settings.current()
    data = dashboard.head_dashboard(session, r.user, r.scope, r.choice.period,
                                    today=r.today, words=_words(), settings=component_settings,
                                    locale=current_language())
    session.commit()  # the tags computed for comments read the first time
    from analytics.alerts import open_count  # alerts: the open-alert tile

    open_alerts = open_count(session, r.scope.unit_ids)
    return render_template("analytics/dashboard.html", data=data, choice=r.choice,
                           period_error=r.period_error, today=r.today,
                           presets=dashboard.PRESETS, component_settings=component_settings,
                           open_alerts=open_alerts)


@blueprint.get("/dasbor/komentar")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def comments():
    r = _staff_request()
    scope, choice = r.scope, r.choice
    element = _choice("element", ELEMENTS_BY_CODE)
    category = _choice("category", COMPLAINT_CATEGORIES)
    kind = _choice("kind", COMMENT_KINDS)
    tag = _choice("tag", COMMENT_TAGS)
    session = db.session()
    rows = dashboard.comment_rows(session, scope, choice.period, element=element,
                                  category=category, kind=kind, tag=tag,
                                  show_profanity=shows_profanity(r.user))
    session.commit()  # the tags computed for comments read the first time
    filters = {name: value for name, value in (
        ("unit", scope.selected.id if scope.selected else None), ("element", element),
        ("category", category), ("kind", kind), ("tag", tag)) if value is not None}
    if request.path.endswith(".csv"):
        return _comments_csv(rows, scope, choice)
    return render_template("analytics/comments.html", rows=rows, scope=scope, choice=choice,
                           period_error=r.period_error, element=element, category=category,
                           kind=kind, tag=tag, filters=filters, presets=dashboard.PRESETS,
                           elements=ELEMENTS, tag_labels=TAG_LABELS,
                           export_args={**filters, **choice.args})


# The same filters, as a file: the masked text and the tags, never contact details.
blueprint.add_url_rule("/dasbor/komentar.csv", "comments_csv", comments)

COMMENT_CSV_HEADER = ["tanggal", "unit", "petugas", "jenis", "unsur", "kategori", "status",
                      "tag", "disembunyikan", "teks"]


def _comments_csv(rows, scope, choice):
    import csv
    import io

    from analytics.exports import safe_text
    from analytics.exports_views import _download

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COMMENT_CSV_HEADER)
    for row in rows:
        c = row.comment
        zone = scope.zones.get(c.unit_id) or current_app.config["TIMEZONE"]
        writer.writerow([safe_text(v) for v in (
            local_day(c.created_at, zone).isoformat(), row.unit_name,
            row.officer_name or "", c.kind, c.element or "", c.category or "", c.status or "",
            " ".join(c.tags), "ya" if c.hidden else "", c.text)])
    name = f"komentar-{choice.period.start}-{choice.period.end}.csv"
    return _download(buffer.getvalue().encode("utf-8-sig"), name, "text/csv")


# --- an officer's component ---------------------------------------------------------------


@blueprint.get("/dasbor/saya")
@roles_required(*ANY_SIGNED_IN)
def my_component():
    user = _user()
    if user.role != Role.OFFICER.value:
        return redirect(url_for("analytics.dashboard"))
    if user.officer_id is None:
        return error_response(404, _("Akun ini belum ditautkan ke data petugas. Hubungi "
                                     "administrator aplikasi di kantor Anda."))
    return officer_page(user.officer_id)


@blueprint.get("/dasbor/petugas/<int:officer_id>")
@roles_required(*ANY_SIGNED_IN)
def officer_page(officer_id: int):
    session = db.session()
    user = _user()
    officer, unit_ids = dashboard.officer_in_scope(session, user, officer_id)
    today = _today_in(officer.unit)
    choice, period_error = _period_or_default(dashboard.PRESETS, "90-hari", today)
    page = dashboard.officer_page(session, officer, choice.period, words=_words(),
                                  settings=settings.current(), unit_ids=unit_ids,
                                  unit_id=_int_arg("unit"))
    return render_template("analytics/officer.html", page=page, c=page.component,
                           s=page.component.score, choice=choice, period_error=period_error,
                           presets=dashboard.PRESETS, own=user.officer_id == officer.id)


# --- the public results (no sign-in) -------------------------------------------------------


@blueprint.get("/hasil/")
def public_index():
    from analytics import publication

    today = _today()
    choice, period_error = _period_or_default(dashboard.PUBLIC_PRESETS, "tahun", today)
    floor = publication.floor_from(current_app.config)
    departments = [
        dashboard.PublicDepartment(d.name, [publication.public_result(u, floor) for u in d.units])
        for d in dashboard.public_index(db.session(), choice.period)]
    return render_template("analytics/public_index.html", departments=departments,
                           choice=choice, period_error=period_error, floor=floor,
                           presets=dashboard.PUBLIC_PRESETS, year=choice.period.end.year)


@blueprint.get("/hasil/<code>")
def public_unit(code: str):
    from analytics import publication
    from analytics.api import published_unit

    session = db.session()
    unit = published_unit(session, code[:40])
    choice, period_error = _period_or_default(dashboard.PUBLIC_PRESETS, "tahun",
                                              _today_in(unit))
    floor = publication.floor_from(current_app.config)
    result = publication.public_result(dashboard.public_unit(session, unit, choice.period),
                                       floor)
    trend = publication.series(session, [unit], choice.period, "M", floor)[unit.id]
    return render_template("analytics/public_unit.html", unit=unit, result=result,
                           trend=trend, floor=floor, nrr_text=publication.nrr_text,
                           choice=choice, period_error=period_error,
                           presets=dashboard.PUBLIC_PRESETS, rounding_rule_en=ROUNDING_RULE_EN,
                           year=choice.period.end.year)
