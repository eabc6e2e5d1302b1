"""Tags on comments and their moderation: computing the tags (set-based, for the fold and
for anything untagged), a head's corrections, hiding a comment from the officer's evidence,
and the masked text each reader sees. Plain functions of a Session; every decision writes an
audit entry and flushes; the view commits.

The rules themselves are survey/comment_text.py's (pure); this module stores what they say.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, case, delete, exists, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import audit
from core.db import one_of
from core.models import Officer, Role, User, utcnow
from core.scope import within
from survey import comment_text
from survey.comment_text import OfficerName
from survey.models import COMMENT_TAGS, Comment, CommentReview, CommentTag

TAG_LABELS = {
    "spam": _l("spam"),
    "kasar": _l("kasar"),
    "mendesak": _l("mendesak"),
    "petugas": _l("menyebut petugas"),
    "pujian": _l("pujian"),
}
TAG_HELP = {
    "spam": _l("teks acak, karakter berulang, tautan, promosi, atau hanya emoji"),
    "kasar": _l("kata kasar atau makian, juga yang disamarkan"),
    "mendesak": _l("pungli, suap, calo, ancaman, kekerasan, atau bahaya keselamatan"),
    "petugas": _l("menyebut nama petugas unit ini"),
    "pujian": _l("ucapan terima kasih atau apresiasi"),
}
_LABEL_KEYS = {
    "phone": _l("[nomor telepon]"),
    "nik": _l("[NIK]"),
    "nip": _l("[NIP]"),
    "email": _l("[surel]"),
    "plate": _l("[nomor kendaraan]"),
    "account": _l("[nomor rekening]"),
    "number": _l("[nomor]"),
}


class ModerationError(Exception):
    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --- what a reader sees -------------------------------------------------------------------


def mask_labels() -> dict[str, str]:
    """The masks in the reader's language (Indonesian outside a request)."""
    return {kind: str(label) for kind, label in _LABEL_KEYS.items()}


def shows_profanity(user: User | None) -> bool:
    """Profanity is masked for everyone but administrators."""
    return user is not None and user.role == Role.ADMIN.value


def may_see_original(user: User | None, comment: Comment) -> bool:
    """The personal data in a complaint is for the person following it up: its assignee."""
    return user is not None and comment.assignee_id is not None and \
        comment.assignee_id == user.id


def display_text(text: str, user: User | None, *, original: bool = False) -> str:
    """The comment as ``user`` may read it: personal data masked unless ``original`` (the
    assignee on the follow-up page), profanity masked unless an administrator."""
    return comment_text.mask(text or "", pii=not original, profanity=not shows_profanity(user),
                             labels=mask_labels())


# --- computing tags -----------------------------------------------------------------------


def _officers_by_unit(session: Session, unit_ids: Iterable[int]) -> dict[int, list[OfficerName]]:
    found: dict[int, list[OfficerName]] = defaultdict(list)
    ids = sorted(set(unit_ids))
    if not ids:
        return found
    for officer_id, unit_id, name in session.execute(
            select(Officer.id, Officer.unit_id, Officer.name)
            .where(Officer.unit_id.in_(ids))):
        found[unit_id].append(OfficerName(officer_id, name))
    return found


def _tag_comments(session: Session, comments: Sequence[tuple[int, int, str, str]],
                  now: datetime) -> int:
    """Tag ``(id, unit_id, kind, text)`` rows; rows already reviewed are left alone."""
    if not comments:
        return 0
    officers = _officers_by_unit(session, (unit_id for _id, unit_id, _k, _t in comments))
    tag_rows, review_rows = [], []
    for comment_id, unit_id, kind, text in comments:
        for tag in comment_text.tag_text(text, officers.get(unit_id, ()), kind):
            tag_rows.append({"comment_id": comment_id, "tag": tag.tag, "present": True,
                             "detected": True, "reason": tag.reason[:200],
                             "officer_id": tag.officer_id})
        review_rows.append({"comment_id": comment_id, "tagged_at": now, "hidden": False})
    # A re-tag (after a rebuild, or new rules) replaces what the rules found before; a head's
    # corrections are kept as they are.
    ids = [c[0] for c in comments]
    corrected = set(session.execute(
        select(CommentTag.comment_id, CommentTag.tag).where(
            CommentTag.comment_id.in_(ids), CommentTag.corrected_at.is_not(None))))
    tag_rows = [r for r in tag_rows if (r["comment_id"], r["tag"]) not in corrected]
    try:
        with session.begin_nested():
            session.execute(delete(CommentTag).where(CommentTag.comment_id.in_(ids),
                                                     CommentTag.corrected_at.is_(None)))
            if tag_rows:
                session.execute(insert(CommentTag), tag_rows)
            session.execute(insert(CommentReview), review_rows)
    except IntegrityError:
        # Another request tagged some of them meanwhile: theirs stands.
        return 0
    return len(review_rows)


