"""The questionnaire, QR codes, ratings (with their nine SKM answers), comments and the
follow-up history of complaints."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Counter, Officer, Unit, utcnow
from survey.elements import ELEMENT_CODES


class Questionnaire(Base):
    """A version of the questionnaire. Ratings remember which version the citizen saw."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    questions: Mapped[list[Question]] = relationship(
        back_populates="questionnaire", order_by="Question.position"
    )


class Question(Base):
    """One question: an SKM element (U1…U9) or an office's own (``unit_id`` set)."""

    __tablename__ = "question"
    __table_args__ = (
        Index("uq_question_code_per_version", "questionnaire_id", "code", "unit_id", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id"))
    code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int]
    text_id: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text)
    # {"id": [4 labels, worst first], "en": [...]}
    labels: Mapped[dict]
    about_officer: Mapped[bool] = mapped_column(default=False)
    standard: Mapped[bool] = mapped_column(default=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    active: Mapped[bool] = mapped_column(default=True)

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="questions")

    def text(self, locale: str) -> str:
        return self.text_en if locale == "en" else self.text_id

    def answer_labels(self, locale: str) -> list[str]:
        return list(self.labels.get(locale) or self.labels["id"])


class QrCode(Base):
    """A signed, revocable survey code: a counter's standing code, an officer's badge code,
    or a single-use code printed on a queue ticket."""

    __tablename__ = "qr_code"
    __table_args__ = (
        CheckConstraint("kind IN ('counter', 'officer', 'single')", name="known_kind"),
        CheckConstraint(
            "(kind = 'officer' AND officer_id IS NOT NULL) OR kind != 'officer'",
            name="officer_code_has_officer",
        ),
        CheckConstraint(
            "(kind = 'counter' AND counter_id IS NOT NULL) OR kind != 'counter'",
            name="counter_code_has_counter",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    batch: Mapped[str | None] = mapped_column(String(40))

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Officer | None] = relationship()


UNFOLDED_CONDITION = "folded_at IS NULL"
# Ratings typed in from paper forms: few, and counted for a unit's report (analytics/ikm_read).
PAPER_CONDITION = "channel = 'paper'"


def _answer_column(code: str):
    return mapped_column(
        SmallInteger,
        CheckConstraint(f"{code.lower()} BETWEEN 1 AND 4", name=f"{code.lower()}_1_to_4"),
        nullable=True,
    )


class Rating(Base):
    """One citizen's rating. The id is chosen by the client, so a retry is recognised.

    The nine SKM answers are columns rather than rows: the standard fixes them, a rating
    is then one INSERT, and the IKM is a plain AVG per column. An office's own questions
    are rows in ``custom_answer``.
    """

    __tablename__ = "rating"
    __table_args__ = (
        CheckConstraint("channel IN ('qr', 'kiosk', 'api', 'paper')", name="known_channel"),
        Index("ix_rating_unit_day", "unit_id", "service_day"),
        Index("ix_rating_officer_day", "officer_id", "service_day"),
        Index("ix_rating_counter_received", "counter_id", "received_at"),
        # Integrity checks look back a few minutes per kiosk and per network on every rating.
        Index("ix_rating_kiosk_submitted", "kiosk_device_id", "submitted_at"),
        Index("ix_rating_client_received", "client_hash", "received_at"),
        # The fold's queue: only ratings not folded yet are in it, so it stays small however
        # long the history grows (analytics/fold.py claims from it).
        Index("ix_rating_unfolded", "received_at",
              sqlite_where=text(UNFOLDED_CONDITION), postgresql_where=text(UNFOLDED_CONDITION)),
        # A unit's paper ratings of a period, without reading its other ratings.
        Index("ix_rating_paper_unit_day", "unit_id", "service_day",
              sqlite_where=text(PAPER_CONDITION), postgresql_where=text(PAPER_CONDITION)),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("shift.id"))
    qr_code_id: Mapped[int | None] = mapped_column(ForeignKey("qr_code.id"))
    kiosk_device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id"))
    questionnaire_id: Mapped[int | None] = mapped_column(ForeignKey("questionnaire.id"))
    channel: Mapped[str] = mapped_column(String(8))

    u1: Mapped[int | None] = _answer_column("U1")
    u2: Mapped[int | None] = _answer_column("U2")
    u3: Mapped[int | None] = _answer_column("U3")
    u4: Mapped[int | None] = _answer_column("U4")
    u5: Mapped[int | None] = _answer_column("U5")
    u6: Mapped[int | None] = _answer_column("U6")
    u7: Mapped[int | None] = _answer_column("U7")
    u8: Mapped[int | None] = _answer_column("U8")
    u9: Mapped[int | None] = _answer_column("U9")

    # When the citizen rated (the client's clock, checked) and when we stored it.
    submitted_at: Mapped[datetime]
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The day of ``submitted_at`` in the unit's own time zone: what reports group by.
    service_day: Mapped[date]
    # SHA-256 of the canonical request, to tell a retry (same) from a clash (different).
    body_digest: Mapped[str] = mapped_column(String(64))

    gender: Mapped[str | None] = mapped_column(String(1))
    age_band: Mapped[str | None] = mapped_column(String(8))
    education: Mapped[str | None] = mapped_column(String(8))
    occupation: Mapped[str | None] = mapped_column(String(16))
    service_type: Mapped[str | None] = mapped_column(String(120))

    # A keyed hash of the client's network address, never the address itself.
    client_hash: Mapped[str | None] = mapped_column(String(64))
    # Integrity flags ("burst,repeat,off-hours"); flagged ratings count in no number (IKM,
    # components) until cleared.
    flags: Mapped[str | None] = mapped_column(String(200))
    flags_cleared_at: Mapped[datetime | None]
    flags_cleared_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # When analytics' fold attributed, assessed and counted the rating; NULL until then.
    # The request stores the raw rating only (record_rating); analytics/fold.py does the rest.
    folded_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Officer | None] = relationship()
    comment: Mapped[Comment | None] = relationship(back_populates="rating", uselist=False)
    custom_answers: Mapped[list[CustomAnswer]] = relationship()

    def answers(self) -> dict[str, int]:
        return {
            code: value
            for code in ELEMENT_CODES
            if (value := getattr(self, code.lower())) is not None
        }

    @property
    def counts_for_officer(self) -> bool:
        return self.officer_id is not None and (not self.flags or self.flags_cleared_at is not None)


