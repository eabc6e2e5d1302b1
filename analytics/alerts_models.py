"""The tables of alerts (peringatan): rules, alerts with their history, the outbox of
messages the worker sends (e-mail and webhooks), each delivery attempt, the webhooks and
who wants which messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Counter, Department, Officer, Unit, User, utcnow

RULE_KINDS = ("ikm_below", "negative_share_above", "element_below", "urgent_complaint",
              "praise", "category_a")
# Rules measured over a rolling window of ratings (the others react to one comment).
WINDOW_KINDS = ("ikm_below", "negative_share_above", "element_below", "category_a")
OPEN_ALERT = "status IN ('terbuka', 'diketahui')"
PENDING_MESSAGE = "status = 'pending'"


def _set(column: str) -> str:
    """1 when the column holds a value (booleans do not add up on PostgreSQL)."""
    return f"(CASE WHEN {column} IS NULL THEN 0 ELSE 1 END)"


class AlertRule(Base):
    """When to raise an alert, for a department (each of its units), a unit or a counter.

    ``threshold`` is on the 25–100 scale for IKM and elements and a share (0–1) for the
    negative share; a rule fires only with at least ``min_ratings`` ratings in its window."""

    __tablename__ = "alert_rule"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('ikm_below', 'negative_share_above', 'element_below', "
            "'urgent_complaint', 'praise', 'category_a')", name="known_kind"),
        CheckConstraint(
            f"{_set('department_id')} + {_set('unit_id')} + {_set('counter_id')} = 1",
            name="one_place"),
        CheckConstraint("window_minutes > 0 AND min_ratings > 0", name="positive_window"),
        Index("ix_alert_rule_unit", "unit_id"),
        Index("ix_alert_rule_department", "department_id"),
        Index("ix_alert_rule_counter", "counter_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    element: Mapped[str | None] = mapped_column(String(4))
    threshold: Mapped[float | None] = mapped_column(Float)
    window_minutes: Mapped[int] = mapped_column(default=120)
    min_ratings: Mapped[int] = mapped_column(default=10)
    # Complaint categories that alert at once (urgent_complaint rules).
    categories: Mapped[list | None] = mapped_column(JSON)
    # Made by the system for a new unit; a removed default is not made again.
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    department: Mapped[Department | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    counter: Mapped[Counter | None] = relationship()

    @property
    def urgent(self) -> bool:
        """Urgent alerts go out at once, even outside service hours."""
        return self.kind == "urgent_complaint"

    @property
    def positive(self) -> bool:
        return self.kind in ("praise", "category_a")


class Alert(Base):
    """One alert about one place (a unit, a counter, an officer): ``terbuka`` →
    ``diketahui`` → ``selesai``. At most one open alert per rule and place: a repeat
    updates it (``occurrences``, ``last_seen_at``) instead of making another."""

    __tablename__ = "alert"
    __table_args__ = (
        CheckConstraint("status IN ('terbuka', 'diketahui', 'selesai')", name="known_status"),
        Index("uq_alert_open_per_rule_place", "rule_id", "place", unique=True,
              sqlite_where=text(OPEN_ALERT), postgresql_where=text(OPEN_ALERT)),
        Index("ix_alert_unit_opened", "unit_id", "opened_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("alert_rule.id"))
    # "unit:12", "counter:4", "officer:9": what the one-open-alert rule is about.
    place: Mapped[str] = mapped_column(String(40))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    counter_id: Mapped[int | None] = mapped_column(ForeignKey("counter.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    status: Mapped[str] = mapped_column(String(12), default="terbuka")
    urgent: Mapped[bool] = mapped_column(default=False)
    # The measured value when last seen (IKM, element score, share) and its sample.
    value: Mapped[float | None] = mapped_column(Float)
    ratings: Mapped[int | None]
    window_start: Mapped[datetime | None]
    occurrences: Mapped[int] = mapped_column(default=1)
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # "pulih" (the window recovered, closed by itself) or "manual".
    close_reason: Mapped[str | None] = mapped_column(String(12))

    rule: Mapped[AlertRule] = relationship()
    unit: Mapped[Unit] = relationship()
    counter: Mapped[Counter | None] = relationship()
    officer: Mapped[Officer | None] = relationship()
    events: Mapped[list[AlertEvent]] = relationship(back_populates="alert",
                                                    order_by="AlertEvent.id")
    sources: Mapped[list[AlertSource]] = relationship(back_populates="alert",
                                                      order_by="AlertSource.comment_id")


class AlertSource(Base):
    """A citizen's comment behind an alert (the urgent complaint, the praise)."""

    __tablename__ = "alert_source"

    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), primary_key=True,
                                            index=True)

    alert: Mapped[Alert] = relationship(back_populates="sources")


class AlertEvent(Base):
    """The alert's history: opened, repeated, acknowledged, commented, closed (by a person
    or because the window recovered)."""

    __tablename__ = "alert_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alert.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    alert: Mapped[Alert] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()


class AlertContact(Base):
    """Where a user wants alert e-mail, and whether they want the weekly digest."""

    __tablename__ = "alert_contact"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    email: Mapped[str] = mapped_column(String(200))
    alerts: Mapped[bool] = mapped_column(default=True)
    weekly_digest: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship()


class AlertWebhook(Base):
    """A URL that receives every alert of a department or a unit as signed JSON."""

    __tablename__ = "alert_webhook"
    __table_args__ = (
        CheckConstraint(f"{_set('department_id')} + {_set('unit_id')} = 1", name="one_place"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # The HMAC key: we must sign with it, so it is kept (shown once, when made).
    secret: Mapped[str] = mapped_column(String(128))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A message waiting to go out, written in the transaction that decided to send it and
    sent by the worker. ``pending`` → claimed (``sending``, with a token) → ``sent``, or
    back to ``pending`` with a later ``not_before`` (backoff), or ``failed`` for good."""

    __tablename__ = "alert_outbox"
    __table_args__ = (
        CheckConstraint("channel IN ('email', 'webhook')", name="known_channel"),
        CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed')",
                        name="known_status"),
        Index("ix_alert_outbox_due", "not_before",
              sqlite_where=text(PENDING_MESSAGE), postgresql_where=text(PENDING_MESSAGE)),
        Index("ix_alert_outbox_status", "status", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # A stable id the receiver can de-duplicate on (Message-ID, X-Suara-Delivery).
    key: Mapped[str] = mapped_column(String(40), unique=True)
    channel: Mapped[str] = mapped_column(String(8))
    event: Mapped[str] = mapped_column(String(24))
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alert.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    webhook_id: Mapped[int | None] = mapped_column(ForeignKey("alert_webhook.id"))
    recipient: Mapped[str] = mapped_column(String(500))
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict | None]
    status: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Quiet hours and backoff: not sent before this moment.
    not_before: Mapped[datetime] = mapped_column(default=utcnow)
    held_for_quiet_hours: Mapped[bool] = mapped_column(default=False)
    claim: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)

    deliveries: Mapped[list[DeliveryAttempt]] = relationship(order_by="DeliveryAttempt.id")


class DeliveryAttempt(Base):
    """One try at sending a message and what the other side answered."""

    __tablename__ = "alert_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("alert_outbox.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    ok: Mapped[bool]
    status_code: Mapped[int | None]
    response: Mapped[str | None] = mapped_column(Text)


class DigestSent(Base):
    """A weekly digest sent to a user for an ISO week ("2026-W10"): never twice."""

    __tablename__ = "alert_digest_sent"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    week: Mapped[str] = mapped_column(String(10), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
