"""The administration pages under /admin. Administrators change things; heads and
supervisors read what lies in their scope (their department, their unit). Every object a
URL names is loaded through the scope helpers of ``core.auth``, so an object outside the
reader's scope answers 404 like one that does not exist.

This module holds the blueprint, the overview page and what every page shares; the pages
are grouped by topic in ``organisation_views``, ``user_views``, ``question_views``,
``code_views`` and ``audit_views`` (``admin.init_app`` imports them all)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select

from admin import forms
from core import db
from core.auth import (
    roles_required,
    signed_in_user,
    visible_units,
)
from core.models import Counter, Officer, Role, User, utcnow

blueprint = Blueprint("admin", __name__, url_prefix="/admin")

staff_only = roles_required(Role.HEAD, Role.SUPERVISOR)  # and the administrator
admin_only = roles_required(Role.ADMIN)


@blueprint.app_template_filter("admin_time")
def admin_time(moment, zone: str | None = None) -> str:
    """A stored UTC moment in the unit's zone (or the deployment's), as an office reads it."""
    local = moment.astimezone(ZoneInfo(zone or current_app.config["TIMEZONE"]))
    return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")


@blueprint.context_processor
def admin_context():
    return {"role_names": dict(forms.ROLE_CHOICES), "now": utcnow()}


def me() -> User:
    user = signed_in_user()
    assert user is not None  # the decorators let only signed-in users through
    return user


def is_admin() -> bool:
    return me().role == Role.ADMIN.value


def require_admin() -> None:
    """Reading may be shared with heads and supervisors; changing is the administrator's."""
    if not is_admin():
        abort(403)


def done(message: str, endpoint: str, **values):
    db.session().commit()
    flash(message, "info")
    return redirect(url_for(endpoint, **values), code=303)


def failed(exc: Exception, endpoint: str, **values):
    db.session().rollback()
    flash(str(exc), "error")
    return redirect(url_for(endpoint, **values), code=303)


def form_errors(form) -> str:
    return " ".join(f"{form[name].label.text}: {' '.join(errors)}"
                    for name, errors in form.errors.items() if name in form)


# --- overview -------------------------------------------------------------------------


@blueprint.get("/")
@staff_only
def index():
    session = db.session()
    units = visible_units(session, me())
    unit_ids = [u.id for u in units] or [-1]
    counts = {
        "units": len(units),
        "counters": session.scalar(select(func.count()).select_from(Counter)
                                   .where(Counter.unit_id.in_(unit_ids))),
        "officers": session.scalar(select(func.count()).select_from(Officer)
                                   .where(Officer.unit_id.in_(unit_ids))),
    }
    if is_admin():
        counts["users"] = session.scalar(select(func.count()).select_from(User))
    return render_template("admin/index.html", counts=counts, units=units)


def wanted_active() -> bool | None:
    return {"1": True, "0": False}.get(request.form.get("active", ""))
