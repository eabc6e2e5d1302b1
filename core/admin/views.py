"""The administration pages under /admin. Administrators change things; heads and
supervisors read what lies in their scope (their department, their unit). Every object a
URL names is loaded through the scope helpers of ``core.auth``, so an object outside the
reader's scope answers 404 like one that does not exist."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from core import audit, db
from core import services as organisation
from core.admin import forms, services
from core.admin.services import AdminError
from core.auth import (
    in_scope_or_404,
    officer_in_scope,
    restrict_to_units,
    roles_required,
    signed_in_user,
    unit_in_scope,
    visible_department_ids,
    visible_units,
)
from core.models import Counter, Department, Officer, Role, Unit, User, utcnow
from core.scope import within
from core.security import csrf
from core.services import OrganisationError
from survey.models import QrCode, Question
from survey.services import ensure_questionnaire, survey_url

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

staff_only = roles_required(Role.HEAD, Role.SUPERVISOR)  # and the administrator
admin_only = roles_required(Role.ADMIN)

IMPORT_MAX_BYTES = 2 * 1024 * 1024


@blueprint.app_template_filter("admin_time")
def admin_time(moment, zone: str | None = None) -> str:
    """A stored UTC moment in the unit's zone (or the deployment's), as an office reads it."""
    local = moment.astimezone(ZoneInfo(zone or current_app.config["TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


@blueprint.context_processor
def admin_context():
    return {"role_names": dict(forms.ROLE_CHOICES), "now": utcnow()}


@blueprint.app_context_processor
def admin_links():
    # Tablets are managed on the kiosk area's own operations page, and results read on the
    # analytics dashboard, when those areas are installed.
    views = current_app.view_functions
    return {"kiosk_operations": "kiosk.operations" in views,
            "analytics_dashboard": "analytics.dashboard" in views}


def _me() -> User:
    user = signed_in_user()
    assert user is not None  # the decorators let only signed-in users through
    return user


def _is_admin() -> bool:
    return _me().role == Role.ADMIN.value


def _require_admin() -> None:
    """Reading may be shared with heads and supervisors; changing is the administrator's."""
    if not _is_admin():
        abort(403)


def _done(message: str, endpoint: str, **values):
    db.session().commit()
    flash(message, "info")
    return redirect(url_for(endpoint, **values), code=303)


def _failed(exc: Exception, endpoint: str, **values):
    db.session().rollback()
    flash(str(exc), "error")
    return redirect(url_for(endpoint, **values), code=303)


def _form_errors(form) -> str:
    return " ".join(f"{form[name].label.text}: {' '.join(errors)}"
                    for name, errors in form.errors.items() if name in form)


# --- overview -------------------------------------------------------------------------


@blueprint.get("/")
@staff_only
def index():
    session = db.session()
    units = visible_units(session, _me())
    unit_ids = [u.id for u in units] or [-1]
    counts = {
        "units": len(units),
        "counters": session.scalar(select(func.count()).select_from(Counter)
                                   .where(Counter.unit_id.in_(unit_ids))),
        "officers": session.scalar(select(func.count()).select_from(Officer)
                                   .where(Officer.unit_id.in_(unit_ids))),
    }
    if _is_admin():
        counts["users"] = session.scalar(select(func.count()).select_from(User))
    return render_template("admin/index.html", counts=counts, units=units)


# --- departments ----------------------------------------------------------------------


