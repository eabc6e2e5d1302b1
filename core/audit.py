"""The audit log: who changed what, when. Every administrative action writes one entry
through :func:`record`, in the same transaction as the change it describes, so a change
and its trace are committed (or rolled back) together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, User


def record(
    session: Session,
    actor: User | str | None,
    action: str,
    target: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Write one entry. ``actor`` is the signed-in ``User``, or a label such as ``"cli"``
    for changes made outside the web (``None`` means the system itself). ``action`` is a
    dotted verb (``user.create``, ``code.revoke``); ``target`` names the object in a way a
    reader recognises later (``user:budi``, ``unit:UPT-01``), even after it is deleted."""
    if isinstance(actor, User):
        user_id, label = actor.id, actor.username
    else:
        user_id, label = None, actor or "system"
    entry = AuditEntry(user_id=user_id, actor=label[:120], action=action[:80],
                       target=(target or "")[:200], detail=detail or None)
    session.add(entry)
    session.flush()
    return entry


def recent(
    session: Session,
    *,
    limit: int = 100,
    before_id: int | None = None,
    action: str | None = None,
    actor: str | None = None,
) -> list[AuditEntry]:
    """Newest first; ``before_id`` pages backwards, ``action`` matches a prefix
    (``user.`` for every user action)."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action:
        query = query.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    return list(session.scalars(query))
