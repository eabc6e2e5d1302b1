"""User accounts under /admin/users: creating them, their role and scope, deactivating,
resetting a password, unlocking."""

from __future__ import annotations

from flask import abort, render_template, request
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
    wanted_active,
)
from core import db
from core.models import Department, Officer, Unit, User


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
                session, me(), username=form.username.data, password=form.password.data,
                role=form.role.data, display_name=form.display_name.data,
                department_id=form.department.data, unit_id=form.unit.data,
                officer_id=form.officer.data,
            )
        except AdminError as exc:
            session.rollback()
            form.role.errors = [*form.role.errors, str(exc)]
        else:
            return done(_("Pengguna %(name)s dibuat.", name=user.username),
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
                session, me(), user, role=form.role.data, display_name=form.display_name.data,
                department_id=form.department.data, unit_id=form.unit.data,
                officer_id=form.officer.data,
            )
        except AdminError as exc:
            session.rollback()
            form.role.errors = [*form.role.errors, str(exc)]
        else:
            return done(_("Pengguna %(name)s disimpan.", name=user.username),
                         "admin.user_edit", user_id=user.id)
    return render_template("admin/user_edit.html", user=user, form=form,
                           reset_form=forms.PasswordResetForm(), action=forms.ActionForm())


@blueprint.post("/users/<int:user_id>/active")
@admin_only
def user_active(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    wanted = wanted_active()
    if wanted is None or not forms.ActionForm().validate_on_submit():
        return failed(ValueError(_("Permintaan tidak lengkap.")), "admin.user_edit",
                       user_id=user.id)
    try:
        services.set_user_active(session, me(), user, wanted)
    except AdminError as exc:
        return failed(exc, "admin.user_edit", user_id=user.id)
    return done(_("Pengguna %(name)s diperbarui.", name=user.username),
                 "admin.user_edit", user_id=user.id)


@blueprint.post("/users/<int:user_id>/password")
@admin_only
def user_password(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    form = forms.PasswordResetForm()
    if not form.validate_on_submit():
        return failed(ValueError(form_errors(form) or _("Isi kata sandi baru.")),
                       "admin.user_edit", user_id=user.id)
    try:
        services.reset_password(session, me(), user, form.password.data)
    except AdminError as exc:
        return failed(exc, "admin.user_edit", user_id=user.id)
    return done(_("Kata sandi %(name)s disetel; sesi lamanya berakhir.", name=user.username),
                 "admin.user_edit", user_id=user.id)


@blueprint.post("/users/<int:user_id>/unlock")
@admin_only
def user_unlock(user_id: int):
    session = db.session()
    user = _user_or_404(user_id)
    if not forms.ActionForm().validate_on_submit():
        abort(400)
    services.unlock_user(session, me(), user)
    return done(_("Kunci akun %(name)s dibuka.", name=user.username),
                 "admin.user_edit", user_id=user.id)
