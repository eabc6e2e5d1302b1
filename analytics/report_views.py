"""Pages around the reports: the open data of the public results (``/hasil/…/data.csv`` and
``.json``), the public verification of an issued document (``/verifikasi/<code>``), the
officer's evidence sheet (``/dasbor/petugas/<id>/lembar-bukti.pdf``), the services a unit
delivered each month (supervisors) and who signs a unit's report (administrators). Thin:
``analytics.publication``, ``analytics.participation``, ``analytics.evidence`` and
``analytics.documents`` do the work."""

from __future__ import annotations

import io
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from analytics import documents, participation, publication
from analytics import settings as analytics_settings
from analytics.exports import csv_writer, safe_text
from analytics.models import ReportSignatory
from analytics.periods import AnalyticsError
from core import db
from core.auth import roles_required, signed_in_user, visible_unit_ids
from core.errors import error_response
from core.localtime import local_today
from core.models import Role, Unit, utcnow
from core.scope import within

blueprint = Blueprint("analytics_reports", __name__)

FREQUENCIES = {"bulan": "M", "kuartal": "Q"}


@blueprint.context_processor
def page_helpers():
    """The analytics pages' helpers (number, local_date, has_endpoint…) here too."""
    from analytics.views import page_helpers as analytics_helpers

    return analytics_helpers()


@blueprint.errorhandler(AnalyticsError)
def analytics_error(error: AnalyticsError):
    return error_response(error.status, error.message, error.code)


def _json_error(message: str, code: str, status: int):
    response = jsonify({"error": code, "message": message})
    response.status_code = status
    return response


# --- open data (public, no sign-in) -----------------------------------------------------------


