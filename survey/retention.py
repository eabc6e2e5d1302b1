"""The survey area's part of the retention purge (core/retention.py asks for it): contact
details and address hashes go after the personal-data cut-off, and so does the personal data
inside comment text (masked in place by ``comment_text.mask_personal_data``: the words stay
for complaint trends and tags); comment text itself after the text cut-off. Ratings,
answers, comment kinds and categories stay, so the IKM and complaint trends do not change."""

from __future__ import annotations

from sqlalchemy import bindparam, func, or_, select, update
from sqlalchemy.orm import Session

from core.retention import Cutoffs
from survey.comment_text import mask_personal_data
from survey.models import Comment, Rating

# What `flask purge` prints for each count.
LABELS = {
    "contacts": "Kontak",
    "client_hashes": "Hash alamat",
    "texts": "Teks komentar",
    "personal_texts": "Data pribadi dalam teks komentar",
}


def purge_personal_data(session: Session, cutoffs: Cutoffs) -> dict[str, int]:
    comment, rating = Comment.__table__, Rating.__table__
    targets = []
    if cutoffs.personal is not None:
        targets.append(("contacts", comment, [comment.c.contact.is_not(None),
                                              comment.c.created_at < cutoffs.personal],
                        {"contact": None}))
        targets.append(("client_hashes", rating, [rating.c.client_hash.is_not(None),
                                                  rating.c.received_at < cutoffs.personal],
                        {"client_hash": None}))
    if cutoffs.text is not None:
        targets.append(("texts", comment, [comment.c.text != "",
                                           comment.c.created_at < cutoffs.text],
                        {"text": ""}))
    counts = dict.fromkeys(LABELS, 0)
    for name, table, conditions, values in targets:
        counts[name] = session.scalar(select(func.count()).select_from(table).where(*conditions))
        if not cutoffs.dry_run and counts[name]:
            session.execute(update(table).where(*conditions).values(**values))
    if cutoffs.personal is not None:
        counts["personal_texts"] = _mask_texts(session, cutoffs)
    return counts


def _mask_texts(session: Session, cutoffs: Cutoffs) -> int:
    """Mask the personal data in comment texts older than the cut-off. Every kind of it
    holds a digit or an @, so only those texts are read."""
    c = Comment.__table__.c
    has_any = [c.text.contains(ch) for ch in "@0123456789"]
    rows = session.execute(select(c.id, c.text).where(
        c.created_at < cutoffs.personal, c.text != "", or_(*has_any))).all()
    changed = [{"comment_id": comment_id, "masked": masked}
               for comment_id, text in rows if (masked := mask_personal_data(text)) != text]
    if changed and not cutoffs.dry_run:
        session.execute(update(Comment.__table__).where(c.id == bindparam("comment_id"))
                        .values(text=bindparam("masked")), changed)
    return len(changed)
