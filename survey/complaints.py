"""Complaint follow-up (tindak lanjut pengaduan): status baru → diproses → ditindaklanjuti →
selesai, assignment, a due date in working days, a history of who did what, and notes to a
citizen who left contact details and agreed to be contacted.

Plain functions of a Session; every change writes a ``ComplaintEvent`` and flushes; the view
commits. Who may see which complaint is ``core.auth``'s scope, checked here too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from core.auth import can_see_unit, visible_unit_ids
from core.localtime import local_today
from core.models import Role, Unit, User, utcnow
from core.scope import unit_staff, within
from core.workdays import due_date
from survey.elements import COMPLAINT_STATUSES
from survey.models import Comment, ComplaintEvent

FOLLOWED_UP_KINDS = ("complaint", "question")

STATUS_LABELS = {
    "baru": _l("Baru"),
    "diproses": _l("Diproses"),
    "ditindaklanjuti": _l("Ditindaklanjuti"),
    "selesai": _l("Selesai"),
}

ACTION_LABELS = {
    "status": _l("Status diubah"),
    "assign": _l("Ditugaskan"),
    "note": _l("Catatan internal"),
    "citizen-note": _l("Pesan untuk warga (dicatat)"),
    "reopen": _l("Dibuka kembali"),
}


class ComplaintError(Exception):
    """A follow-up step that is not allowed; the message is shown to the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message




def is_overdue(comment: Comment, today: date) -> bool:
    return (
        comment.status is not None
        and comment.status != "selesai"
        and comment.due_on is not None
        and comment.due_on < today
    )


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    status: str | None = None
    overdue: bool = False
    unit_id: int | None = None
    category: str | None = None
    kind: str | None = None
    tag: str | None = None


def _scoped(session: Session, user: User | None, query: Select) -> Select:
    return within(query, Comment.unit_id, visible_unit_ids(session, user))


def list_complaints(
    session: Session, user: User | None, filters: Filters, *, today: date,
    limit: int = 100, offset: int = 0,
) -> tuple[list[Comment], int]:
    """Followed-up comments the user may see, overdue first, then oldest due first; and how
    many match in all."""
    query = _scoped(session, user, select(Comment).where(Comment.status.is_not(None)))
    if filters.status in COMPLAINT_STATUSES:
        query = query.where(Comment.status == filters.status)
    if filters.overdue:
        query = query.where(Comment.status != "selesai", Comment.due_on < today)
    if filters.unit_id is not None:
        query = query.where(Comment.unit_id == filters.unit_id)
    if filters.category:
        query = query.where(Comment.category == filters.category)
    if filters.kind in FOLLOWED_UP_KINDS:
        query = query.where(Comment.kind == filters.kind)
    if filters.tag:
        from survey.moderation import has_tag

        query = query.where(has_tag(filters.tag))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    open_first = (Comment.status == "selesai")
    rows = session.scalars(
        query.options(selectinload(Comment.rating))
        .order_by(open_first, Comment.due_on, Comment.id).limit(limit).offset(offset)
    )
    return list(rows), total


def get_complaint(session: Session, user: User | None, comment_id: int) -> Comment | None:
    """The followed-up comment if the user may see it, else ``None`` (a 404 to the caller, so
    a complaint's existence does not leak across departments)."""
    comment = session.get(Comment, comment_id)
    if comment is None or comment.status is None:
        return None
    if not can_see_unit(session, user, comment.unit_id):
        return None
    return comment


def overdue_count(session: Session, user: User | None, today: date) -> int:
    query = _scoped(session, user, select(func.count()).select_from(Comment).where(
        Comment.status.is_not(None), Comment.status != "selesai", Comment.due_on < today))
    return session.scalar(query) or 0


def assignable_users(session: Session, comment: Comment) -> list[User]:
    """Active heads, supervisors and administrators who can see the complaint's unit."""
    unit = session.get(Unit, comment.unit_id)
    assert unit is not None
    return list(session.scalars(
        select(User).where(
            User.active.is_(True),
            or_(
                User.role == Role.ADMIN.value,
                *unit_staff(unit),
            ),
        ).order_by(User.display_name, User.username)
    ))


def may_reopen(user: User) -> bool:
    return user.role in (Role.HEAD.value, Role.ADMIN.value)


# --- acting ---------------------------------------------------------------------------------


def _event(session: Session, comment: Comment, user: User, action: str, *,
           from_status: str | None = None, to_status: str | None = None,
           note: str | None = None) -> ComplaintEvent:
    event = ComplaintEvent(comment=comment, user_id=user.id, action=action,
                           from_status=from_status, to_status=to_status,
                           note=(note or "").strip() or None, at=utcnow())
    session.add(event)
    session.flush()
    return event


