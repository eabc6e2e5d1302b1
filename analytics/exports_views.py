"""Downloads for signed-in users in scope: ratings (CSV, XLSX), the unit's SKM report (XLSX,
and a verifiable A4 PDF) and the officers' evaluation sheet (XLSX, CSV). ``unit`` picks one
unit (else every unit the user may see); ``from``/``to`` the period (default: 90 days)."""

from __future__ import annotations

import io

from flask import Blueprint, Flask, Response, current_app, request
from sqlalchemy import select

from analytics import exports, officers_read, periods
from analytics import settings as analytics_settings
from analytics.periods import AnalyticsError, NotFound, Period
from core import auth, db
from core.errors import error_response
from core.localtime import local_today, user_zone
from core.models import Unit

blueprint = Blueprint("analytics_exports", __name__, url_prefix="/analytics/export")


@blueprint.errorhandler(AnalyticsError)
def analytics_error(error: AnalyticsError):
    return error_response(error.status, error.message, error.code)


def _scope() -> tuple[list[int] | None, Unit | None, Period]:
    """(unit ids, the one unit asked for, period) for the signed-in user; 403/404 otherwise."""
    user = auth.signed_in_user()
    if user is None:
        raise _Unauthorised()
    session = db.session()
    visible = auth.visible_unit_ids(session, user)
    if visible is not None and not visible:
        raise AnalyticsError("Unduhan ini untuk pimpinan dan pengelola unit.", "forbidden", 403)
    unit = None
    code = request.args.get("unit")
    if code:
        unit = session.scalars(select(Unit).where(Unit.code == code)).first()
        if unit is None or (visible is not None and unit.id not in visible):
            raise NotFound(f"Unit '{code}' tidak ditemukan.")
    # "Today" is the unit's (or the user's) local day, as on the dashboards: the server's
    # UTC date is yesterday in Jakarta from 00:00 to 07:00, and left that morning's ratings out.
    zone = unit.timezone if unit else user_zone(session, user, current_app.config["TIMEZONE"])
    period = periods.parse_period(request.args.get("from"), request.args.get("to"),
                                   today=local_today(zone))
    unit_ids = [unit.id] if unit else (None if visible is None else sorted(visible))
    return unit_ids, unit, period


class _Unauthorised(Exception):
    pass


@blueprint.errorhandler(_Unauthorised)
def unauthorised(_error):
    return auth.login_manager.unauthorized()


def _name(kind: str, unit: Unit | None, period: Period, extension: str) -> str:
    return f"{kind}-{unit.code if unit else 'semua'}-{period.start}-{period.end}.{extension}"


def _download(body: bytes | str, filename: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _csv(write) -> bytes:
    buffer = io.StringIO()
    write(buffer)
    return buffer.getvalue().encode("utf-8-sig")  # the BOM lets Excel read UTF-8


@blueprint.get("/ratings.csv")
def ratings_csv():
    unit_ids, unit, period = _scope()
    body = _csv(lambda out: exports.ratings_csv(db.session(), unit_ids, period, out))
    return _download(body, _name("penilaian", unit, period, "csv"), "text/csv")


@blueprint.get("/ratings.xlsx")
def ratings_xlsx():
    unit_ids, unit, period = _scope()
    return _download(exports.ratings_xlsx(db.session(), unit_ids, period),
                     _name("penilaian", unit, period, "xlsx"), exports.XLSX_MIMETYPE)


@blueprint.get("/skm-report.xlsx")
def skm_report():
    _unit_ids, unit, period = _scope()
    if unit is None:
        raise AnalyticsError("Pilih satu unit (parameter 'unit') untuk laporan SKM.",
                             "unit_required")
    return _download(exports.skm_report_xlsx(db.session(), unit, period),
                     _name("laporan-skm", unit, period, "xlsx"), exports.XLSX_MIMETYPE)


@blueprint.get("/skm-report.pdf")
def skm_report_pdf():
    """The printable report, with a verification code recorded for this copy."""
    from flask import current_app

    from analytics import reports

    _unit_ids, unit, period = _scope()
    if unit is None:
        raise AnalyticsError("Pilih satu unit (parameter 'unit') untuk laporan SKM.",
                             "unit_required")
    session = db.session()
    user = auth.signed_in_user()
    _code, body = reports.verified_pdf(
        session, reports.build_report(session, unit, period),
        base_url=current_app.config["BASE_URL"], issued_by=user.id,
        issued_by_name=user.display_name or user.username)
    session.commit()
    return _download(body, _name("laporan-skm", unit, period, "pdf"), exports.PDF_MIMETYPE)


@blueprint.get("/officers.xlsx")
def officers_xlsx():
    unit_ids, unit, period = _scope()
    settings = analytics_settings.current()
    components = officers_read.officer_components(db.session(), unit_ids, period, settings)
    return _download(exports.officers_xlsx(components, period, settings),
                     _name("komponen-petugas", unit, period, "xlsx"), exports.XLSX_MIMETYPE)


@blueprint.get("/officers.csv")
def officers_csv():
    unit_ids, unit, period = _scope()
    settings = analytics_settings.current()
    components = officers_read.officer_components(db.session(), unit_ids, period, settings)
    body = _csv(lambda out: exports.officers_csv(components, period, out, settings))
    return _download(body, _name("komponen-petugas", unit, period, "csv"), "text/csv")


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