@blueprint.route("/departments", methods=["GET", "POST"])
@staff_only
def departments():
    session = db.session()
    form = forms.DepartmentForm()
    if request.method == "POST":
        _require_admin()
        if form.validate_on_submit():
            try:
                department = organisation.add_department(session, form.code.data, form.name.data)
                audit.record(session, _me(), "department.create",
                             f"department:{department.code}", {"name": department.name})
            except OrganisationError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return _done(_("Dinas %(code)s ditambahkan.", code=department.code),
                             "admin.departments")
    visible = visible_department_ids(session, _me())
    query = select(Department).order_by(Department.code)
    query = within(query, Department.id, visible)
    return render_template("admin/departments.html", departments=session.scalars(query).all(),
                           form=form, units=visible_units(session, _me()))


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
        _require_admin()
        if form.validate_on_submit():
            try:
                unit = organisation.add_unit(session, form.code.data, form.name.data,
                                             form.department.data, form.timezone.data,
                                             form.annual_population.data)
                audit.record(session, _me(), "unit.create", f"unit:{unit.code}",
                             {"name": unit.name, "department": form.department.data,
                              "timezone": unit.timezone,
                              "annual_population": unit.annual_population})
            except OrganisationError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return _done(_("Unit %(code)s ditambahkan.", code=unit.code),
                             "admin.unit", unit_code=unit.code)
    return render_template("admin/units.html", units=visible_units(session, _me()), form=form)


@blueprint.route("/units/<unit_code>", methods=["GET", "POST"])
@staff_only
def unit(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, _me(), unit_code)
    form = forms.UnitEditForm(obj=found if request.method == "GET" else None)
    if found.timezone not in dict(form.timezone.choices):  # set from the command line
        form.timezone.choices = [*form.timezone.choices, (found.timezone, found.timezone)]
    if request.method == "GET":
        form.service_hours.data = services.format_service_hours(found.service_hours)
    counter_form = forms.CounterForm()
    if request.method == "POST":
        _require_admin()
        if form.validate_on_submit():
            try:
                services.update_unit(
                    session, _me(), found, name=form.name.data, timezone=form.timezone.data,
                    annual_population=form.annual_population.data,
                    service_hours=services.parse_service_hours(form.service_hours.data),
                    published=form.published.data,
                )
            except AdminError as exc:
                session.rollback()
                form.service_hours.errors = [*form.service_hours.errors, str(exc)]
            else:
                return _done(_("Unit %(code)s disimpan.", code=found.code),
                             "admin.unit", unit_code=found.code)
    return render_template("admin/unit.html", unit=found, form=form, counter_form=counter_form,
                           action=forms.ActionForm())


@blueprint.post("/units/<unit_code>/counters")
@staff_only
def add_counter(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, _me(), unit_code)
    _require_admin()
    form = forms.CounterForm()
    if not form.validate_on_submit():
        return _failed(_form_errors(form) or _("Data loket tidak lengkap."),
                       "admin.unit", unit_code=found.code)
    try:
        counter = organisation.add_counter(session, form.code.data, form.label.data, found.code)
        audit.record(session, _me(), "counter.create", f"counter:{counter.code}",
                     {"label": counter.label, "unit": found.code})
    except OrganisationError as exc:
        return _failed(exc, "admin.unit", unit_code=found.code)
    return _done(_("Loket %(code)s ditambahkan.", code=counter.code),
                 "admin.unit", unit_code=found.code)


def _wanted_active() -> bool | None:
    return {"1": True, "0": False}.get(request.form.get("active", ""))


@blueprint.post("/counters/<int:counter_id>/active")
@staff_only
def counter_active(counter_id: int):
    session = db.session()
    counter = in_scope_or_404(session, _me(), Counter, counter_id)
    _require_admin()
    wanted = _wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return _failed(ValueError(_("Permintaan tidak lengkap.")), "admin.unit",
                       unit_code=counter.unit.code)
    services.set_counter_active(session, _me(), counter, wanted)
    return _done(_("Loket %(code)s diperbarui.", code=counter.code),
                 "admin.unit", unit_code=counter.unit.code)


# --- officers -------------------------------------------------------------------------


def _unit_choices(session):
    return [(u.code, f"{u.code} — {u.name}") for u in visible_units(session, _me())]