def _require_scope(session: Session, comment: Comment, user: User) -> None:
    if comment.status is None:
        raise ComplaintError(_l("Komentar ini tidak ditindaklanjuti."))
    if user.role not in (Role.ADMIN.value, Role.HEAD.value, Role.SUPERVISOR.value) or not \
            can_see_unit(session, user, comment.unit_id):
        raise ComplaintError(_l("Anda tidak berwenang menindaklanjuti pengaduan ini."))


def change_status(session: Session, comment: Comment, user: User, to_status: str,
                  note: str = "") -> ComplaintEvent:
    """Move forward (a step may be skipped: a simple question is answered at once); going
    back is ``reopen``'s job."""
    _require_scope(session, comment, user)
    if to_status not in COMPLAINT_STATUSES:
        raise ComplaintError(_l("Status tidak dikenal."))
    current = comment.status
    assert current is not None
    if COMPLAINT_STATUSES.index(to_status) <= COMPLAINT_STATUSES.index(current):
        raise ComplaintError(_l(
            "Status hanya dapat maju: %(current)s → %(target)s tidak diizinkan.",
            current=STATUS_LABELS[current], target=STATUS_LABELS[to_status]))
    comment.status = to_status
    if to_status == "selesai":
        comment.resolved_at = utcnow()
    return _event(session, comment, user, "status", from_status=current, to_status=to_status,
                  note=note)


def reopen(session: Session, comment: Comment, user: User, note: str, *,
           due_working_days: int) -> ComplaintEvent:
    """A head reopens a finished complaint (the citizen came back, the fix did not hold): it
    goes back to *diproses*, due ``due_working_days`` working days from today."""
    _require_scope(session, comment, user)
    if not may_reopen(user):
        raise ComplaintError(_l("Hanya kepala dinas yang dapat membuka kembali pengaduan."))
    if comment.status != "selesai":
        raise ComplaintError(_l("Hanya pengaduan yang selesai yang dapat dibuka kembali."))
    if not (note or "").strip():
        raise ComplaintError(_l("Tuliskan alasan membuka kembali."))
    unit = session.get(Unit, comment.unit_id)
    assert unit is not None
    comment.status = "diproses"
    comment.resolved_at = None
    comment.due_on = due_date(session, local_today(unit.timezone), due_working_days)
    return _event(session, comment, user, "reopen", from_status="selesai", to_status="diproses",
                  note=note)


def assign(session: Session, comment: Comment, user: User, assignee: User | None,
           note: str = "") -> ComplaintEvent:
    _require_scope(session, comment, user)
    allowed = {u.id for u in assignable_users(session, comment)}
    if assignee is not None and assignee.id not in allowed:
        raise ComplaintError(_l("Pengguna ini tidak dapat melihat unit pengaduan ini."))
    comment.assignee_id = assignee.id if assignee else None
    who = (assignee.display_name or assignee.username) if assignee else str(_l("(tidak ada)"))
    text = f"{who}" + (f" — {note.strip()}" if note and note.strip() else "")
    return _event(session, comment, user, "assign", note=text)


def add_note(session: Session, comment: Comment, user: User, note: str) -> ComplaintEvent:
    _require_scope(session, comment, user)
    if not (note or "").strip():
        raise ComplaintError(_l("Catatan tidak boleh kosong."))
    return _event(session, comment, user, "note", note=note)


def can_contact(comment: Comment) -> bool:
    return bool(comment.contact and comment.contact_consent)


def note_to_citizen(session: Session, comment: Comment, user: User, message: str) -> ComplaintEvent:
    """Record what was (or will be) told to the citizen. Sending it by SMS or e-mail is not
    part of Suara Layanan: the officer uses the office's own channel (docs/privacy.md)."""
    _require_scope(session, comment, user)
    if not can_contact(comment):
        raise ComplaintError(_l("Warga tidak meninggalkan kontak atau tidak setuju dihubungi."))
    if not (message or "").strip():
        raise ComplaintError(_l("Pesan tidak boleh kosong."))
    return _event(session, comment, user, "citizen-note", note=message)


def days_left(comment: Comment, today: date) -> int | None:
    if comment.due_on is None or comment.status == "selesai":
        return None
    return (comment.due_on - today).days


__all__ = [
    "ComplaintError", "Filters", "add_note", "assign", "assignable_users", "change_status",
    "days_left", "get_complaint", "is_overdue", "list_complaints",
    "note_to_citizen", "overdue_count", "reopen",
]
