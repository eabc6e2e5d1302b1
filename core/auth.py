"""Who may see what. Accounts sign in with Flask-Login; passwords are hashed with argon2id.

Scope is enforced where data is read: views ask ``visible_unit_ids`` (or the ``can_see_*``
helpers) and filter their queries with it, rather than hiding links in templates.
- administrator: everything
- department head (kepala dinas): the units, officers, ratings and comments of their department
- unit supervisor (kepala unit / atasan langsung): their unit
- officer: their own component and the comments about them
- the public (nobody signed in): unit-level results only
"""

from __future__ import annotations

import secrets
import time
from datetime import timedelta
from functools import wraps

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, abort, current_app, has_app_context, redirect, request, url_for
from flask_login import LoginManager, current_user
from sqlalchemy import false, inspect, select
from sqlalchemy.orm import Session

from core import db
from core.inputs import MAX_ID
from core.models import Officer, Role, Unit, User
from core.scope import within

login_manager = LoginManager()
# argon2's own defaults (RFC 9106's low-memory profile) for every real app. TESTING apps hash at
# the cheapest cost instead: about a hundred fixtures make users, and each default hash costs a
# large part of a second. A hash carries its parameters, so either kind verifies in both.
TESTING_HASH_PARAMETERS = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}
DEFAULT_HASHER = PasswordHasher()


def build_password_hasher(config) -> PasswordHasher:
    """The app's hasher, built once in the factory (``init_app``) from its configuration."""
    if config.get("TESTING"):
        return PasswordHasher(**TESTING_HASH_PARAMETERS)
    return DEFAULT_HASHER


class Account:
    """The Flask-Login view of a ``User`` row (kept apart from the model on purpose).

    Its id, which Flask-Login keeps in the signed session cookie, is
    ``user id : session version : when signed in``. The loader refuses a session whose
    version is behind the account's (signed out, deactivated, password changed: a copied
    cookie is dead) or that is older than ``SESSION_HOURS``."""

    def __init__(self, user: User, signed_in_at: int | None = None):
        self.user = user
        self.signed_in_at = int(time.time()) if signed_in_at is None else signed_in_at

    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.user.active

    def get_id(self) -> str:
        return f"{self.user.id}:{self.user.session_version or 0}:{self.signed_in_at}"

    def __getattr__(self, name):
        return getattr(self.user, name)


def password_hasher() -> PasswordHasher:
    """The current app's hasher; argon2's defaults outside an app (a script, a shell)."""
    if has_app_context():
        return current_app.extensions["password_hasher"]
    return DEFAULT_HASHER


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    return (hasher or password_hasher()).hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        # The parameters come from the hash itself, whichever hasher made it.
        return password_hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def stand_in_hash() -> str:
    """A hash of nothing anyone knows, made at the app's own cost: checked when there is no
    real hash to check (an unknown name, an officer without a PIN), so every answer costs as
    much as a real check and the time taken tells nothing either."""
    hasher = password_hasher()
    if hasher not in _STAND_IN:
        _STAND_IN[hasher] = hasher.hash(secrets.token_hex(16))
    return _STAND_IN[hasher]


_STAND_IN: dict[PasswordHasher, str] = {}


@login_manager.user_loader
def load_account(account_id: str):
    try:
        user_id, version, signed_in_at = (int(part) for part in account_id.split(":"))
    except ValueError:
        return None  # a session from before session versions: sign in again
    lifetime = current_app.config["SESSION_HOURS"] * 3600
    if not 0 <= time.time() - signed_in_at <= lifetime or not 0 < user_id <= MAX_ID:
        return None
    user = db.session().get(User, user_id)
    if user is None or not user.active or (user.session_version or 0) != version:
        return None
    return Account(user, signed_in_at)


def end_sessions(user: User) -> None:
    """End every session of the account at its next request (flushed with the session)."""
    if inspect(user).persistent:
        # In SQL (``session_version + 1``): two sign-outs at once still move it.
        user.session_version = User.session_version + 1
    else:
        user.session_version = (user.session_version or 0) + 1


@login_manager.unauthorized_handler
def unauthorized():
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        abort(401)
    return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))


