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
