"""Analytics fixtures: ratings stored and added to the daily aggregates, as record_rating
does, without going through HTTP."""

from __future__ import annotations

import pytest

from analytics import aggregates
from tests.support.factories import at


@pytest.fixture
def rate(db_session, factory):
    """``rate(unit, answers, day=(2026, 3, 2), officer=None, times=1, **fields)``: store
    ratings (answers as a dict, or one value for all nine elements) and aggregate them."""

    def make(unit, answers=3, *, day=(2026, 3, 2), officer=None, times=1, custom=(),
             hour=9, **fields):
        if isinstance(answers, int):
            answers = dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"),
                                    answers)
        made = []
        for _ in range(times):
            rating = factory.rating(answers, unit=unit, submitted_at=at(*day, hour=hour,
                                                                         zone=unit.timezone),
                                    officer_id=officer.id if officer else None, **fields)
            aggregates.record(db_session, rating, list(custom))
            made.append(rating)
        return made[0] if times == 1 else made

    return make


@pytest.fixture
def rate_days(rate):
    """``rate_days(unit, answers, officer=None, per_day=6, days=5, first=2, month=3)``:
    ``per_day`` ratings on each of ``days`` consecutive days of 2026 from ``first`` —
    enough, by default, for a component (30 ratings over 5 service days)."""

    def make(unit, answers=3, *, officer=None, per_day=6, days=5, month=3, first=2, **fields):
        made = []
        for d in range(first, first + days):
            batch = rate(unit, answers, officer=officer, times=per_day, day=(2026, month, d),
                         **fields)
            made += batch if isinstance(batch, list) else [batch]
        return made

    return make
