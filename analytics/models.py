"""Analytics' own tables: the daily aggregates the fold keeps (analytics/fold.py) and that
every report reads, so reports cost units × days, not ratings."""

from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base
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
