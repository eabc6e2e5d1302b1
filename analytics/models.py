"""Analytics' own tables: how many services a unit delivered each month (participation), who
signs a unit's SKM report, and the documents issued with a verification code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, utcnow

SERVICE_COUNT_SOURCES = ("manual", "csv")


class ServiceCount(Base):
    """Services a unit delivered in one month (``month`` is its first day), entered by a
    supervisor or imported from CSV. Months without a row fall back to the single-use codes
    the unit's queue machines issued (``analytics.participation``)."""

    __tablename__ = "service_count"
    __table_args__ = (
        CheckConstraint("services >= 0", name="not_negative"),
        CheckConstraint("source IN ('manual', 'csv')", name="known_source"),
    )

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    month: Mapped[date] = mapped_column(primary_key=True)
    services: Mapped[int]
    source: Mapped[str] = mapped_column(String(8), default="manual")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class ReportSignatory(Base):
    """Who signs a unit's SKM report (the head of the unit), entered by an administrator."""

    __tablename__ = "report_signatory"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    place: Mapped[str] = mapped_column(String(120), default="")
    head_title: Mapped[str] = mapped_column(String(200), default="")
    head_name: Mapped[str] = mapped_column(String(200), default="")
    head_nip: Mapped[str] = mapped_column(String(40), default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuedDocument(Base):
    """A PDF the service issued: its SHA-256, what it certifies and who issued it when. The
    printed ``code`` lets anyone check a copy at ``/verifikasi/<code>``."""

    __tablename__ = "issued_document"
    __table_args__ = (Index("ix_issued_document_sha256", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    # What the document certifies, in a sentence people read (unit, period, result).
    subject: Mapped[str] = mapped_column(Text)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    sha256: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    issued_by_name: Mapped[str] = mapped_column(String(200), default="")


__all__ = ["IssuedDocument", "ReportSignatory", "SERVICE_COUNT_SOURCES", "ServiceCount"]
