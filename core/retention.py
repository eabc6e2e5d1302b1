"""Keeping personal data no longer than needed: contact details, address hashes and the
personal data inside comment text (phone numbers, NIK, e-mail… — masked in place by the
``scrub_text`` the composition root passes, survey/comment_text.py's) go after
``RETENTION_MONTHS``; comment text after ``TEXT_RETENTION_MONTHS`` when an office sets it.
Ratings, answers, comment kinds and categories stay, so the IKM and complaint trends do not
change. ``flask --app wsgi purge [--dry-run]`` runs it (daily from cron, docs/privacy.md)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from core.models import Base, utcnow


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last
    day of a shorter month)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Purge:
    contact_cutoff: datetime | None
    text_cutoff: datetime | None
    contacts: int
    client_hashes: int
    texts: int
    dry_run: bool
    # Comment texts whose personal data was masked in place (the original's phone numbers…).
    personal_texts: int = 0


def purge(session: Session, *, months: int, text_months: int = 0, now: datetime | None = None,
          dry_run: bool = False, scrub_text: Callable[[str], str] | None = None) -> Purge:
    """Blank what is older than the cut-offs (``months`` ≤ 0 keeps contacts and hashes;
    ``text_months`` ≤ 0 keeps text); with ``scrub_text``, replace older comment texts by
    what it returns (their personal data masked). With ``dry_run`` only count. Flushes; the
    caller commits."""
    # By table, not by model: core does not import the survey area (the tables are the
    # survey's, registered on the shared metadata when the app is built).
    comment = Base.metadata.tables["comment"].c
    rating = Base.metadata.tables["rating"].c
    comment_table, rating_table = Base.metadata.tables["comment"], Base.metadata.tables["rating"]
    session.flush()
    now = now or utcnow()
    contact_cutoff = months_before(now, months) if months > 0 else None
    text_cutoff = months_before(now, text_months) if text_months > 0 else None

    targets = []
    if contact_cutoff is not None:
        targets.append(("contacts", comment_table, [comment.contact.is_not(None),
                                                    comment.created_at < contact_cutoff],
                        {"contact": None}))
        targets.append(("client_hashes", rating_table, [rating.client_hash.is_not(None),
                                                        rating.received_at < contact_cutoff],
                        {"client_hash": None}))
    if text_cutoff is not None:
        targets.append(("texts", comment_table, [comment.text != "",
                                                 comment.created_at < text_cutoff],
                        {"text": ""}))

    counts = {"contacts": 0, "client_hashes": 0, "texts": 0, "personal_texts": 0}
    for name, table, conditions, values in targets:
        counts[name] = session.scalar(select(func.count()).select_from(table).where(*conditions))
        if not dry_run and counts[name]:
            session.execute(update(table).where(*conditions).values(**values))
    if contact_cutoff is not None and scrub_text is not None:
        counts["personal_texts"] = _scrub_texts(session, comment_table, contact_cutoff,
                                                scrub_text, dry_run)
    if not dry_run:
        session.expire_all()  # objects loaded before still hold the old values
    return Purge(contact_cutoff=contact_cutoff, text_cutoff=text_cutoff, dry_run=dry_run,
                 **counts)


def _scrub_texts(session: Session, table, cutoff: datetime, scrub: Callable[[str], str],
                 dry_run: bool) -> int:
    """Mask the personal data in comment texts older than ``cutoff``. Every kind of it holds
    a digit or an @, so only those texts are read."""
    c = table.c
    has_any = [c.text.contains(ch) for ch in "@0123456789"]
    rows = session.execute(select(c.id, c.text).where(
        c.created_at < cutoff, c.text != "", or_(*has_any))).all()
    changed = [{"comment_id": comment_id, "scrubbed": scrub(text)}
               for comment_id, text in rows if scrub(text) != text]
    if changed and not dry_run:
        session.execute(update(table).where(c.id == bindparam("comment_id"))
                        .values(text=bindparam("scrubbed")), changed)
    return len(changed)


__all__ = ["Purge", "months_before", "purge"]
