"""The organisation under /admin: departments, units and their counters, officers (and
their CSV import)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from admin import forms, services
from admin.services import AdminError
from admin.views import (
    admin_only,
    blueprint,
    done,
    failed,
    form_errors,
    me,
    require_admin,
    staff_only,
    wanted_active,
)
from core import audit, db
from core import services as organisation
from core.auth import (
    in_scope_or_404,
    officer_in_scope,
    restrict_to_units,
    unit_in_scope,
    visible_department_ids,
    visible_units,
)
from core.models import Counter, Department, Officer
from core.scope import within
from core.security import csrf
from core.services import OrganisationError

IMPORT_MAX_BYTES = 2 * 1024 * 1024


@blueprint.route("/departments", methods=["GET", "POST"])
@staff_only
def departments():
    session = db.session()
    form = forms.DepartmentForm()
    if request.method == "POST":
        require_admin()
        if form.validate_on_submit():
            try:
                department = organisation.add_department(session, form.code.data, form.name.data)
                audit.record(session, me(), "department.create",
                             f"department:{department.code}", {"name": department.name})
            except OrganisationError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return done(_("Dinas %(code)s ditambahkan.", code=department.code),
                             "admin.departments")
    visible = visible_department_ids(session, me())
    query = select(Department).order_by(Department.code)
    query = within(query, Department.id, visible)
    return render_template("admin/departments.html", departments=session.scalars(query).all(),
                           form=form, units=visible_units(session, me()))


# --- units and counters ---------------------------------------------------------------


def _department_choices(session):
    return [(d.code, f"{d.code} — {d.name}")
            for d in session.scalars(select(Department).order_by(Department.code))]


@blueprint.route("/units", methods=["GET", "POST"])
@staff_only
def units():
    session = db.session()
    form = forms.UnitForm()
    form.department.choices = _department_choices(session)
    if request.method == "POST":
        require_admin()
        if form.validate_on_submit():
            try:
                unit = organisation.add_unit(session, form.code.data, form.name.data,
                                             form.department.data, form.timezone.data,
                                             form.annual_population.data)
                audit.record(session, me(), "unit.create", f"unit:{unit.code}",
                             {"name": unit.name, "department": form.department.data,
                              "timezone": unit.timezone,
                              "annual_population": unit.annual_population})
            except OrganisationError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return done(_("Unit %(code)s ditambahkan.", code=unit.code),
                             "admin.unit", unit_code=unit.code)
    return render_template("admin/units.html", units=visible_units(session, me()), form=form)


@blueprint.route("/units/<unit_code>", methods=["GET", "POST"])
@staff_only
def unit(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, me(), unit_code)
    form = forms.UnitEditForm(obj=found if request.method == "GET" else None)
    if found.timezone not in dict(form.timezone.choices):  # set from the command line
        form.timezone.choices = [*form.timezone.choices, (found.timezone, found.timezone)]
    if request.method == "GET":
        form.service_hours.data = services.format_service_hours(found.service_hours)
    counter_form = forms.CounterForm()
    if request.method == "POST":
        require_admin()
        if form.validate_on_submit():
            try:
                services.update_unit(
                    session, me(), found, name=form.name.data, timezone=form.timezone.data,
                    annual_population=form.annual_population.data,
                    service_hours=services.parse_service_hours(form.service_hours.data),
                    published=form.published.data,
                )
            except AdminError as exc:
                session.rollback()
                form.service_hours.errors = [*form.service_hours.errors, str(exc)]
            else:
                return done(_("Unit %(code)s disimpan.", code=found.code),
                             "admin.unit", unit_code=found.code)
    return render_template("admin/unit.html", unit=found, form=form, counter_form=counter_form,
                           action=forms.ActionForm())


@blueprint.post("/units/<unit_code>/counters")
@staff_only
def add_counter(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, me(), unit_code)
    require_admin()
    form = forms.CounterForm()
    if not form.validate_on_submit():
        return failed(form_errors(form) or _("Data loket tidak lengkap."),
                       "admin.unit", unit_code=found.code)
    try:
        counter = organisation.add_counter(session, form.code.data, form.label.data, found.code)
        audit.record(session, me(), "counter.create", f"counter:{counter.code}",
                     {"label": counter.label, "unit": found.code})
    except OrganisationError as exc:
        return failed(exc, "admin.unit", unit_code=found.code)
    return done(_("Loket %(code)s ditambahkan.", code=counter.code),
                 "admin.unit", unit_code=found.code)


@blueprint.post("/counters/<int:counter_id>/active")
@staff_only
def counter_active(counter_id: int):
    session = db.session()
    counter = in_scope_or_404(session, me(), Counter, counter_id)
    require_admin()
    wanted = wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return failed(ValueError(_("Permintaan tidak lengkap.")), "admin.unit",
                       unit_code=counter.unit.code)
    services.set_counter_active(session, me(), counter, wanted)
    return done(_("Loket %(code)s diperbarui.", code=counter.code),
                 "admin.unit", unit_code=counter.unit.code)


# --- officers -------------------------------------------------------------------------


def _unit_choices(session):
    return [(u.code, f"{u.code} — {u.name}") for u in visible_units(session, me())]


@blueprint.route("/officers", methods=["GET", "POST"])
@staff_only
def officers():
    session = db.session()
    form = forms.OfficerForm()
    form.unit.choices = _unit_choices(session)
    if request.method == "POST":
        require_admin()
        if form.validate_on_submit():
            try:
                officer = organisation.add_officer(
                    session, form.identifier.data, form.name.data, form.unit.data,
                    has_nip=not form.no_nip.data, position=form.position.data,
                )
                audit.record(session, me(), "officer.create", f"officer:{officer.identifier}",
                             {"name": officer.name, "unit": form.unit.data})
            except OrganisationError as exc:
                session.rollback()
                form.identifier.errors = [*form.identifier.errors, str(exc)]
            else:
                return done(_("Petugas %(name)s ditambahkan.", name=officer.name),
                             "admin.officers", unit=form.unit.data)
    query = restrict_to_units(select(Officer), Officer.unit_id, session, me())
    chosen = request.args.get("unit")
    if chosen:
        query = query.where(Officer.unit_id == unit_in_scope(session, me(), chosen).id)
    listed = session.scalars(
        query.options(selectinload(Officer.unit)).order_by(Officer.unit_id, Officer.name)
    ).all()
    return render_template("admin/officers.html", officers=listed, form=form, chosen=chosen,
                           units=visible_units(session, me()), action=forms.ActionForm())


@blueprint.post("/officers/<int:officer_id>/active")
@staff_only
def officer_active(officer_id: int):
    session = db.session()
    officer = officer_in_scope(session, me(), officer_id)
    require_admin()
    wanted = wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return failed(ValueError(_("Permintaan tidak lengkap.")), "admin.officers")
    services.set_officer_active(session, me(), officer, wanted)
    return done(_("Petugas %(name)s diperbarui.", name=officer.name),
                 "admin.officers", unit=officer.unit.code)


@blueprint.route("/officers/import", methods=["GET", "POST"])
@admin_only
@csrf.exempt  # the form checks its own token, after the larger upload limit is set
def import_officers():
    # A department's list of officers is larger than the 64 KB other forms are held to.
    request.max_content_length = IMPORT_MAX_BYTES
    form = forms.OfficerImportForm()
    errors: list[str] = []
    if form.validate_on_submit():
        session = db.session()
        raw = form.file.data.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            errors = [_("Berkas harus CSV dengan pengodean UTF-8.")]
        else:
            try:
                result = organisation.import_officers(session, text)
            except OrganisationError as exc:
                errors = [str(exc)]
            else:
                errors = result.errors
                if not errors:
                    audit.record(session, me(), "officer.import",
                                 form.file.data.filename or "csv",
                                 {"created": len(result.created),
                                  "updated": len(result.updated)})
                    return done(_("%(created)d petugas baru, %(updated)d diperbarui.",
                                   created=len(result.created), updated=len(result.updated)),
                                 "admin.officers")
        session.rollback()
    return render_template("admin/import.html", form=form, errors=errors)