class CustomAnswer(Base):
    """An answer to an office's own question."""

    __tablename__ = "custom_answer"
    __table_args__ = (CheckConstraint("value BETWEEN 1 AND 4", name="value_1_to_4"),)

    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating.id"), primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id"), primary_key=True)
    value: Mapped[int] = mapped_column(SmallInteger)

    question: Mapped[Question] = relationship()


OPEN_CONDITION = "status IN ('baru', 'diproses', 'ditindaklanjuti')"


class Comment(Base):
    """The free text left with a rating: praise, complaint, suggestion or question.

    Complaints and questions are followed up (status, assignee, due date, history).
    """

    __tablename__ = "comment"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('praise', 'complaint', 'suggestion', 'question')", name="known_kind"
        ),
        CheckConstraint(
            "status IS NULL OR status IN ('baru', 'diproses', 'ditindaklanjuti', 'selesai')",
            name="known_status",
        ),
        Index("ix_comment_unit_created", "unit_id", "created_at"),
        Index("ix_comment_officer_created", "officer_id", "created_at"),
        # The open backlog stays small however long the history grows: index only it.
        Index("ix_comment_open", "unit_id", "due_on",
              sqlite_where=text(OPEN_CONDITION), postgresql_where=text(OPEN_CONDITION)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rating_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rating.id"), unique=True)
    # Copied from the rating so follow-up lists need no join.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    kind: Mapped[str] = mapped_column(String(12))
    text: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str | None] = mapped_column(String(20))
    element: Mapped[str | None] = mapped_column(String(4))
    status: Mapped[str | None] = mapped_column(String(20))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    due_on: Mapped[date | None]
    resolved_at: Mapped[datetime | None]
    # Only with the citizen's consent, only for follow-up, never exported.
    contact: Mapped[str | None] = mapped_column(String(200))
    contact_consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rating: Mapped[Rating] = relationship(back_populates="comment")
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="comment", order_by="ComplaintEvent.at"
    )


class ComplaintEvent(Base):
    """One step in a complaint's follow-up: who did what, when."""

    __tablename__ = "complaint_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    comment: Mapped[Comment] = relationship(back_populates="events")


class QueueMachine(Base):
    """A queue-ticket machine allowed to fetch single-use codes for one unit. Its API key is
    stored only as a hash (see survey/tickets.py)."""

    __tablename__ = "queue_machine"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    unit: Mapped[Unit] = relationship()


COMMENT_TAGS = ("spam", "kasar", "mendesak", "petugas", "pujian")
_TAG_CONDITION = "tag IN ('spam', 'kasar', 'mendesak', 'petugas', 'pujian')"


class CommentTag(Base):
    """A tag on a comment (survey/comment_text.py's rules): what the rules found
    (``detected``) and what holds after a head's correction (``present``). A corrected row
    keeps who corrected it and when; re-tagging never overwrites a correction."""

    __tablename__ = "comment_tag"
    __table_args__ = (
        CheckConstraint(_TAG_CONDITION, name="known_tag"),
        Index("ix_comment_tag_tag", "tag", "present", "comment_id"),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(12), primary_key=True)
    present: Mapped[bool] = mapped_column(default=True)
    detected: Mapped[bool] = mapped_column(default=True)
    # Why (in Indonesian, never quoting personal data): "pungli", "kata kasar: g***".
    reason: Mapped[str] = mapped_column(String(200), default="")
    # For "petugas": the officer named.
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    corrected_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    corrected_at: Mapped[datetime | None]


class CommentReview(Base):
    """A comment's moderation: when its tags were computed, and a head's decision. A hidden
    comment stays for the record (and the complaint follow-up) but leaves the officer's
    evidence and praise list."""

    __tablename__ = "comment_review"
    __table_args__ = (
        CheckConstraint("decision IS NULL OR decision IN ('hidden', 'kept')",
                        name="known_decision"),
    )

    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), primary_key=True)
    tagged_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[str | None] = mapped_column(String(8))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)
