"""Analytics' own tables: the daily aggregates the fold keeps (analytics/fold.py) and that
every report reads, so reports cost units × days, not ratings; how many services a unit
delivered each month (participation); who signs a unit's SKM report; and the documents
issued with a verification code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, utcnow
from survey.elements import ELEMENT_CODES


def _total_column(**kwargs):
    return mapped_column(Integer, default=0, server_default="0", nullable=False, **kwargs)


class DailyAggregate(Base):
    """Ratings summed per unit, officer (0 = none), service day and flag state, kept by the
    fold as ratings are folded (``analytics.aggregates``), so reports cost units × days, not
    ratings.

    ``flagged`` is 1 for ratings flagged and not cleared: they count for the unit but stay
    out of officer components. ``officer_*`` columns hold the per-rating means of the
    officer-attributable answers, scaled by ``MEAN_SCALE`` (and its square) to stay exact.
    """

    __tablename__ = "daily_aggregate"
    __table_args__ = (Index("ix_daily_aggregate_officer_day", "officer_id", "service_day"),)

    # Key order serves the common read: a unit's rows over a range of days.
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    service_day: Mapped[date] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    flagged: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    ratings: Mapped[int] = _total_column()
    # Officer component: ratings with at least one officer answer, and the sums of their
    # per-rating means (× MEAN_SCALE) and squared means (× MEAN_SCALE²).
    officer_ratings: Mapped[int] = _total_column()
    officer_mean_sum: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    officer_mean_squares: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


# u1_sum, u1_n, u1_a1…u1_a4 (how many answered 1…4), … u9_*; custom_* for an office's own
# questions about the officer.
for _code in (*(c.lower() for c in ELEMENT_CODES), "custom"):
    for _suffix in ("sum", "n", "a1", "a2", "a3", "a4"):
        setattr(DailyAggregate, f"{_code}_{_suffix}", _total_column())
del _code, _suffix


class CommentDaily(Base):
    """Comments per unit, local day, kind and category, kept by the fold as the ratings
    they came with are folded (analytics/aggregates.py), so complaint trends cost units ×
    days, not comments."""

    __tablename__ = "comment_daily"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    # "" for a comment without a category (praise, most questions).
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)

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


__all__ = ["CommentDaily", "DailyAggregate", "IssuedDocument", "ReportSignatory",
           "SERVICE_COUNT_SOURCES", "ServiceCount"]
