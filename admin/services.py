"""Administrative changes without HTTP (``admin`` sits above ``survey``, like an area:
only the app factory imports it). Each function checks its input, makes the change,
writes its audit entry and flushes; the view or CLI command commits once."""

from __future__ import annotations

import re
from datetime import time
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core import audit
from core.accounts import AccountError, set_password
from core.auth import end_sessions
from core.models import Counter, Department, Officer, Role, Unit, User
from survey.elements import ELEMENT_CODES
from survey.models import QrCode, Question
from survey.services import active_questionnaire, issue_code, reissue_code, revoke_code

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9._-]{3,80}$")
# Upper case: the survey form's own fields (gender, contact…) are lower case, so a question
# code can never take one of their names.
QUESTION_CODE = re.compile(r"^[A-Z][A-Z0-9]{0,7}$")
WEEKDAY_LINE = re.compile(r"^\s*([1-7])\s*:\s*(.*)$")


class AdminError(ValueError):
    """An administrative change that cannot be made; the message is for the administrator."""


# --- users ----------------------------------------------------------------------------


def _scope_for(session: Session, role: str, department_id: int | None, unit_id: int | None,
               officer_id: int | None) -> dict[str, int | None]:
    """The one scope a role needs (a head's department, a supervisor's unit, an officer's
    own record), with the others cleared so a changed role never keeps a stale scope."""
    try:
        role = Role(role).value
    except ValueError:
        raise AdminError(f"Peran '{role}' tidak dikenal.") from None
    if role == Role.ADMIN.value:
        return {"department_id": None, "unit_id": None, "officer_id": None}
    if role == Role.HEAD.value:
        if department_id is None or session.get(Department, department_id) is None:
            raise AdminError("Kepala dinas harus punya dinas.")
        return {"department_id": department_id, "unit_id": None, "officer_id": None}
    if role == Role.SUPERVISOR.value:
        unit = session.get(Unit, unit_id) if unit_id is not None else None
        if unit is None:
            raise AdminError("Atasan/kepala unit harus punya unit.")
        return {"department_id": unit.department_id, "unit_id": unit.id, "officer_id": None}
    officer = session.get(Officer, officer_id) if officer_id is not None else None
    if officer is None:
        raise AdminError("Akun petugas harus terhubung ke data petugas.")
    return {"department_id": None, "unit_id": officer.unit_id, "officer_id": officer.id}


def _describe(user: User) -> dict:
    return {"role": user.role, "department_id": user.department_id, "unit_id": user.unit_id,
            "officer_id": user.officer_id, "display_name": user.display_name,
            "active": user.active}


def user_by_username(session: Session, username: str) -> User:
    found = session.scalars(
        select(User).where(func.lower(User.username) == username.strip().lower())
    ).first()
    if found is None:
        raise AdminError(f"Pengguna '{username}' tidak ditemukan.")
    return found


def create_user(
    session: Session,
    actor: User | str | None,
    *,
    username: str,
    password: str,
    role: str,
    display_name: str = "",
    department_id: int | None = None,
    unit_id: int | None = None,
    officer_id: int | None = None,
) -> User:
    username = (username or "").strip()
    if not USERNAME_PATTERN.match(username):
        raise AdminError("Nama pengguna 3–80 karakter: huruf, angka, titik, '-' atau '_'.")
    if session.scalars(select(User.id).where(func.lower(User.username) == username.lower())
                       ).first():
        raise AdminError(f"Nama pengguna '{username}' sudah dipakai.")
    scope = _scope_for(session, role, department_id, unit_id, officer_id)
    user = User(username=username, display_name=(display_name or "").strip()[:200],
                role=Role(role).value, **scope)
    try:
        set_password(session, user, password)
    except AccountError as exc:
        raise AdminError(str(exc)) from None
    session.add(user)
    session.flush()
    audit.record(session, actor, "user.create", f"user:{username}", _describe(user))
    return user


def update_user(
    session: Session,
    actor: User | str | None,
    user: User,
    *,
    role: str,
    display_name: str,
    department_id: int | None = None,
    unit_id: int | None = None,
    officer_id: int | None = None,
) -> User:
    before = _describe(user)
    scope = _scope_for(session, role, department_id, unit_id, officer_id)
    if user.role == Role.ADMIN.value and role != Role.ADMIN.value:
        _keep_an_administrator(session, user)
    user.role = Role(role).value
    user.display_name = (display_name or "").strip()[:200]
    for name, value in scope.items():
        setattr(user, name, value)
    session.flush()
    after = _describe(user)
    changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    audit.record(session, actor, "user.update", f"user:{user.username}", changed)
    return user


def _keep_an_administrator(session: Session, leaving: User) -> None:
    others = session.scalar(
        select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != leaving.id
        )
    )
    if not others:
        raise AdminError("Ini administrator aktif terakhir; buat administrator lain dulu.")