def init_app(app: Flask) -> None:
    app.extensions["password_hasher"] = build_password_hasher(app.config)
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    # The cookie's own signature expires with the session too, not after Flask's 31 days.
    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_HOURS"])


def signed_in_user() -> User | None:
    return current_user.user if current_user and current_user.is_authenticated else None


def roles_required(*roles: Role | str):
    """Only these roles (the administrator always) may use the view; others get 403."""
    allowed = {Role(r).value for r in roles} | {Role.ADMIN.value}

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = signed_in_user()
            if user is None:
                return login_manager.unauthorized()
            if user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def visible_unit_ids(session: Session, user: User | None) -> set[int] | None:
    """Units whose internal data the user may see; ``None`` means all (administrator).
    The public and officers get an empty set: they see no unit's internal data."""
    if user is None:
        return set()
    if user.role == Role.ADMIN.value:
        return None
    if user.role == Role.HEAD.value and user.department_id is not None:
        return set(session.scalars(select(Unit.id).where(Unit.department_id == user.department_id)))
    if user.role == Role.SUPERVISOR.value and user.unit_id is not None:
        return {user.unit_id}
    return set()


def can_see_unit(session: Session, user: User | None, unit_id: int) -> bool:
    visible = visible_unit_ids(session, user)
    return visible is None or unit_id in visible


def can_see_officer(session: Session, user: User | None, officer: Officer) -> bool:
    if user is not None and user.role == Role.OFFICER.value:
        return user.officer_id == officer.id
    return can_see_unit(session, user, officer.unit_id)


def restrict_to_units(query, unit_column, session: Session, user: User | None):
    """Add the user's unit scope to a ``select()``."""
    return within(query, unit_column, visible_unit_ids(session, user))


# --- helpers for readers ---------------------------------------------------------------
# Views load what a URL names through these, so an object outside the user's scope answers
# 404 exactly like one that does not exist (no probing for other departments' codes or ids).


def restrict_rows(query, session: Session, user: User | None, *, unit_column,
                  officer_column=None):
    """Scope a ``select()`` of rows about units and officers (ratings, comments, components).

    Heads and supervisors get their units' rows; an officer gets only the rows about
    themselves when ``officer_column`` is given (and nothing otherwise); the public nothing."""
    if user is not None and user.role == Role.OFFICER.value:
        if officer_column is None or user.officer_id is None:
            return query.where(false())
        return query.where(officer_column == user.officer_id)
    return restrict_to_units(query, unit_column, session, user)


def visible_units(session: Session, user: User | None) -> list[Unit]:
    """The units whose internal data the user may see, by code."""
    return list(session.scalars(restrict_to_units(select(Unit), Unit.id, session, user)
                                .order_by(Unit.code)))


def visible_department_ids(session: Session, user: User | None) -> set[int] | None:
    """Departments the user may see (``None``: all); a head's own even while it has no units."""
    if user is not None and user.role == Role.ADMIN.value:
        return None
    ids = {unit.department_id for unit in visible_units(session, user)}
    if user is not None and user.role == Role.HEAD.value and user.department_id is not None:
        ids.add(user.department_id)
    return ids


def unit_in_scope(session: Session, user: User | None, unit_code: str) -> Unit:
    """The unit with that code if the user may see it; 404 otherwise."""
    unit = session.scalars(select(Unit).where(Unit.code == unit_code)).first()
    if unit is None or not can_see_unit(session, user, unit.id):
        abort(404)
    return unit


def officer_in_scope(session: Session, user: User | None, officer_id: int) -> Officer:
    """The officer if the user may see them (an officer only themselves); 404 otherwise."""
    officer = session.get(Officer, officer_id)
    if officer is None or not can_see_officer(session, user, officer):
        abort(404)
    return officer


def in_scope_or_404(session: Session, user: User | None, model, object_id: int):
    """Any row with a ``unit_id`` (counter, code, kiosk device, question…), if in scope."""
    found = session.get(model, object_id)
    if found is None or found.unit_id is None or not can_see_unit(session, user, found.unit_id):
        abort(404)
    return found
