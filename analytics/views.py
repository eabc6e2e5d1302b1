"""Analytics pages: the department head's dashboard, an officer's component with its
evidence, the comments drill-down and the public SKM results. Thin: ``analytics.dashboard``
assembles what a page shows, ``analytics.services`` computes it. The JSON API and the
exports register through ``analytics.api.register_api``.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _

from analytics import charts, dashboard, settings, vendor
from analytics.ikm import ROUNDING_RULE_EN
from analytics.officers import BAND_LABELS
from analytics.services import AnalyticsError, PeriodError
from core import db
from core.auth import roles_required, signed_in_user
from core.errors import error_response
from core.i18n import current_language
from core.models import Role, Unit, User, utcnow
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES, ELEMENTS, ELEMENTS_BY_CODE

blueprint = Blueprint("analytics", __name__)

ANY_SIGNED_IN = (Role.HEAD, Role.SUPERVISOR, Role.OFFICER)


def register(app: Flask) -> None:
    from analytics import fold
    from analytics.api import register_api
    from core.views import add_home_links

    fold.init_app(app)
    app.register_blueprint(blueprint)
    register_api(app)
    add_home_links(app, nav_links)


def nav_links() -> list[tuple[str, str]]:
    """What the home page may link to: the public results, for everyone."""
    return [("analytics.public_index", _("Hasil survei kepuasan masyarakat"))]


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

    return {
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
    if user is not None and user.unit_id is not None:
        unit = db.session().get(Unit, user.unit_id)
        if unit is not None:
            return _today_in(unit)
    return utcnow().astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()


def _today_in(unit: Unit) -> date:
    return utcnow().astimezone(ZoneInfo(unit.timezone)).date()


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
    data = dashboard.head_dashboard(db.session(), r.user, r.scope, r.choice.period,
                                    today=r.today, words=_words(), locale=current_language())
    return render_template("analytics/dashboard.html", data=data, choice=r.choice,
                           period_error=r.period_error, today=r.today,
                           presets=dashboard.PRESETS, component_settings=settings.current())


@blueprint.get("/dasbor/komentar")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def comments():
    r = _staff_request()
    scope, choice = r.scope, r.choice
    element = _choice("element", ELEMENTS_BY_CODE)
    category = _choice("category", COMPLAINT_CATEGORIES)
    kind = _choice("kind", COMMENT_KINDS)
    rows = dashboard.comment_rows(db.session(), scope, choice.period, element=element,
                                  category=category, kind=kind)
    filters = {name: value for name, value in (
        ("unit", scope.selected.id if scope.selected else None), ("element", element),
        ("category", category), ("kind", kind)) if value is not None}
    return render_template("analytics/comments.html", rows=rows, scope=scope, choice=choice,
                           period_error=r.period_error, element=element, category=category,
                           kind=kind, filters=filters, presets=dashboard.PRESETS,
                           elements=ELEMENTS)


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
    officer = dashboard.officer_in_scope(session, user, officer_id)
    today = _today_in(officer.unit)
    choice, period_error = _period_or_default(dashboard.PRESETS, "90-hari", today)
    page = dashboard.officer_page(session, officer, choice.period, words=_words())
    return render_template("analytics/officer.html", page=page, c=page.component,
                           s=page.component.score, choice=choice, period_error=period_error,
                           presets=dashboard.PRESETS, own=user.officer_id == officer.id)



# --- the public results (no sign-in) -------------------------------------------------------


@blueprint.get("/hasil/")
def public_index():
    today = _today()
    choice, period_error = _period_or_default(dashboard.PUBLIC_PRESETS, "tahun", today)
    departments = dashboard.public_index(db.session(), choice.period)
    return render_template("analytics/public_index.html", departments=departments,
                           choice=choice, period_error=period_error,
                           presets=dashboard.PUBLIC_PRESETS)


@blueprint.get("/hasil/<code>")
def public_unit(code: str):
    from analytics.api import published_unit

    session = db.session()
    unit = published_unit(session, code[:40])
    choice, period_error = _period_or_default(dashboard.PUBLIC_PRESETS, "tahun",
                                              _today_in(unit))
    result = dashboard.public_unit(session, unit, choice.period)
    return render_template("analytics/public_unit.html", unit=unit, result=result,
                           choice=choice, period_error=period_error,
                           presets=dashboard.PUBLIC_PRESETS, rounding_rule_en=ROUNDING_RULE_EN)