def _untagged(query: Select) -> Select:
    return query.where(~exists().where(CommentReview.comment_id == Comment.id))


def tag_comments_of_ratings(session: Session, rating_ids: Sequence[uuid.UUID],
                            now: datetime | None = None) -> int:
    """Tag the comments left with these ratings (what the fold calls after each batch):
    one query for the comments, one for the units' officers, one insert. Returns how many
    comments were tagged."""
    if not rating_ids:
        return 0
    rows = session.execute(_untagged(
        select(Comment.id, Comment.unit_id, Comment.kind, Comment.text)
        .where(one_of(session.get_bind().dialect.name, Comment.rating_id, rating_ids)))).all()
    return _tag_comments(session, rows, now or utcnow())


def tag_untagged_comments(session: Session, now: datetime | None = None, *,
                          batch_size: int = 2000, unit_ids: Iterable[int] | None = None) -> int:
    """Tag every comment not tagged yet (on read, after a rebuild, for the demo)."""
    now = now or utcnow()
    total = 0
    while True:
        query = _untagged(select(Comment.id, Comment.unit_id, Comment.kind, Comment.text))
        query = within(query, Comment.unit_id, unit_ids)
        rows = session.execute(query.order_by(Comment.id).limit(batch_size)).all()
        if not rows:
            return total
        done = _tag_comments(session, rows, now)
        total += done
        if done == 0 or len(rows) < batch_size:
            return total


# --- reading tags -------------------------------------------------------------------------


def tags_of(session: Session, comment_ids: Iterable[int]) -> dict[int, list[CommentTag]]:
    """The tags that hold (``present``) for each comment, in TAGS order."""
    ids = list(comment_ids)
    found: dict[int, list[CommentTag]] = defaultdict(list)
    for start in range(0, len(ids), 500):
        for tag in session.scalars(select(CommentTag).where(
                CommentTag.comment_id.in_(ids[start:start + 500]),
                CommentTag.present.is_(True))):
            found[tag.comment_id].append(tag)
    for tags in found.values():
        tags.sort(key=lambda t: COMMENT_TAGS.index(t.tag))
    return found


def all_tags_of(session: Session, comment_id: int) -> dict[str, CommentTag]:
    return {t.tag: t for t in session.scalars(
        select(CommentTag).where(CommentTag.comment_id == comment_id))}


def has_tag(tag: str):
    """A condition on ``Comment``: the tag holds."""
    return exists().where(CommentTag.comment_id == Comment.id, CommentTag.tag == tag,
                          CommentTag.present.is_(True))


def is_hidden():
    """A condition on ``Comment``: hidden by a head."""
    return exists().where(CommentReview.comment_id == Comment.id, CommentReview.hidden.is_(True))


def hidden_ids(session: Session, comment_ids: Iterable[int]) -> set[int]:
    ids = list(comment_ids)
    if not ids:
        return set()
    return set(session.scalars(select(CommentReview.comment_id).where(
        CommentReview.comment_id.in_(ids), CommentReview.hidden.is_(True))))


# --- the moderation queue -----------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    comment: Comment
    tags: list[CommentTag]
    review: CommentReview | None

    @property
    def pressing(self) -> list[CommentTag]:
        return [t for t in self.tags if t.tag in comment_text.QUEUE_TAGS]


def queue(session: Session, unit_ids: Iterable[int] | None, *, decided: bool = False,
          tag: str | None = None, limit: int = 100) -> list[QueueItem]:
    """Comments for a head to look at: undecided ones (or, with ``decided``, the decisions
    made), those tagged mendesak, kasar, spam first, then those naming an officer, newest
    first within each."""
    # Then comments naming an officer: they become evidence on the officer's page.
    pressing = [has_tag(name) for name in (*comment_text.QUEUE_TAGS, "petugas")]
    rank = case(*((condition, i) for i, condition in enumerate(pressing)),
                else_=len(pressing))
    query = (select(Comment, CommentReview)
             .outerjoin(CommentReview, CommentReview.comment_id == Comment.id))
    query = within(query, Comment.unit_id, unit_ids)
    if decided:
        query = query.where(CommentReview.decision.is_not(None))
    else:
        query = query.where(CommentReview.decision.is_(None), or_(*pressing))
    if tag in COMMENT_TAGS:
        query = query.where(has_tag(tag))
    rows = session.execute(query.order_by(rank, Comment.created_at.desc(), Comment.id.desc())
                           .limit(limit)).all()
    tags = tags_of(session, [c.id for c, _r in rows])
    return [QueueItem(c, tags.get(c.id, []), r) for c, r in rows]