@blueprint.route("/officers", methods=["GET", "POST"])
@staff_only
def officers():
    session = db.session()
    form = forms.OfficerForm()
    form.unit.choices = _unit_choices(session)
    if request.method == "POST":
        _require_admin()
        if form.validate_on_submit():
            try:
                officer = organisation.add_officer(
                    session, form.identifier.data, form.name.data, form.unit.data,
                    has_nip=not form.no_nip.data, position=form.position.data,
                )
                audit.record(session, _me(), "officer.create", f"officer:{officer.identifier}",
                             {"name": officer.name, "unit": form.unit.data})
            except OrganisationError as exc:
                session.rollback()
                form.identifier.errors = [*form.identifier.errors, str(exc)]
            else:
                return _done(_("Petugas %(name)s ditambahkan.", name=officer.name),
                             "admin.officers", unit=form.unit.data)
    query = restrict_to_units(select(Officer), Officer.unit_id, session, _me())
    chosen = request.args.get("unit")
    if chosen:
        query = query.where(Officer.unit_id == unit_in_scope(session, _me(), chosen).id)
    listed = session.scalars(
        query.options(selectinload(Officer.unit)).order_by(Officer.unit_id, Officer.name)
    ).all()
    return render_template("admin/officers.html", officers=listed, form=form, chosen=chosen,
                           units=visible_units(session, _me()), action=forms.ActionForm())


