"""An office's own questions, asked after the nine SKM elements."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from admin import forms, services
from admin.services import AdminError
from admin.views import (
    blueprint,
    done,
    me,
    require_admin,
    staff_only,
)
from core import db
from core.auth import (
    in_scope_or_404,
    unit_in_scope,
)
from core.models import Unit
from survey.models import Question
from survey.services import active_questionnaire


@blueprint.route("/units/<unit_code>/questions", methods=["GET", "POST"])
@staff_only
def questions(unit_code: str):
    session = db.session()
    found = unit_in_scope(session, me(), unit_code)
    form = forms.QuestionForm()
    if request.method == "POST":
        require_admin()
        if form.validate_on_submit():
            try:
                services.add_question(
                    session, me(), found, code=form.code.data, text_id=form.text_id.data,
                    text_en=form.text_en.data, labels_id=form.labels("id"),
                    labels_en=form.labels("en"), about_officer=form.about_officer.data,
                )
            except AdminError as exc:
                session.rollback()
                form.code.errors = [*form.code.errors, str(exc)]
            else:
                return done(_("Pertanyaan ditambahkan."), "admin.questions",
                             unit_code=found.code)
    questionnaire = active_questionnaire(session)
    own = session.scalars(
        select(Question).where(Question.questionnaire_id == questionnaire.id,
                               Question.unit_id == found.id).order_by(Question.position)
    ).all()
    return render_template("admin/questions.html", unit=found, questions=own, form=form)


@blueprint.route("/questions/<int:question_id>", methods=["GET", "POST"])
@staff_only
def question(question_id: int):
    session = db.session()
    found = in_scope_or_404(session, me(), Question, question_id)
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
        require_admin()
        form.code.data = found.code  # the code is fixed: answers are stored against it
        if form.validate_on_submit():
            try:
                services.update_question(
                    session, me(), found, text_id=form.text_id.data, text_en=form.text_en.data,
                    labels_id=form.labels("id"), labels_en=form.labels("en"),
                    about_officer=form.about_officer.data, active=form.active.data,
                )
            except AdminError as exc:
                session.rollback()
                form.text_id.errors = [*form.text_id.errors, str(exc)]
            else:
                return done(_("Pertanyaan disimpan."), "admin.questions",
                             unit_code=unit_.code)
    return render_template("admin/question.html", unit=unit_, question=found, form=form)