def queue_size(session: Session, unit_ids: Iterable[int] | None) -> int:
    pressing = or_(*(has_tag(name) for name in (*comment_text.QUEUE_TAGS, "petugas")))
    query = (select(func.count()).select_from(Comment)
             .outerjoin(CommentReview, CommentReview.comment_id == Comment.id)
             .where(CommentReview.decision.is_(None), pressing))
    query = within(query, Comment.unit_id, unit_ids)
    return session.scalar(query) or 0


# --- decisions ----------------------------------------------------------------------------


def _review(session: Session, comment: Comment) -> CommentReview:
    review = session.get(CommentReview, comment.id)
    if review is None:
        tag_untagged_comments(session, unit_ids=[comment.unit_id])
        review = session.get(CommentReview, comment.id)
    assert review is not None
    return review


def _target(comment: Comment) -> str:
    return f"comment:{comment.id}"


def hide(session: Session, comment: Comment, user: User, note: str) -> CommentReview:
    """Hide from the officer's evidence and praise list; the comment stays for the record."""
    if not (note or "").strip():
        raise ModerationError(_l("Tuliskan alasan menyembunyikan komentar ini."))
    review = _review(session, comment)
    review.hidden, review.decision = True, "hidden"
    review.decided_by, review.decided_at, review.note = user.id, utcnow(), note.strip()
    audit.record(session, user, "comment.hide", _target(comment), {"note": note.strip()})
    session.flush()
    return review


def keep(session: Session, comment: Comment, user: User, note: str = "") -> CommentReview:
    """Looked at and left visible (or shown again after hiding)."""
    review = _review(session, comment)
    was_hidden = review.hidden
    review.hidden, review.decision = False, "kept"
    review.decided_by, review.decided_at = user.id, utcnow()
    review.note = (note or "").strip() or None
    audit.record(session, user, "comment.unhide" if was_hidden else "comment.keep",
                 _target(comment), {"note": review.note} if review.note else None)
    session.flush()
    return review


def correct_tag(session: Session, comment: Comment, user: User, tag: str,
                present: bool) -> CommentTag:
    """A head says a tag does (or does not) hold. The rules' own finding stays in
    ``detected``; re-tagging never overwrites the correction."""
    if tag not in COMMENT_TAGS:
        raise ModerationError(_l("Tag tidak dikenal."))
    _review(session, comment)
    row = session.get(CommentTag, (comment.id, tag))
    if row is None:
        if not present:
            raise ModerationError(_l("Tag itu sudah seperti itu."))
        row = CommentTag(comment_id=comment.id, tag=tag, detected=False, present=False,
                         reason="")
        session.add(row)
    elif row.present == present:
        raise ModerationError(_l("Tag itu sudah seperti itu."))
    before = row.present
    row.present = present
    row.corrected_by, row.corrected_at = user.id, utcnow()
    audit.record(session, user, "comment.tag_add" if present else "comment.tag_remove",
                 _target(comment), {"tag": tag, "detected": row.detected, "before": before})
    session.flush()
    return row


def tag_share_rows(session: Session, unit_ids: Iterable[int] | None, start: datetime,
                   end: datetime):
    """(unit_id, created_at, kind, category, tag-or-None) for the comments in the window,
    one row per tag that holds (and one with None for a comment without tags)."""
    query = (select(Comment.id, Comment.unit_id, Comment.created_at, Comment.kind,
                    Comment.category, CommentTag.tag)
             .outerjoin(CommentTag, and_(CommentTag.comment_id == Comment.id,
                                         CommentTag.present.is_(True)))
             .where(Comment.created_at.between(start, end)))
    query = within(query, Comment.unit_id, unit_ids)
    return session.execute(query).all()


__all__ = [
    "ModerationError", "QueueItem", "TAG_HELP", "TAG_LABELS", "all_tags_of", "correct_tag",
    "display_text", "has_tag", "hidden_ids", "hide", "is_hidden", "keep", "mask_labels",
    "may_see_original", "queue", "queue_size", "shows_profanity", "tag_comments_of_ratings",
    "tag_share_rows", "tag_untagged_comments", "tags_of",
]