def _open_data(units: list[Unit], fmt: str, name: str):
    per = request.args.get("per", "bulan")
    year_text = request.args.get("tahun")
    if per not in FREQUENCIES:
        return _json_error("Parameter 'per' harus 'bulan' atau 'kuartal'.", "invalid", 400)
    today = utcnow().date()
    if year_text is not None:
        if not (year_text.isdigit() and len(year_text) == 4 and 2000 <= int(year_text) <= 2099):
            return _json_error("Parameter 'tahun' harus tahun empat angka (2000–2099).",
                               "invalid", 400)
        year = int(year_text)
    else:
        year = today.year
    session = db.session()
    floor = publication.floor_from(current_app.config)
    freq = FREQUENCIES[per]
    points = publication.series(session, units, publication.year_period(year, today), freq,
                                floor)
    rows = publication.open_data_rows(points, units)
    filename = f"hasil-skm-{name}-{year}-{per}.{fmt}"
    if fmt == "json":
        response = jsonify(publication.open_data_document(rows, year=year, freq=freq,
                                                          floor=floor))
    else:
        out = io.StringIO()
        writer = csv_writer(out)
        columns = [*publication.OPEN_DATA_COLUMNS, "rounding_rule", "method"]
        writer.writerow(columns)
        for row in rows:
            row = {**row, "rounding_rule": publication.ROUNDING_RULE,
                   "method": publication.METHOD}
            writer.writerow([safe_text("" if row[c] is None else row[c]) for c in columns])
        response = Response(out.getvalue().encode("utf-8-sig"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Access-Control-Allow-Origin"] = "*"  # open data: any site may collect it
    return response


def _all(fmt: str):
    return _open_data(publication.published_units(db.session()), fmt, "semua")


def _unit(code: str, fmt: str):
    session = db.session()
    unit = session.scalars(select(Unit).where(Unit.code == code[:40])).first()
    if unit is None or not unit.published:
        return _json_error(f"Unit '{code[:40]}' tidak ditemukan atau hasilnya tidak "
                           "dipublikasikan.", "not_found", 404)
    return _open_data([unit], fmt, unit.code)


@blueprint.get("/hasil/data.csv")
def open_data_all_csv():
    return _all("csv")


@blueprint.get("/hasil/data.json")
def open_data_all_json():
    return _all("json")


@blueprint.get("/hasil/<code>/data.csv")
def open_data_unit_csv(code: str):
    return _unit(code, "csv")


@blueprint.get("/hasil/<code>/data.json")
def open_data_unit_json(code: str):
    return _unit(code, "json")


# --- verification of issued documents (public) ------------------------------------------------


@blueprint.route("/verifikasi/<code>", methods=["GET", "POST"])
def verify(code: str):
    """What a code certifies; with ``sha256`` (or an uploaded copy) whether the copy is the
    one issued. An unknown code answers 404; a copy that does not match says so plainly."""
    session = db.session()
    body = None
    if request.method == "POST":
        upload = request.files.get("file")
        body = upload.read() if upload else None
    sha = request.values.get("sha256") or None
    result = documents.verify(session, code[:40], sha256=sha, body=body)
    status = 404 if not result.found else (409 if result.matches is False else 200)
    return render_template("analytics/verify.html", result=result, code=code[:40]), status


# --- the officer's evidence sheet (whoever may see the officer) ------------------------------


@blueprint.get("/dasbor/petugas/<int:officer_id>/lembar-bukti.pdf")
@roles_required(Role.HEAD, Role.SUPERVISOR, Role.OFFICER)
def evidence_sheet(officer_id: int):
    """The officer's evidence sheet for ``from``/``to`` (or ``periode``; default the last 90
    days) and ``unit`` (the id of the unit the ratings were given in), with a verification
    code recorded for this copy. Who may see the officer page may produce it; anyone else
    gets what the officer page answers (404, not confirming the officer exists)."""

    from analytics import dashboard, evidence

    session = db.session()
    user = signed_in_user()
    officer, unit_ids = dashboard.officer_in_scope(session, user, officer_id)
    today = local_today(officer.unit.timezone)
    period = dashboard.choose_period(request.args, today, "90-hari").period
    unit_text = request.args.get("unit", "")
    unit_id = int(unit_text) if unit_text.isdigit() and len(unit_text) < 10 else None
    sheet = evidence.build_sheet(session, officer, period, settings=analytics_settings.current(),
                                 unit_ids=unit_ids, unit_id=unit_id)
    _code, body = evidence.verified_pdf(session, sheet, base_url=current_app.config["BASE_URL"],
                                        issued_by=user.id,
                                        issued_by_name=user.display_name or user.username)
    session.commit()
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{evidence.filename(sheet)}"')
    response.headers["Cache-Control"] = "no-store"
    return response


# --- services delivered (supervisors, heads, administrators) ---------------------------------


def _units_for_user() -> list[Unit]:
    session = db.session()
    visible = visible_unit_ids(session, signed_in_user())
    query = select(Unit).order_by(Unit.name)
    query = within(query, Unit.id, visible)
    return list(session.scalars(query))


@blueprint.route("/dasbor/jumlah-layanan", methods=["GET", "POST"])
@roles_required(Role.SUPERVISOR, Role.HEAD)
def service_counts():
    """Monthly counts of services delivered: entered here, imported with ``flask
    participation import``, or counted from queue-machine codes."""
    session = db.session()
    units = _units_for_user()
    if not units:
        abort(403)
    chosen = request.values.get("unit", type=str)
    unit = next((u for u in units if u.code == chosen), None) if chosen else units[0]
    if unit is None:
        abort(404)  # not confirmed to exist for someone outside its scope
    year_text = request.values.get("tahun", "")
    year = int(year_text) if year_text.isdigit() and 2000 <= int(year_text) <= 2099 else (
        utcnow().year)
    if request.method == "POST":
        user = signed_in_user()
        errors = []
        for month in participation.months_between(date(year, 1, 1), date(year, 12, 1)):
            value = request.form.get(month.strftime("m-%Y-%m"), "").strip()
            if value == "":
                if request.form.get(month.strftime("clear-%Y-%m")):
                    participation.clear_month(session, unit, month)
                continue
            try:
                participation.set_month(session, unit, month, participation.parse_services(value),
                                        user_id=user.id)
            except participation.ParticipationError as exc:
                errors.append(f"{month.strftime('%Y-%m')}: {exc}")
        if errors:
            session.rollback()
            for error in errors:
                flash(error, "error")
        else:
            session.commit()
            flash(_("Jumlah layanan disimpan."), "success")
        return redirect(url_for(".service_counts", unit=unit.code, tahun=year))
    months = participation.monthly_services(session, [unit], date(year, 1, 1),
                                            date(year, 12, 1))[unit.id]
    population = participation.year_populations(session, [unit], year)[unit.id]
    return render_template("analytics/service_counts.html", units=units, unit=unit,
                           year=year, months=months, population=population)


# --- the report's signatory (administrators) --------------------------------------------------


@blueprint.route("/dasbor/penandatangan-laporan", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def signatories():
    session = db.session()
    units = list(session.scalars(select(Unit).order_by(Unit.name)))
    existing = {s.unit_id: s for s in session.scalars(select(ReportSignatory))}
    if request.method == "POST":
        unit = next((u for u in units if u.code == request.form.get("unit")), None)
        if unit is None:
            flash(_("Pilih unit yang akan disimpan penandatangannya."), "error")
            return redirect(url_for(".signatories"))
        row = existing.get(unit.id) or ReportSignatory(unit_id=unit.id)
        row.place = request.form.get("place", "").strip()[:120]
        row.head_title = request.form.get("head_title", "").strip()[:200]
        row.head_name = request.form.get("head_name", "").strip()[:200]
        row.head_nip = request.form.get("head_nip", "").strip()[:40]
        row.updated_at = utcnow()
        session.add(row)
        session.commit()
        flash(_("Penandatangan laporan %(unit)s disimpan.", unit=unit.name), "success")
        return redirect(url_for(".signatories"))
    return render_template("analytics/signatories.html", units=units, existing=existing)

