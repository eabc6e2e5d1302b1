"""The moderation queue for heads: comments tagged mendesak, kasar or spam first (then those
naming an officer), with the reason; hide (kept for the record, out of the officer's evidence
and praise list), keep, and correct a tag. Every decision is audited (survey.moderation)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
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
from wtforms import HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional

from core import db
from core.auth import can_see_unit, roles_required, signed_in_user, visible_unit_ids
from core.models import Officer, Role, Unit, User
from core.scope import among
from survey import moderation
from survey.elements import COMMENT_KINDS
from survey.models import COMMENT_TAGS, Comment

blueprint = Blueprint("moderation", __name__)

NOTE_MAX = 500


class HideForm(FlaskForm):
    note = StringField(_l("Alasan menyembunyikan"),
                       validators=[DataRequired(), Length(max=NOTE_MAX)])


class KeepForm(FlaskForm):
    note = StringField(_l("Catatan (opsional)"), validators=[Optional(), Length(max=NOTE_MAX)])


class TagForm(FlaskForm):
    tag = HiddenField(validators=[DataRequired(), AnyOf(COMMENT_TAGS)])
    present = HiddenField(validators=[DataRequired(), AnyOf(("1", "0"))])


def _user() -> User:
    user = signed_in_user()
    assert user is not None  # roles_required let us in
    return user


@blueprint.get("/moderasi/")
@roles_required(Role.HEAD)
def queue_page():
    session = db.session()
    user = _user()
    visible = visible_unit_ids(session, user)
    moderation.tag_untagged_comments(session, unit_ids=visible)
    session.commit()  # the tags computed for comments read the first time
    decided = request.args.get("keputusan") == "1"
    tag = request.args.get("tag") if request.args.get("tag") in COMMENT_TAGS else None
    items = moderation.queue(session, visible, decided=decided, tag=tag)
    unit_ids = {i.comment.unit_id for i in items}
    officer_ids = {i.comment.officer_id for i in items if i.comment.officer_id}
    units = {u.id: u for u in session.scalars(select(Unit).where(among(Unit.id, unit_ids)))}
    officers = {o.id: o for o in session.scalars(
        select(Officer).where(among(Officer.id, officer_ids)))}
    return render_template(
        "moderation/queue.html", items=items, decided=decided, tag=tag, units=units,
        officers=officers, tag_labels=moderation.TAG_LABELS, tag_help=moderation.TAG_HELP,
        kinds=COMMENT_KINDS, text_of=lambda c: moderation.display_text(c.text, user),
        waiting=moderation.queue_size(session, visible),
        hide_form=HideForm(), keep_form=KeepForm(), tag_form=TagForm(), all_tags=COMMENT_TAGS)


def _comment_in_scope(comment_id: int) -> Comment:
    session = db.session()
    comment = session.get(Comment, comment_id)
    if comment is None or not can_see_unit(session, _user(), comment.unit_id):
        abort(404)
    return comment


def _decide(comment_id: int, form: FlaskForm, action):
    session = db.session()
    comment = _comment_in_scope(comment_id)
    if not form.validate_on_submit():
        session.rollback()
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        try:
            action(session, comment, _user(), form)
        except moderation.ModerationError as error:
            session.rollback()
            flash(str(error.message), "error")
        else:
            session.commit()
            flash(_("Keputusan disimpan dan dicatat."), "ok")
    back = request.form.get("next") or ""
    target = back if back.startswith("/") and not back.startswith("//") else \
        url_for("moderation.queue_page")
    return redirect(target, code=303)


@blueprint.post("/moderasi/<int:comment_id>/sembunyikan")
@roles_required(Role.HEAD)
def hide(comment_id: int):
    return _decide(comment_id, HideForm(),
                   lambda s, c, u, f: moderation.hide(s, c, u, f.note.data))


@blueprint.post("/moderasi/<int:comment_id>/biarkan")
@roles_required(Role.HEAD)
def keep(comment_id: int):
    return _decide(comment_id, KeepForm(),
                   lambda s, c, u, f: moderation.keep(s, c, u, f.note.data or ""))


@blueprint.post("/moderasi/<int:comment_id>/tag")
@roles_required(Role.HEAD)
def correct_tag(comment_id: int):
    return _decide(comment_id, TagForm(), lambda s, c, u, f: moderation.correct_tag(
        s, c, u, f.tag.data, f.present.data == "1"))
