"""Alert rules on fresh ratings: a rule fires once when its window crosses the value with
enough ratings (not before), a repeat updates the open alert, recovery closes it by itself,
an urgent complaint alerts at once; praise and a unit back in A are alerts too; flagged
ratings stay out of windows; every unit gets default rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import func, select

from analytics import alerts
from analytics.alerts_delivery import DeliverySettings
from analytics.alerts_models import Alert, AlertEvent, AlertRule, OutboxMessage
from tests.support.factories import account, at


def evaluate(session, now, rating_ids=None, **options):
    """``alerts.evaluate`` as the fold's hooks call it: with the settings of the app under
    test (its SMTP_URL, BASE_URL and service hours)."""
    return alerts.evaluate(session, now, rating_ids,
                           delivery=DeliverySettings.from_config(current_app.config), **options)


NOW = at(2026, 3, 3, 10, 0)  # a Tuesday, 10:00 WIB: the unit is open


@pytest.fixture
def unit(factory, db_session, app_context):
    """A unit whose default rules are switched off, so each test speaks of its own rule."""
    unit = factory.unit()
    alerts.ensure_default_rules(db_session, [unit])
    for rule in db_session.scalars(select(AlertRule).where(AlertRule.unit_id == unit.id)):
        alerts.remove_rule(db_session, rule, NOW)
    return unit


def rate(factory, unit, value, minutes_ago, times=1, **fields):
    return [factory.rating(dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"),
                                         value) if isinstance(value, int) else value,
                           unit=unit, submitted_at=NOW - timedelta(minutes=minutes_ago),
                           **fields)
            for _ in range(times)]


def ids(ratings):
    return [r.id for r in ratings]


def alerts_of(db_session, rule):
    return list(db_session.scalars(select(Alert).where(Alert.rule_id == rule.id)
                                   .order_by(Alert.id)))


def ikm_rule(db_session, unit, **overrides):
    fields = {"threshold": 76.61, "window_minutes": 60, "min_ratings": 5, **overrides}
    return alerts.add_rule(db_session, None, "ikm_below", unit_id=unit.id, check_scope=False,
                           **fields)


def test_a_rule_fires_once_when_its_window_crosses_the_value_with_enough_ratings(
        db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    first = rate(factory, unit, 2, minutes_ago=30, times=4)
    changes = evaluate(db_session, NOW, rating_ids=ids(first))
    assert not changes.opened and alerts_of(db_session, rule) == []  # 4 < 5 ratings

    fifth = rate(factory, unit, 2, minutes_ago=5)
    changes = evaluate(db_session, NOW, rating_ids=ids(fifth))
    [alert] = alerts_of(db_session, rule)
    assert changes.opened == [alert]
    assert alert.status == "terbuka" and alert.ratings == 5 and alert.value == 50.0
    assert alert.place == f"unit:{unit.id}" and alert.occurrences == 1

    # Evaluated again with nothing new (the worker's periodic pass): still one, unchanged.
    again = evaluate(db_session, NOW + timedelta(minutes=1))
    assert not again.opened and alerts_of(db_session, rule) == [alert]
    assert alert.occurrences == 1


def test_ratings_outside_the_window_do_not_count(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    rate(factory, unit, 2, minutes_ago=90, times=4)  # before the 60-minute window
    late = rate(factory, unit, 2, minutes_ago=10)
    evaluate(db_session, NOW, rating_ids=ids(late))
    assert alerts_of(db_session, rule) == []


def test_a_second_breach_while_open_updates_the_same_alert(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    [alert] = alerts_of(db_session, rule)
    later = NOW + timedelta(minutes=10)
    more = [factory.rating(dict.fromkeys(("U1", "U2", "U3"), 1), unit=unit,
                           submitted_at=later - timedelta(minutes=1))]
    changes = evaluate(db_session, later, rating_ids=ids(more))
    assert changes.updated == [alert] and not changes.opened
    assert alerts_of(db_session, rule) == [alert]
    assert alert.occurrences == 2 and alert.ratings == 6 and alert.last_seen_at == later
    actions = [e.action for e in alert.events]
    assert actions == ["dibuka", "berulang"]
    # The repeat wrote no second message: no storm.
    opened = db_session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.alert_id == alert.id, OutboxMessage.event != "alert.opened"))
    assert opened == 0


def test_recovery_closes_the_alert_by_itself_and_says_so(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    [alert] = alerts_of(db_session, rule)
    alerts.acknowledge(db_session, alert, account(db_session, "head"), NOW)

    good = rate(factory, unit, 4, minutes_ago=1, times=15)  # IKM of the window: 87.5
    changes = evaluate(db_session, NOW, rating_ids=ids(good))
    assert changes.closed == [alert]
    assert alert.status == "selesai" and alert.close_reason == "pulih"
    assert alert.closed_by is None and alert.closed_at == NOW
    [event] = [e for e in alert.events if e.action == "pulih"]
    assert "87,50" in event.note and "20" in event.note


def test_a_window_recovers_when_its_bad_ratings_age_out(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    later = NOW + timedelta(hours=2)
    for _ in range(5):
        factory.rating(dict.fromkeys(("U1", "U2"), 4), unit=unit,
                       submitted_at=later - timedelta(minutes=5))
    evaluate(db_session, later)  # the periodic pass, no fold batch
    [alert] = alerts_of(db_session, rule)
    assert alert.status == "selesai" and alert.close_reason == "pulih"


def test_after_recovery_a_new_breach_opens_a_new_alert(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 4, 1, times=15)))
    later = NOW + timedelta(hours=3)
    bad = [factory.rating(dict.fromkeys(("U1", "U2"), 1), unit=unit,
                          submitted_at=later - timedelta(minutes=2)) for _ in range(5)]
    evaluate(db_session, later, rating_ids=ids(bad))
    first, second = alerts_of(db_session, rule)
    assert first.status == "selesai" and second.status == "terbuka"


def test_too_few_ratings_neither_open_nor_close(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    later = NOW + timedelta(hours=2)
    quiet = [factory.rating(dict.fromkeys(("U1",), 4), unit=unit,
                            submitted_at=later - timedelta(minutes=3))]
    evaluate(db_session, later, rating_ids=ids(quiet))
    [alert] = alerts_of(db_session, rule)
    assert alert.status == "terbuka"  # one good rating says nothing yet


def test_flagged_ratings_stay_out_of_windows_until_cleared(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    flagged = rate(factory, unit, 1, 10, times=5, flags="burst")
    evaluate(db_session, NOW, rating_ids=ids(flagged))
    assert alerts_of(db_session, rule) == []
    for rating in flagged:
        rating.flags_cleared_at = NOW
    db_session.flush()
    evaluate(db_session, NOW, rating_ids=ids(flagged))
    assert len(alerts_of(db_session, rule)) == 1


def test_the_share_of_negative_ratings_alerts_above_its_value(db_session, factory, unit):
    rule = alerts.add_rule(db_session, None, "negative_share_above", unit_id=unit.id,
                           threshold=0.3, window_minutes=60, min_ratings=10, check_scope=False)
    fine = {**dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8"), 4), "U9": 3}
    one_bad = {**fine, "U3": 2}  # a single answer of 2 makes a rating negative
    made = rate(factory, unit, fine, 30, times=7) + rate(factory, unit, one_bad, 20, times=3)
    evaluate(db_session, NOW, rating_ids=ids(made))
    assert alerts_of(db_session, rule) == []  # 3 of 10 is not above 30%
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, one_bad, 5)))
    [alert] = alerts_of(db_session, rule)
    assert alert.value == pytest.approx(4 / 11)
    with _in_english():
        assert "36.4%" in alerts.headline(db_session, alert)


def test_an_element_below_its_value_alerts_on_that_element_only(db_session, factory, unit):
    counter = factory.counter(unit=unit)
    rule = alerts.add_rule(db_session, None, "element_below", counter_id=counter.id,
                           element="U3", threshold=65.0, window_minutes=60, min_ratings=5,
                           check_scope=False)
    slow = {**dict.fromkeys(("U1", "U2", "U4", "U5", "U6", "U7", "U8", "U9"), 4), "U3": 2}
    elsewhere = rate(factory, unit, slow, 10, times=5)  # no counter: not this rule's place
    evaluate(db_session, NOW, rating_ids=ids(elsewhere))
    assert alerts_of(db_session, rule) == []
    here = rate(factory, unit, slow, 10, times=5, counter_id=counter.id)
    evaluate(db_session, NOW, rating_ids=ids(here))
    [alert] = alerts_of(db_session, rule)
    assert alert.place == f"counter:{counter.id}" and alert.value == 50.0


def test_an_urgent_complaint_alerts_at_once_even_at_night(db_session, factory, unit, app):
    rule = alerts.add_rule(db_session, None, "urgent_complaint", unit_id=unit.id,
                           check_scope=False)
    assert rule.categories == ["pungli", "ancaman", "keselamatan"]
    night = at(2026, 3, 3, 22, 30)
    webhook = _webhook(db_session, unit)
    rating = factory.rating(unit=unit, submitted_at=night - timedelta(minutes=1))
    comment = factory.comment(rating, kind="complaint", category="pungli", status="baru",
                              text="Diminta uang Rp50.000 agar cepat")
    changes = evaluate(db_session, night, rating_ids=[rating.id])
    [alert] = changes.opened
    assert alert.urgent and [s.comment_id for s in alert.sources] == [comment.id]
    [message] = db_session.scalars(select(OutboxMessage).where(
        OutboxMessage.alert_id == alert.id))
    assert message.webhook_id == webhook.id
    assert message.not_before == night and not message.held_for_quiet_hours

    # The same complaint again (the periodic pass): nothing new. Another one: the same alert.
    evaluate(db_session, night + timedelta(minutes=1))
    assert alert.occurrences == 1
    other = factory.rating(unit=unit, submitted_at=night)
    factory.comment(other, kind="complaint", category="ancaman", status="baru", text="Diancam")
    evaluate(db_session, night + timedelta(minutes=2))
    assert alerts_of(db_session, rule) == [alert] and alert.occurrences == 2


def test_an_ordinary_complaint_raises_no_urgent_alert(db_session, factory, unit):
    rule = alerts.add_rule(db_session, None, "urgent_complaint", unit_id=unit.id,
                           check_scope=False)
    rating = factory.rating(unit=unit, submitted_at=NOW)
    factory.comment(rating, kind="complaint", category="antrean", status="baru")
    evaluate(db_session, NOW, rating_ids=[rating.id])
    assert alerts_of(db_session, rule) == []


def test_praise_for_an_officer_is_an_alert_about_that_officer(db_session, factory, unit):
    rule = alerts.add_rule(db_session, None, "praise", unit_id=unit.id, check_scope=False)
    officer = factory.officer(unit=unit)
    rating = factory.rating(unit=unit, officer_id=officer.id, submitted_at=NOW)
    factory.comment(rating, kind="praise", text="Bu Sari sangat membantu")
    gamed = factory.rating(unit=unit, officer_id=officer.id, submitted_at=NOW, flags="repeat")
    factory.comment(gamed, kind="praise", text="Hebat")
    evaluate(db_session, NOW, rating_ids=[rating.id, gamed.id])
    [alert] = alerts_of(db_session, rule)
    assert alert.place == f"officer:{officer.id}" and alert.rule.positive
    assert alert.occurrences == 1  # the flagged praise does not count


def test_a_unit_back_in_category_a_is_good_news(db_session, factory, unit):
    rule = alerts.add_rule(db_session, None, "category_a", unit_id=unit.id, threshold=88.31,
                           window_minutes=60, min_ratings=5, check_scope=False)
    rate(factory, unit, 3, minutes_ago=90, times=5)  # the hour before: 75, not A
    good = rate(factory, unit, 4, minutes_ago=10, times=5)
    evaluate(db_session, NOW, rating_ids=ids(good))
    [alert] = alerts_of(db_session, rule)
    assert alert.value == 100.0 and alert.status == "terbuka"


def test_a_unit_that_was_always_in_a_is_no_news(db_session, factory, unit):
    rule = alerts.add_rule(db_session, None, "category_a", unit_id=unit.id, threshold=88.31,
                           window_minutes=60, min_ratings=5, check_scope=False)
    rate(factory, unit, 4, minutes_ago=90, times=5)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 4, 10, times=5)))
    assert alerts_of(db_session, rule) == []


def test_a_department_rule_watches_each_of_its_units(db_session, factory, unit):
    sibling = factory.unit(department=unit.department)
    rule = alerts.add_rule(db_session, None, "ikm_below", department_id=unit.department_id,
                           threshold=76.61, window_minutes=60, min_ratings=3,
                           check_scope=False)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, sibling, 1, 5, times=3)))
    [alert] = alerts_of(db_session, rule)
    assert alert.unit_id == sibling.id


def test_every_unit_gets_default_rules_and_a_removed_one_stays_removed(db_session, factory,
                                                                       app_context):
    unit = factory.unit()
    evaluate(db_session, NOW)
    kinds = sorted(r.kind for r in db_session.scalars(
        select(AlertRule).where(AlertRule.unit_id == unit.id, AlertRule.active)))
    assert kinds == sorted(spec.kind for spec in alerts.DEFAULT_RULES)
    removed = db_session.scalars(select(AlertRule).where(
        AlertRule.unit_id == unit.id, AlertRule.kind == "praise")).one()
    alerts.remove_rule(db_session, removed, NOW)
    evaluate(db_session, NOW)
    assert db_session.scalar(select(func.count()).select_from(AlertRule).where(
        AlertRule.unit_id == unit.id, AlertRule.active)) == len(alerts.DEFAULT_RULES) - 1


def test_the_default_rules_fire_on_a_bad_morning(db_session, factory, app_context):
    unit = factory.unit()
    bad = [factory.rating(dict.fromkeys(("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9"), 2),
                          unit=unit, submitted_at=NOW - timedelta(minutes=m))
           for m in range(1, 11)]
    changes = evaluate(db_session, NOW, rating_ids=ids(bad))
    assert sorted(a.rule.kind for a in changes.opened) == [
        "element_below", "ikm_below", "negative_share_above"]


def test_acknowledge_comment_and_close_are_recorded_with_who_and_when(db_session, factory,
                                                                      unit):
    rule = ikm_rule(db_session, unit)
    evaluate(db_session, NOW, rating_ids=ids(rate(factory, unit, 2, 20, times=5)))
    [alert] = alerts_of(db_session, rule)
    head = account(db_session, "head", department_id=unit.department_id)
    alerts.acknowledge(db_session, alert, head, NOW + timedelta(minutes=3))
    assert (alert.status, alert.acknowledged_by) == ("diketahui", head.id)
    with pytest.raises(alerts.AlertError):
        alerts.acknowledge(db_session, alert, head, NOW)
    alerts.add_comment(db_session, alert, head, "Loket 2 dibuka", NOW + timedelta(minutes=4))
    alerts.close(db_session, alert, head, NOW + timedelta(minutes=5), "Antrean normal")
    assert (alert.status, alert.close_reason, alert.closed_by) == ("selesai", "manual", head.id)
    events = db_session.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)
                                .order_by(AlertEvent.id)).all()
    assert [(e.action, e.user_id, e.note) for e in events] == [
        ("dibuka", None, None), ("diketahui", head.id, None),
        ("komentar", head.id, "Loket 2 dibuka"), ("selesai", head.id, "Antrean normal")]


def test_a_rule_outside_the_users_scope_is_refused(db_session, factory, unit):
    other = factory.unit()
    head = account(db_session, "head", department_id=unit.department_id)
    with pytest.raises(alerts.AlertError) as refused:
        alerts.add_rule(db_session, head, "ikm_below", unit_id=other.id, threshold=70)
    assert refused.value.status == 404
    mine = alerts.add_rule(db_session, head, "ikm_below", unit_id=unit.id, threshold=70,
                           window_minutes=90, min_ratings=6)
    assert mine.created_by == head.id


@pytest.mark.parametrize("kind,fields", [
    ("ikm_below", {"threshold": 120}),
    ("negative_share_above", {"threshold": 30}),
    ("element_below", {"threshold": 60, "element": "U10"}),
    ("urgent_complaint", {"categories": ["bukan-kategori"]}),
    ("ikm_below", {"threshold": 70, "min_ratings": 0}),
])
def test_malformed_rules_are_refused(db_session, unit, kind, fields):
    with pytest.raises(alerts.AlertError):
        alerts.add_rule(db_session, None, kind, unit_id=unit.id, check_scope=False, **fields)


# --- helpers --------------------------------------------------------------------------------


def _webhook(db_session, unit):
    from analytics.alerts_models import AlertWebhook

    webhook = AlertWebhook(unit_id=unit.id, url="http://127.0.0.1:9/hook", secret="s" * 32)
    db_session.add(webhook)
    db_session.flush()
    return webhook


def _in_english():
    from flask_babel import force_locale

    return force_locale("en")


def test_the_database_holds_one_open_alert_per_rule_and_place(db_session, unit):
    from sqlalchemy.exc import IntegrityError

    rule = ikm_rule(db_session, unit)
    db_session.add(Alert(rule_id=rule.id, place=f"unit:{unit.id}", unit_id=unit.id))
    db_session.flush()
    db_session.add(Alert(rule_id=rule.id, place=f"unit:{unit.id}", unit_id=unit.id,
                         status="selesai"))  # closed ones may be many
    db_session.flush()
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(Alert(rule_id=rule.id, place=f"unit:{unit.id}", unit_id=unit.id,
                             status="diketahui"))
        db_session.flush()


def test_the_folds_hooks_evaluate_a_batch_and_the_periodic_pass(db_session, factory, unit):
    rule = ikm_rule(db_session, unit)
    batch = rate(factory, unit, 1, 5, times=5)
    alerts.after_fold_batch(db_session, ids(batch), NOW)
    [alert] = alerts_of(db_session, rule)
    rate(factory, unit, 4, 1, times=30)
    alerts.on_fold_tick(db_session, NOW)
    assert alert.status == "selesai" and alert.close_reason == "pulih"


def test_a_fold_batch_rereads_a_window_only_after_the_recheck_interval(db_session, factory,
                                                                      unit):
    rule = ikm_rule(db_session, unit)
    quiet = rate(factory, unit, 4, 1, times=5)
    evaluate(db_session, NOW, rating_ids=ids(quiet), window_recheck_seconds=60)
    assert alerts_of(db_session, rule) == []
    bad = rate(factory, unit, 1, 5, times=30)
    # Read a moment ago: this batch leaves the window to the periodic pass...
    evaluate(db_session, NOW, rating_ids=ids(bad), window_recheck_seconds=60)
    assert alerts_of(db_session, rule) == []
    # ...which reads every window, as does a batch once the interval has passed.
    evaluate(db_session, NOW, rating_ids=ids(bad), window_recheck_seconds=0)
    [alert] = alerts_of(db_session, rule)
    assert alert.status == "terbuka"
