"""Signing in and out, changing one's password, and each role's home page.

Failed sign-ins are counted per account: after ``LOGIN_MAX_FAILURES`` in a row the account
is locked for ``LOGIN_LOCK_MINUTES``. Every failure — unknown name, wrong password, locked
account — gets the same message and costs the same argon2 work, so the page never tells
whether a username exists."""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import (
    session as http_session,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from core import audit, db, navigation
from core.auth import (
    Account,
    end_sessions,
    hash_password,
    signed_in_user,
    stand_in_hash,
    verify_password,
)
from core.db import begin_write
from core.models import User, utcnow

LOGIN_MAX_FAILURES = 5
LOGIN_LOCK_MINUTES = 15
PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256


blueprint = Blueprint("accounts", __name__)


class AccountError(ValueError):
    """A password or account rule was not met; the message is for the user."""


# --- logic ----------------------------------------------------------------------------


def _failure_limits() -> tuple[int, timedelta]:
    config = current_app.config
    return (config.get("LOGIN_MAX_FAILURES", LOGIN_MAX_FAILURES),
            timedelta(minutes=config.get("LOGIN_LOCK_MINUTES", LOGIN_LOCK_MINUTES)))


def authenticate(session: Session, username: str, password: str,
                 now: datetime | None = None) -> User | None:
    """The user if the name and password match an active, unlocked account; else ``None``.
    Counts failures and locks the account after too many (flushes; the caller commits)."""
    now = now or utcnow()
    user = session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if user is None:
        verify_password(stand_in_hash(), password)  # as long as a wrong password takes
        return None
    correct = verify_password(user.password_hash, password)
    if is_locked(user, now):
        return None
    if not correct:
        record_failure(session, user, now)
        return None
    if not user.active:
        return None
    # One statement, and only while no concurrent failure has locked the account meanwhile.
    begin_write(session)
    signed_in = session.execute(
        update(User)
        .where(User.id == user.id, or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=0, locked_until=None, last_login_at=now)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user, ["failed_logins", "locked_until", "last_login_at"])
    return user if signed_in is not None else None


def is_locked(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def record_failure(session: Session, user: User, now: datetime | None = None) -> bool:
    """Count one wrong password for ``user``; lock the account when that makes too many.
    Returns whether this failure locked it.

    Counted in the database in one ``UPDATE … RETURNING``, never read-then-written: eight
    wrong passwords at once are eight failures (PostgreSQL makes each UPDATE of the row
    wait for the one before it), and on SQLite the write transaction is taken up front
    (``begin_write``) instead of upgrading a reader, which fails at once under load."""
    now = now or utcnow()
    max_failures, lock_for = _failure_limits()
    begin_write(session)
    reaches_limit = User.failed_logins + 1 >= max_failures
    row = session.execute(
        update(User)
        .where(User.id == user.id)
        .values(failed_logins=case((reaches_limit, 0), else_=User.failed_logins + 1),
                locked_until=case((reaches_limit, now + lock_for), else_=User.locked_until))
        .returning(User.failed_logins)
        .execution_options(synchronize_session=False)
    ).one()
    session.expire(user, ["failed_logins", "locked_until"])
    locked = row.failed_logins == 0
    if locked:
        audit.record(session, None, "user.locked", f"user:{user.username}",
                     {"minutes": int(lock_for.total_seconds() // 60)})
        session.flush()
    return locked


def check_new_password(user: User, password: str) -> None:
    if len(password) < PASSWORD_MIN_LENGTH:
        raise AccountError(_("Kata sandi minimal %(n)d karakter.", n=PASSWORD_MIN_LENGTH))
    if len(password) > PASSWORD_MAX_LENGTH:
        raise AccountError(_("Kata sandi paling panjang %(n)d karakter.", n=PASSWORD_MAX_LENGTH))
    if password.strip().lower() == (user.username or "").strip().lower():
        raise AccountError(_("Kata sandi tidak boleh sama dengan nama pengguna."))


def set_password(session: Session, user: User, password: str, now: datetime | None = None) -> None:
    """Set a new password. Every session signed in with the old one ends (the session
    version moves); the failure count and lock are cleared."""
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    user.password_changed_at = now or utcnow()
    user.failed_logins = 0
    user.locked_until = None
    end_sessions(user)
    session.flush()


class WrongCurrentPassword(AccountError):
    """Counted like a failed sign-in: the caller commits the count."""


def change_own_password(session: Session, user: User, current: str, new: str,
                        now: datetime | None = None) -> None:
    """A signed-in user's own change. A wrong current password counts as a failed sign-in,
    so a borrowed session cannot be used to guess it; a locked account changes nothing."""
    now = now or utcnow()
    if is_locked(user, now):
        raise WrongCurrentPassword(_locked_message())
    if not verify_password(user.password_hash, current):
        if record_failure(session, user, now):
            raise WrongCurrentPassword(_locked_message())
        raise WrongCurrentPassword(_("Kata sandi saat ini salah."))
    if current == new:
        raise AccountError(_("Kata sandi baru harus berbeda dari yang lama."))
    set_password(session, user, new, now)
    audit.record(session, user, "user.password_change", f"user:{user.username}")


def _locked_message() -> str:
    _max, lock_for = _failure_limits()
    return _("Terlalu banyak kata sandi salah: akun dikunci %(minutes)d menit.",
             minutes=int(lock_for.total_seconds() // 60))


def safe_next(target: str | None) -> str | None:
    """A path on this site to return to after signing in, or ``None``. Absolute and
    scheme-relative URLs (``//evil.example``, ``/\\evil.example``) are refused."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def home_url(user: User) -> str:
    """Where ``user`` lands after signing in: the first "landing" entry the areas registered
    for the role (core/navigation.py), else their own password page."""
    return navigation.landing_url(user.role, default="accounts.password")


# --- forms ----------------------------------------------------------------------------


class LoginForm(FlaskForm):
    username = StringField(_l("Nama pengguna"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Kata sandi"), validators=[DataRequired(),
                                                            Length(max=PASSWORD_MAX_LENGTH)])
    submit = SubmitField(_l("Masuk"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Kata sandi saat ini"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("Kata sandi baru"),
        validators=[DataRequired(), Length(min=PASSWORD_MIN_LENGTH, max=PASSWORD_MAX_LENGTH)],
    )
    confirm = PasswordField(
        _l("Ulangi kata sandi baru"),
        validators=[DataRequired(), EqualTo("new_password", _l("Kedua kata sandi tidak sama."))],
    )
    submit = SubmitField(_l("Ganti kata sandi"))


# --- views ----------------------------------------------------------------------------

FAILED_LOGIN = _l(
    "Nama pengguna atau kata sandi salah, atau akun sedang dikunci. Setelah %(n)d kali "
    "gagal berturut-turut, akun dikunci %(minutes)d menit."
)


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    user = signed_in_user()
    if user is not None:
        return redirect(safe_next(request.args.get("next")) or home_url(user))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        session = db.session()
        found = authenticate(session, form.username.data, form.password.data)
        session.commit()
        if found is not None:
            # A fresh session: nothing set before signing in survives (session fixation).
            http_session.clear()
            login_user(Account(found))
            return redirect(safe_next(request.args.get("next")) or home_url(found))
        max_failures, lock_for = _failure_limits()
        error = FAILED_LOGIN % {"n": max_failures,
                                "minutes": int(lock_for.total_seconds() // 60)}
    return render_template("accounts/login.html", form=form, error=error)


@blueprint.post("/logout")
def logout():
    user = signed_in_user()
    if user is not None:
        # On the server too: a copy of this session's cookie is dead from now on.
        session = db.session()
        begin_write(session)
        end_sessions(user)
        session.commit()
    logout_user()
    http_session.clear()
    flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("accounts.login"))


@blueprint.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    user = signed_in_user()
    assert user is not None
    form = PasswordForm()
    if form.validate_on_submit():
        session = db.session()
        try:
            change_own_password(session, user, form.current_password.data, form.new_password.data)
        except WrongCurrentPassword as exc:
            session.commit()  # the failure counts
            form.current_password.errors = [*form.current_password.errors, str(exc)]
        except AccountError as exc:
            session.rollback()
            form.new_password.errors = [*form.new_password.errors, str(exc)]
        else:
            session.commit()
            # This session follows the new password; every other one is now signed out.
            login_user(Account(user))
            flash(_("Kata sandi sudah diganti. Sesi lain akun ini sudah diakhiri."), "info")
            return redirect(home_url(user))
    return render_template("accounts/password.html", form=form,
                           min_length=PASSWORD_MIN_LENGTH)


@blueprint.get("/account")
@login_required
def home():
    user = signed_in_user()
    assert user is not None
    return redirect(home_url(user))
