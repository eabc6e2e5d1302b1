"""Topics over time: the share of comments per tag and per complaint category, by week and
unit, on the head's dashboard."""

from __future__ import annotations

from datetime import date, timedelta

from analytics import comment_read, periods
from survey import moderation
from tests.support.factories import at


def make(factory, unit, text, moment, category=None, kind="complaint"):
    rating = factory.rating(unit=unit, submitted_at=moment)
    return factory.comment(rating, kind=kind, text=text, category=category, created_at=moment)


def test_shares_per_tag_and_category_are_per_unit_and_week(db_session, factory):
    unit, other = factory.unit(), factory.unit()
    monday = date(2026, 3, 2)
    make(factory, unit, "Ada pungli di loket", at(2026, 3, 2), "biaya")
    make(factory, unit, "Dimintai uang rokok", at(2026, 3, 4), "biaya")
    make(factory, unit, "Antrean lama", at(2026, 3, 5), "antrean")
    make(factory, unit, "Pelayanan ramah", at(2026, 3, 6), kind="praise")
    make(factory, unit, "Ada calo", at(2026, 3, 10), "biaya")  # the next week
    make(factory, other, "Dasar goblok", at(2026, 3, 3), "sikap")
    moderation.tag_untagged_comments(db_session)
    topics = comment_read.comment_topics(db_session, [unit.id, other.id],
                                     periods.Period(monday, monday + timedelta(days=13)))
    def share(unit_id, week, kind, topic):
        rows = topics[(topics.unit_id == unit_id) & (topics.week == week) &
                      (topics.kind == kind) & (topics.topic == topic)]
        return float(rows["share"].iloc[0]) if len(rows) else 0.0

    assert share(unit.id, monday, "tag", "mendesak") == 0.5
    assert share(unit.id, monday, "tag", "pujian") == 0.25
    assert share(unit.id, monday, "category", "biaya") == 0.5
    assert share(unit.id, monday + timedelta(days=7), "tag", "mendesak") == 1.0
    assert share(other.id, monday, "tag", "kasar") == 1.0
    assert share(other.id, monday, "tag", "mendesak") == 0.0


def test_the_dashboard_shows_topics_per_unit(signed_in, factory):
    unit = factory.unit(name="Kelurahan Melati")
    head = factory.user(role="head", department_id=unit.department_id)
    rating = factory.rating(unit=unit)
    factory.comment(rating, kind="complaint", text="Ada pungli di loket", category="biaya",
                    status="baru")
    html = signed_in(head).get("/dasbor/").get_data(as_text=True)
    assert 'data-testid="topics-by-unit"' in html
    assert "chart-topic-tags" in html and "chart-topic-categories" in html
    assert "tag=mendesak" in html and "100%" in html