@blueprint.post("/officers/<int:officer_id>/active")
@staff_only
def officer_active(officer_id: int):
    session = db.session()
    officer = officer_in_scope(session, _me(), officer_id)
    _require_admin()
    wanted = _wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return _failed(ValueError(_("Permintaan tidak lengkap.")), "admin.officers")
    services.set_officer_active(session, _me(), officer, wanted)
    return _done(_("Petugas %(name)s diperbarui.", name=officer.name),
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
                    audit.record(session, _me(), "officer.import",
                                 form.file.data.filename or "csv",
                                 {"created": len(result.created),
                                  "updated": len(result.updated)})
                    return _done(_("%(created)d petugas baru, %(updated)d diperbarui.",
                                   created=len(result.created), updated=len(result.updated)),
                                 "admin.officers")
        session.rollback()
    return render_template("admin/import.html", form=form, errors=errors)


# --- users ----------------------------------------------------------------------------


def _scope_choices(form, session):
    blank = [("", "—")]
    form.department.choices = blank + [
        (str(d.id), f"{d.code} — {d.name}")
        for d in session.scalars(select(Department).order_by(Department.code))]
    form.unit.choices = blank + [
        (str(u.id), f"{u.code} — {u.name}")
        for u in session.scalars(select(Unit).order_by(Unit.code))]
    form.officer.choices = blank + [
        (str(o.id), f"{o.name} ({o.identifier}, {o.unit.code})")
        for o in session.scalars(select(Officer).options(selectinload(Officer.unit))
                                 .order_by(Officer.name))]


@blueprint.get("/users")
@admin_only
def users():
    listed = db.session().scalars(
        select(User).options(selectinload(User.department), selectinload(User.unit),
                             selectinload(User.officer)).order_by(User.username)
    ).all()
    return render_template("admin/users.html", users=listed)


@blueprint.route("/users/new", methods=["GET", "POST"])
@admin_only
def user_new():
    session = db.session()
    form = forms.UserForm()
    _scope_choices(form, session)
    if form.validate_on_submit():
        try:
            user = services.create_user(
                session, _me(), username=form.username.data, password=form.password.data,
                role=form.role.data, display_name=form.display_name.data,
                department_id=form.department.data, unit_id=form.unit.data,
                officer_id=form.officer.data,
            )
        except AdminError as exc:
            session.rollback()
            form.role.errors = [*form.role.errors, str(exc)]
        else:
            return _done(_("Pengguna %(name)s dibuat.", name=user.username),
                         "admin.user_edit", user_id=user.id)
    return render_template("admin/user_new.html", form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        abort(404)
    return user


@blueprint.route("/users/<int:user_id>", methods=["GET", "POST"])
@admin_only
def user_edit(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    form = forms.UserEditForm(obj=user if request.method == "GET" else None)
    _scope_choices(form, session)
    if request.method == "GET":
        form.department.data, form.unit.data = user.department_id, user.unit_id
        form.officer.data = user.officer_id
    if form.validate_on_submit():
        try:
            services.update_user(
                session, _me(), user, role=form.role.data, display_name=form.display_name.data,
                department_id=form.department.data, unit_id=form.unit.data,
                officer_id=form.officer.data,
            )
        except AdminError as exc:
            session.rollback()
            form.role.errors = [*form.role.errors, str(exc)]
        else:
            return _done(_("Pengguna %(name)s disimpan.", name=user.username),
                         "admin.user_edit", user_id=user.id)
    return render_template("admin/user_edit.html", user=user, form=form,
                           reset_form=forms.PasswordResetForm(), action=forms.ActionForm())


@blueprint.post("/users/<int:user_id>/active")
@admin_only
def user_active(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    wanted = _wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return _failed(ValueError(_("Permintaan tidak lengkap.")), "admin.user_edit",
                       user_id=user.id)
    try:
        services.set_user_active(session, _me(), user, wanted)
    except AdminError as exc:
        return _failed(exc, "admin.user_edit", user_id=user.id)
    return _done(_("Pengguna %(name)s diperbarui.", name=user.username),
                 "admin.user_edit", user_id=user.id)


@blueprint.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    form = forms.PasswordResetForm()
    if not form.validate_on_submit():
        return _failed(ValueError(_form_errors(form) or _("Isi kata sandi baru.")),
                       "admin.user_edit", user_id=user.id)
    try:
        services.reset_password(session, _me(), user, form.password.data)
    except AdminError as exc:
        return _failed(exc, "admin.user_edit", user_id=user.id)
    return _done(_("Kata sandi %(name)s disetel; sesi lamanya berakhir.", name=user.username),
                 "admin.user_edit", user_id=user.id)


@blueprint.post("/users/<int:user_id>/unlock")
@admin_only
def user_unlock(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    services.unlock_user(session, _me(), user)
    return _done(_("Kunci akun %(name)s dibuka.", name=user.username),
                 "admin.user_edit", user_id=user.id)


# --- an office's own questions ----------------------------------------------------------


@blueprint.route("/units/<unit_code>/questions", methods=["GET", "POST"])
@staff_only
def questions(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, _me(), unit_code)
    form = forms.QuestionForm()
    if request.method == "POST":
        _require_admin()
        if form.validate_on_submit():
            try:
                services.add_question(
                    session, _me(), found, code=form.code.data, text_id=form.text_id.data,
                    text_en=form.text_en.data, labels_id=form.labels("id"),
                    labels_en=form.labels("en"), about_officer=form.about_officer.data,
                )
            except AdminError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return _done(_("Pertanyaan ditambahkan."), "admin.questions",
                             unit_code=found.code)
    questionnaire = ensure_questionnaire(session)
    own = session.scalars(
        select(Question).where(Question.questionnaire_id == questionnaire.id,
                               Question.unit_id == found.id).order_by(Question.position)
    ).all()
    return render_template("admin/questions.html", unit=found, questions=own, form=form)


@blueprint.route("/questions/<int:question_id>", methods=["GET", "POST"])
@staff_only
def question(question_id: int):
    session = db.session()
    found = in_scope_or_404(session, _me(), Question, question_id)
    unit_ = session.get(Unit, found.unit_id)
    form = forms.QuestionForm()
    if request.method == "GET":
        form.code.data, form.text_id.data, form.text_en.data = (found.code, found.text_id,
                                                                 found.text_en)
        for language in ("id", "en"):
            for n, label in enumerate(found.labels.get(language, []), start=1):
                getattr(form, f"label_{language}_{n}").data = label
        form.about_officer.data, form.active.data = found.about_officer, found.active
    else:
        _require_admin()
        form.code.data = found.code  # the code is fixed: answers are stored against it
        if form.validate_on_submit():
            try:
                services.update_question(
                    session, _me(), found, text_id=form.text_id.data, text_en=form.text_en.data,
                    labels_id=form.labels("id"), labels_en=form.labels("en"),
                    about_officer=form.about_officer.data, active=form.active.data,
                )
            except AdminError as exc:
                session.rollback()
                form.text_id.errors = [*form.text_id.errors, str(exc)]
            else:
                return _done(_("Pertanyaan disimpan."), "admin.questions",
                             unit_code=unit_.code)
    return render_template("admin/question.html", unit=unit_, question=found, form=form)


# --- QR codes -------------------------------------------------------------------------


@blueprint.get("/units/<unit_code>/codes")
@staff_only
def codes(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, _me(), unit_code)
    standing = services.standing_codes(session, found)
    config = current_app.config

    def url(code):
        return survey_url(code, config["SECRET_KEY"], config["BASE_URL"]) if code else None

    rows = [("counter", c, standing.get(("counter", c.id))) for c in found.counters]
    rows += [("officer", o, standing.get(("officer", o.id))) for o in found.officers]
    return render_template("admin/codes.html", unit=found, rows=rows, url=url,
                           action=forms.ActionForm())


@blueprint.get("/codes/<int:code_id>.svg")
@staff_only
def code_image(code_id: int):
    """The code as an SVG to print on a poster or badge."""
    from survey.qr import svg_text

    code = in_scope_or_404(db.session(), _me(), QrCode, code_id)
    config = current_app.config
    response = current_app.response_class(
        svg_text(survey_url(code, config["SECRET_KEY"], config["BASE_URL"])),
        mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _code_action(code_id: int, change, message: str):
    session = db.session()
    code = in_scope_or_404(session, _me(), QrCode, code_id)
    _require_admin()
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        change(session, _me(), code)
    except AdminError as exc:
        return _failed(exc, "admin.codes", unit_code=code.unit.code)
    return _done(message, "admin.codes", unit_code=code.unit.code)


@blueprint.post("/codes/<int:code_id>/revoke")
@staff_only
def code_revoke(code_id: int):
    return _code_action(code_id, services.revoke_qr,
                        _("Kode dicabut. Poster lamanya tidak berlaku lagi."))


@blueprint.post("/codes/<int:code_id>/reissue")
@staff_only
def code_reissue(code_id: int):
    return _code_action(code_id, services.reissue_qr,
                        _("Kode lama dicabut dan kode baru diterbitkan; cetak poster barunya."))


@blueprint.post("/counters/<int:counter_id>/code")
@staff_only
def counter_code(counter_id: int):
    session = db.session()
    counter = in_scope_or_404(session, _me(), Counter, counter_id)
    _require_admin()
    return _issue(counter.unit.code, counter=counter)


@blueprint.post("/officers/<int:officer_id>/code")
@staff_only
def officer_code(officer_id: int):
    session = db.session()
    officer = officer_in_scope(session, _me(), officer_id)
    _require_admin()
    return _issue(officer.unit.code, officer=officer)


def _issue(unit_code: str, **owner):
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    try:
        services.issue_qr(db.session(), _me(), **owner)
    except AdminError as exc:
        return _failed(exc, "admin.codes", unit_code=unit_code)
    return _done(_("Kode diterbitkan."), "admin.codes", unit_code=unit_code)


# --- audit log ------------------------------------------------------------------------

AUDIT_PAGE = 100


@blueprint.get("/audit")
@admin_only
def audit_log():
    before = request.args.get("before", type=int)
    action = (request.args.get("action") or "").strip()[:80] or None
    actor = (request.args.get("actor") or "").strip()[:120] or None
    entries = audit.recent(db.session(), limit=AUDIT_PAGE, before_id=before, action=action,
                           actor=actor)
    older = entries[-1].id if len(entries) == AUDIT_PAGE else None
    return render_template("admin/audit.html", entries=entries, older=older, action=action,
                           actor=actor)


def register(app) -> None:
    app.register_blueprint(blueprint)