def set_user_active(session: Session, actor: User | str | None, user: User, active: bool) -> User:
    """Deactivating ends the user's sessions for good: the loader refuses inactive accounts,
    and the session version moves, so an old cookie stays dead after reactivation. Nothing
    they did is deleted."""
    if not active:
        if isinstance(actor, User) and actor.id == user.id:
            raise AdminError("Anda tidak dapat menonaktifkan akun Anda sendiri.")
        if user.role == Role.ADMIN.value:
            _keep_an_administrator(session, user)
        if user.active:
            end_sessions(user)
    user.active = active
    session.flush()
    audit.record(session, actor, "user.activate" if active else "user.deactivate",
                 f"user:{user.username}")
    return user


def reset_password(session: Session, actor: User | str | None, user: User, password: str) -> None:
    """Set a password chosen by an administrator (to hand over in person); the user's
    sessions end and the lock is lifted."""
    try:
        set_password(session, user, password)
    except AccountError as exc:
        raise AdminError(str(exc)) from None
    audit.record(session, actor, "user.password_reset", f"user:{user.username}")


def unlock_user(session: Session, actor: User | str | None, user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None
    session.flush()
    audit.record(session, actor, "user.unlock", f"user:{user.username}")


# --- units ----------------------------------------------------------------------------


def parse_service_hours(text: str) -> dict[str, list[list[str]]] | None:
    """``"1: 08:00-16:00"`` per line (ISO weekday, 1 = Monday; periods separated by
    commas). Empty text means the deployment's default hours (``None``)."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        return None
    hours: dict[str, list[list[str]]] = {}
    for line in lines:
        match = WEEKDAY_LINE.match(line)
        if not match:
            raise AdminError(f"Baris jam layanan tidak dikenali: '{line.strip()}' "
                             "(contoh: '5: 08:00-11:30, 13:00-16:00').")
        day, periods = match.groups()
        parsed = []
        for period in filter(None, (p.strip() for p in periods.split(","))):
            try:
                start, end = (time.fromisoformat(part.strip()) for part in period.split("-"))
            except ValueError:
                raise AdminError(f"Jam '{period}' tidak dikenali (contoh: 08:00-16:00).") from None
            if end <= start:
                raise AdminError(f"Jam '{period}': jam selesai harus setelah jam mulai.")
            parsed.append([start.strftime("%H:%M"), end.strftime("%H:%M")])
        if parsed:
            hours[day] = sorted(parsed)
    return hours or None


def format_service_hours(hours: dict | None) -> str:
    if not hours:
        return ""
    return "\n".join(
        f"{day}: " + ", ".join(f"{start}-{end}" for start, end in hours[day])
        for day in sorted(hours, key=int)
    )


def update_unit(
    session: Session,
    actor: User | str | None,
    unit: Unit,
    *,
    name: str,
    timezone: str,
    annual_population: int | None,
    service_hours: dict | None,
    published: bool,
) -> Unit:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AdminError(f"Zona waktu '{timezone}' tidak dikenal.") from None
    if annual_population is not None and annual_population < 1:
        raise AdminError("Populasi tahunan harus bilangan positif.")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise AdminError("Nama unit wajib diisi, paling panjang 200 karakter.")
    before = {"name": unit.name, "timezone": unit.timezone,
              "annual_population": unit.annual_population,
              "service_hours": unit.service_hours, "published": unit.published}
    unit.name, unit.timezone = name, timezone
    unit.annual_population, unit.service_hours = annual_population, service_hours
    unit.published = published
    session.flush()
    after = {"name": unit.name, "timezone": unit.timezone,
             "annual_population": unit.annual_population,
             "service_hours": unit.service_hours, "published": unit.published}
    audit.record(session, actor, "unit.update", f"unit:{unit.code}",
                 {k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return unit


def set_counter_active(session: Session, actor, counter: Counter, active: bool) -> Counter:
    counter.active = active
    session.flush()
    audit.record(session, actor, "counter.activate" if active else "counter.deactivate",
                 f"counter:{counter.code}")
    return counter


def set_officer_active(session: Session, actor, officer: Officer, active: bool) -> Officer:
    officer.active = active
    session.flush()
    audit.record(session, actor, "officer.activate" if active else "officer.deactivate",
                 f"officer:{officer.identifier}")
    return officer


# --- an office's own questions ----------------------------------------------------------


def _question_fields(text_id: str, text_en: str, labels_id: list[str], labels_en: list[str]):
    text_id, text_en = (text_id or "").strip(), (text_en or "").strip()
    if not text_id:
        raise AdminError("Teks pertanyaan (Bahasa Indonesia) wajib diisi.")
    labels_id = [label.strip() for label in labels_id]
    labels_en = [label.strip() for label in labels_en]
    if len(labels_id) != 4 or not all(labels_id):
        raise AdminError("Isi keempat pilihan jawaban (Bahasa Indonesia), dari terburuk.")
    if any(labels_en) and not all(labels_en):
        raise AdminError("Isi keempat pilihan jawaban bahasa Inggris, atau kosongkan semuanya.")
    return {"text_id": text_id, "text_en": text_en or text_id,
            "labels": {"id": labels_id, "en": labels_en if all(labels_en) else labels_id}}


def add_question(
    session: Session,
    actor,
    unit: Unit,
    *,
    code: str,
    text_id: str,
    text_en: str,
    labels_id: list[str],
    labels_en: list[str],
    about_officer: bool = False,
) -> Question:
    """An office's own question, asked after the nine SKM elements. It never enters the
    IKM (the regulation fixes those nine); its answers are reported on their own."""
    code = (code or "").strip().upper()
    if not QUESTION_CODE.match(code):
        raise AdminError("Kode pertanyaan 1–8 huruf atau angka, diawali huruf (mis. K1).")
    if code in ELEMENT_CODES:
        raise AdminError(f"Kode {code} dipakai unsur SKM; pilih kode lain (mis. K1).")
    questionnaire = active_questionnaire(session)
    mine = list(session.scalars(select(Question).where(
        Question.questionnaire_id == questionnaire.id, Question.unit_id == unit.id)))
    if any(q.code == code for q in mine):
        raise AdminError(f"Unit ini sudah punya pertanyaan berkode {code}.")
    question = Question(
        questionnaire=questionnaire, code=code, unit_id=unit.id, standard=False,
        position=max((q.position for q in mine), default=100) + 1,
        about_officer=about_officer, active=True,
        **_question_fields(text_id, text_en, labels_id, labels_en),
    )
    session.add(question)
    session.flush()
    audit.record(session, actor, "question.create", f"unit:{unit.code}/question:{code}",
                 {"text_id": question.text_id, "about_officer": about_officer})
    return question


def update_question(
    session: Session,
    actor,
    question: Question,
    *,
    text_id: str,
    text_en: str,
    labels_id: list[str],
    labels_en: list[str],
    about_officer: bool,
    active: bool,
) -> Question:
    if question.standard:
        raise AdminError("Unsur SKM baku tidak dapat diubah.")
    fields = _question_fields(text_id, text_en, labels_id, labels_en)
    before = {"text_id": question.text_id, "text_en": question.text_en,
              "labels": question.labels, "about_officer": question.about_officer,
              "active": question.active}
    for name, value in fields.items():
        setattr(question, name, value)
    question.about_officer, question.active = about_officer, active
    session.flush()
    after = {**fields, "about_officer": about_officer, "active": active}
    audit.record(session, actor, "question.update", f"question:{question.id}:{question.code}",
                 {k: [before[k], after[k]] for k in after if before[k] != after[k]})
    return question


# --- QR codes -------------------------------------------------------------------------


def _code_target(code: QrCode) -> str:
    if code.kind == "counter" and code.counter is not None:
        return f"counter:{code.counter.code}"
    if code.kind == "officer" and code.officer is not None:
        return f"officer:{code.officer.identifier}"
    return f"code:{code.public_id}"


def revoke_qr(session: Session, actor, code: QrCode) -> QrCode:
    if code.revoked_at is not None:
        raise AdminError("Kode ini sudah dicabut.")
    revoke_code(session, code)
    session.flush()
    audit.record(session, actor, "code.revoke", _code_target(code), {"public_id": code.public_id})
    return code


def reissue_qr(session: Session, actor, code: QrCode) -> QrCode:
    if code.kind == "single":
        raise AdminError("Kode sekali pakai tidak diterbitkan ulang.")
    replacement = reissue_code(session, code)
    audit.record(session, actor, "code.reissue", _code_target(code),
                 {"revoked": code.public_id, "issued": replacement.public_id})
    return replacement


def issue_qr(session: Session, actor, *, counter: Counter | None = None,
             officer: Officer | None = None) -> QrCode:
    """A standing code for a counter or officer that has none in force."""
    query = select(QrCode.id).where(QrCode.revoked_at.is_(None))
    if counter is not None:
        query = query.where(QrCode.kind == "counter", QrCode.counter_id == counter.id)
    else:
        query = query.where(QrCode.kind == "officer", QrCode.officer_id == officer.id)
    if session.scalars(query).first() is not None:
        raise AdminError("Kode yang berlaku sudah ada; terbitkan ulang bila perlu diganti.")
    code = issue_code(session, counter=counter, officer=officer)
    audit.record(session, actor, "code.issue", _code_target(code), {"public_id": code.public_id})
    return code


def standing_codes(session: Session, unit: Unit) -> dict[tuple[str, int], QrCode]:
    """The codes in force for a unit's counters and officers, keyed ``("counter", id)`` or
    ``("officer", id)``; the newest wins when several are."""
    found: dict[tuple[str, int], QrCode] = {}
    for code in session.scalars(
        select(QrCode).where(QrCode.unit_id == unit.id, QrCode.revoked_at.is_(None),
                             QrCode.kind.in_(("counter", "officer"))).order_by(QrCode.id)
    ):
        owner = code.counter_id if code.kind == "counter" else code.officer_id
        found[(code.kind, owner)] = code
    return found
