"""Pages for heads and supervisors: the complaint follow-up list and detail, and the ratings
flagged by the integrity checks. Scope comes from ``core.auth``; every change is a Flask-WTF
form, POST → redirect."""

from __future__ import annotations

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core import db
from core.auth import can_see_unit, roles_required, signed_in_user, visible_unit_ids
from core.localtime import local_today, user_zone
from core.models import Role, Unit, User
from core.scope import among, within
from survey import complaints, integrity, moderation
from survey.complaints import ACTION_LABELS, STATUS_LABELS, ComplaintError, Filters
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES, COMPLAINT_STATUSES
from survey.models import COMMENT_TAGS, Rating
from survey.moderation import TAG_LABELS

blueprint = Blueprint("complaints", __name__)

PAGE_SIZE = 50
NOTE_MAX = 2000
ROLE_LABELS = {"admin": _l("administrator"), "head": _l("kepala dinas"),
               "supervisor": _l("kepala unit")}


class FilterForm(FlaskForm):
    """The list's filters: a GET form, so no CSRF token (it changes nothing)."""

    class Meta:
        csrf = False

    status = SelectField(_l("Status"), validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    category = SelectField(_l("Kategori"), validate_choice=False)
    kind = SelectField(_l("Jenis"), validate_choice=False)
    tag = SelectField(_l("Tag"), validate_choice=False)
    overdue = BooleanField(_l("Hanya yang terlambat"))


class StatusForm(FlaskForm):
    status = SelectField(_l("Status baru"), validators=[DataRequired()])
    note = TextAreaField(_l("Catatan (opsional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Tugaskan kepada"), validators=[DataRequired()])
    note = StringField(_l("Catatan (opsional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Catatan internal"), validators=[DataRequired(), Length(max=NOTE_MAX)])


class CitizenNoteForm(FlaskForm):
    message = TextAreaField(_l("Pesan untuk warga"),
                            validators=[DataRequired(), Length(max=NOTE_MAX)])


class ReopenForm(FlaskForm):
    note = TextAreaField(_l("Alasan membuka kembali"),
                         validators=[DataRequired(), Length(max=NOTE_MAX)])


class ClearFlagsForm(FlaskForm):
    rating_id = HiddenField(validators=[DataRequired()])
    note = StringField(_l("Alasan (opsional)"), validators=[Optional(), Length(max=NOTE_MAX)])


def _user() -> User:
    user = signed_in_user()
    assert user is not None  # roles_required let us in
    return user


def _units_in_scope(session, user: User) -> list[Unit]:
    visible = visible_unit_ids(session, user)
    query = select(Unit).order_by(Unit.name)
    query = within(query, Unit.id, visible)
    return list(session.scalars(query))


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _today(session, user: User):
    """Today in the user's own unit's zone, else the deployment's default zone."""
    return local_today(user_zone(session, user, current_app.config["TIMEZONE"]))


FILTER_ARGS = ("status", "unit", "category", "kind", "tag", "overdue")


@blueprint.context_processor
def template_helpers():
    def local_time(moment: datetime | None, zone: str | None = None) -> str:
        if moment is None:
            return ""
        return moment.astimezone(ZoneInfo(zone or current_app.config["TIMEZONE"])).strftime(
            "%Y-%m-%d %H:%M")

    def page_url(page: int) -> str:
        args = {k: v for k, v in request.args.items() if k in FILTER_ARGS}
        return url_for("complaints.complaint_list", halaman=page, **args)

    return {"local_time": local_time, "page_url": page_url}


@blueprint.get("/pengaduan/")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_list():
    session = db.session()
    user = _user()
    units = _units_in_scope(session, user)
    form = FilterForm(request.args)
    form.status.choices = [("", _("Semua status"))] + [(s, str(STATUS_LABELS[s]))
                                                      for s in COMPLAINT_STATUSES]
    form.unit.choices = [("", _("Semua unit"))] + [(str(u.id), u.name) for u in units]
    form.category.choices = [("", _("Semua kategori"))] + [
        (code, label) for code, (_el, label, _en) in COMPLAINT_CATEGORIES.items()]
    form.kind.choices = [("", _("Keluhan dan pertanyaan"))] + [
        (kind, COMMENT_KINDS[kind][0]) for kind in complaints.FOLLOWED_UP_KINDS]
    form.tag.choices = [("", _("Semua tag"))] + [(t, str(TAG_LABELS[t])) for t in COMMENT_TAGS]
    moderation.tag_untagged_comments(session, unit_ids=[u.id for u in units])
    session.commit()  # the tags computed for comments read the first time
    filters = Filters(
        status=form.status.data if form.status.data in COMPLAINT_STATUSES else None,
        overdue=bool(form.overdue.data),
        unit_id=_int_or_none(form.unit.data),
        category=form.category.data if form.category.data in COMPLAINT_CATEGORIES else None,
        kind=form.kind.data if form.kind.data in complaints.FOLLOWED_UP_KINDS else None,
        tag=form.tag.data if form.tag.data in COMMENT_TAGS else None,
    )
    page = max(_int_or_none(request.args.get("halaman")) or 1, 1)
    today = _today(session, user)
    rows, total = complaints.list_complaints(session, user, filters, today=today,
                                             limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    return render_template(
        "complaints/list.html",
        form=form,
        complaints=rows,
        # Masked for the list: the original is on the detail page, for the assignee.
        texts={c.id: moderation.display_text(c.text, user) for c in rows},
        tags=moderation.tags_of(session, [c.id for c in rows]),
        tag_labels=TAG_LABELS,
        total=total,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        today=today,
        units={u.id: u for u in units},
        overdue_total=complaints.overdue_count(session, user, today),
        is_overdue=complaints.is_overdue,
        days_left=complaints.days_left,
        status_labels=STATUS_LABELS,
        categories=COMPLAINT_CATEGORIES,
        kinds=COMMENT_KINDS,
    )


def _complaint_or_404(comment_id: int):
    comment = complaints.get_complaint(db.session(), _user(), comment_id)
    if comment is None:
        abort(404)
    return comment


def _action_forms(session, comment, user: User) -> dict:
    later = COMPLAINT_STATUSES[COMPLAINT_STATUSES.index(comment.status) + 1:]
    status_form = StatusForm(prefix="status")
    status_form.status.choices = [(s, str(STATUS_LABELS[s])) for s in later]
    assign_form = AssignForm(prefix="assign")
    assign_form.assignee.choices = [("0", _("(tidak ada)"))] + [
        (str(u.id), f"{u.display_name or u.username} ({ROLE_LABELS.get(u.role, u.role)})")
        for u in complaints.assignable_users(session, comment)]
    assign_form.assignee.data = str(comment.assignee_id or 0)
    return {
        "status_form": status_form if later else None,
        "assign_form": assign_form,
        "note_form": NoteForm(prefix="note"),
        "citizen_form": CitizenNoteForm(prefix="citizen")
        if complaints.can_contact(comment) else None,
        "reopen_form": ReopenForm(prefix="reopen")
        if comment.status == "selesai" and complaints.may_reopen(user) else None,
    }


@blueprint.get("/pengaduan/<int:comment_id>")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_detail(comment_id: int):
    session = db.session()
    user = _user()
    comment = _complaint_or_404(comment_id)
    unit = session.get(Unit, comment.unit_id)
    assignee = session.get(User, comment.assignee_id) if comment.assignee_id else None
    people = {u.id: u for u in session.scalars(
        select(User).where(among(User.id, {e.user_id for e in comment.events if e.user_id})))}
    today = local_today(unit.timezone)
    moderation.tag_untagged_comments(session, unit_ids=[comment.unit_id])
    session.commit()
    original = moderation.may_see_original(user, comment)
    return render_template(
        "complaints/detail.html",
        comment=comment,
        text=moderation.display_text(comment.text, user, original=original),
        original=original,
        tags=moderation.tags_of(session, [comment.id]).get(comment.id, []),
        tag_labels=TAG_LABELS,
        rating=comment.rating,
        unit=unit,
        assignee=assignee,
        people=people,
        today=today,
        overdue=complaints.is_overdue(comment, today),
        days_left=complaints.days_left(comment, today),
        status_labels=STATUS_LABELS,
        action_labels=ACTION_LABELS,
        categories=COMPLAINT_CATEGORIES,
        kinds=COMMENT_KINDS,
        flags=integrity.describe(comment.rating.flags),
        **_action_forms(session, comment, user),
    )


def _act(comment_id: int, form_class, prefix: str, action):
    """Validate one action's form, run it, commit once, and go back to the detail page."""
    session = db.session()
    user = _user()
    comment = _complaint_or_404(comment_id)
    form = form_class(prefix=prefix)
    if form_class is StatusForm:
        form.status.choices = [(s, s) for s in COMPLAINT_STATUSES]
    if form_class is AssignForm:
        form.assignee.choices = [("0", "")] + [
            (str(u.id), "") for u in complaints.assignable_users(session, comment)]
    if not form.validate_on_submit():
        session.rollback()
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("complaints.complaint_detail", comment_id=comment.id), code=303)
    try:
        action(session, comment, user, form)
    except ComplaintError as error:
        session.rollback()
        flash(str(error.message), "error")
    else:
        session.commit()
        flash(_("Tersimpan."), "ok")
    return redirect(url_for("complaints.complaint_detail", comment_id=comment.id), code=303)


@blueprint.post("/pengaduan/<int:comment_id>/status")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_status(comment_id: int):
    return _act(comment_id, StatusForm, "status",
                lambda s, c, u, f: complaints.change_status(s, c, u, f.status.data, f.note.data))


@blueprint.post("/pengaduan/<int:comment_id>/tugaskan")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_assign(comment_id: int):
    def assign(session, comment, user, form):
        assignee_id = _int_or_none(form.assignee.data)
        assignee = session.get(User, assignee_id) if assignee_id else None
        complaints.assign(session, comment, user, assignee, form.note.data or "")

    return _act(comment_id, AssignForm, "assign", assign)


@blueprint.post("/pengaduan/<int:comment_id>/catatan")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_note(comment_id: int):
    return _act(comment_id, NoteForm, "note",
                lambda s, c, u, f: complaints.add_note(s, c, u, f.note.data))


@blueprint.post("/pengaduan/<int:comment_id>/pesan-warga")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def complaint_citizen_note(comment_id: int):
    return _act(comment_id, CitizenNoteForm, "citizen",
                lambda s, c, u, f: complaints.note_to_citizen(s, c, u, f.message.data))


@blueprint.post("/pengaduan/<int:comment_id>/buka-kembali")
@roles_required(Role.HEAD)
def complaint_reopen(comment_id: int):
    return _act(comment_id, ReopenForm, "reopen",
                lambda s, c, u, f: complaints.reopen(
                    s, c, u, f.note.data,
                    due_working_days=current_app.config["COMPLAINT_DUE_WORKING_DAYS"]))


# --- ratings flagged by the integrity checks ------------------------------------------------


@blueprint.get("/integritas/")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def flagged_list():
    session = db.session()
    user = _user()
    visible = visible_unit_ids(session, user)
    show_cleared = request.args.get("dibersihkan") == "1"
    ratings = integrity.flagged_ratings(session, visible, cleared=show_cleared)
    units = {u.id: u for u in _units_in_scope(session, user)}
    return render_template(
        "complaints/flags.html",
        ratings=ratings,
        units=units,
        counts=integrity.flag_counts(session, visible),
        reasons=integrity.REASONS,
        describe=integrity.describe,
        show_cleared=show_cleared,
        may_clear=user.role in (Role.HEAD.value, Role.ADMIN.value),
        form=ClearFlagsForm(),
    )


@blueprint.post("/integritas/bersihkan")
@roles_required(Role.HEAD)
def flagged_clear():
    session = db.session()
    user = _user()
    form = ClearFlagsForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        rating_id = uuid.UUID(form.rating_id.data)
    except ValueError:
        abort(404)
    rating = session.get(Rating, rating_id)
    if rating is None or not rating.flags or not can_see_unit(session, user, rating.unit_id):
        abort(404)
    try:
        integrity.clear_flags(session, rating, user, note=form.note.data or "")
    except integrity.FlagsAlreadyCleared:
        session.rollback()
        flash(_("Tanda penilaian ini sudah dibersihkan."), "error")
    else:
        session.commit()
        flash(_("Penilaian dihitung kembali untuk komponen petugas."), "ok")
    return redirect(url_for("complaints.flagged_list"), code=303)
