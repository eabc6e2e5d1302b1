"""The alert pages and commands: a head's inbox holds their department's alerts only (open
and newest first), acknowledging, commenting and closing go through forms, another
department's alert is a 404 to see and to act on; rules are set on a page and with
``flask alert rule add/list/remove``; ``flask alert work --once`` evaluates and sends; the
head's dashboard shows the open count; administrators see the delivery log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from analytics import alerts
from analytics.alerts_models import Alert, AlertContact, AlertRule, AlertWebhook, OutboxMessage
from core.models import Role, utcnow
from tests.support.e2e import starts_servers
from tests.support.factories import account


@pytest.fixture
def world(db_session, factory):
    mine = factory.unit(name="Puskesmas Anggrek")
    theirs = factory.unit(name="Samsat Cempaka")
    rule_mine = alerts.add_rule(db_session, None, "ikm_below", unit_id=mine.id, threshold=76.61,
                                window_minutes=60, min_ratings=1, check_scope=False)
    rule_theirs = alerts.add_rule(db_session, None, "ikm_below", unit_id=theirs.id,
                                  threshold=76.61, window_minutes=60, min_ratings=1,
                                  check_scope=False)
    now = utcnow()
    old = Alert(rule=rule_mine, place="counter:1", unit_id=mine.id, status="selesai",
                opened_at=now - timedelta(days=2), last_seen_at=now - timedelta(days=2),
                value=60.0, ratings=12, closed_at=now - timedelta(days=1),
                close_reason="pulih")
    fresh = Alert(rule=rule_mine, place=f"unit:{mine.id}", unit_id=mine.id, value=55.0,
                  ratings=11, opened_at=now - timedelta(hours=1),
                  last_seen_at=now - timedelta(hours=1))
    other = Alert(rule=rule_theirs, place=f"unit:{theirs.id}", unit_id=theirs.id, value=40.0,
                  ratings=9)
    db_session.add_all([old, fresh, other])
    db_session.flush()
    head = account(db_session, Role.HEAD.value, department_id=mine.department_id,
                   display_name="Kadis Anggrek")
    return {"mine": mine, "theirs": theirs, "old": old, "fresh": fresh, "other": other,
            "head": head, "rule": rule_mine, "rule_theirs": rule_theirs}


def test_the_inbox_shows_the_heads_own_alerts_open_and_newest_first(signed_in, world):
    page = signed_in(world["head"]).get("/peringatan/").get_data(as_text=True)
    assert "Samsat Cempaka" not in page
    assert page.index(f"/peringatan/{world['fresh'].id}") < page.index(
        f"/peringatan/{world['old'].id}")
    assert "IKM Puskesmas Anggrek turun ke 55,00" in page
    assert "1 peringatan terbuka di cakupan Anda." in page


def test_a_head_never_sees_or_acknowledges_another_departments_alert(signed_in, world,
                                                                      db_session):
    client = signed_in(world["head"])
    other = world["other"]
    assert client.get(f"/peringatan/{other.id}").status_code == 404
    for action in ("diketahui", "komentar", "selesai"):
        response = client.post(f"/peringatan/{other.id}/{action}", data={
            "comment-note": "bukan urusan saya", "close-note": ""})
        assert response.status_code == 404
    db_session.refresh(other)
    assert other.status == "terbuka" and other.events == []


def test_acknowledge_comment_and_close_through_the_page(signed_in, world, db_session):
    client = signed_in(world["head"])
    alert = world["fresh"]
    page = client.get(f"/peringatan/{alert.id}").get_data(as_text=True)
    assert "Tandai diketahui" in page and "Selesaikan" in page
    assert client.post(f"/peringatan/{alert.id}/diketahui").status_code == 302
    client.post(f"/peringatan/{alert.id}/komentar", data={"comment-note": "Loket 3 dibuka"})
    client.post(f"/peringatan/{alert.id}/selesai", data={"close-note": "Antrean normal"})
    db_session.refresh(alert)
    assert alert.status == "selesai" and alert.acknowledged_by == world["head"].id
    assert [(e.action, e.note) for e in alert.events] == [
        ("diketahui", None), ("komentar", "Loket 3 dibuka"), ("selesai", "Antrean normal")]
    page = client.get(f"/peringatan/{alert.id}").get_data(as_text=True)
    assert "Kadis Anggrek" in page and "Loket 3 dibuka" in page


def test_the_alert_page_shows_the_ratings_and_comments_behind_it(signed_in, world, factory,
                                                                db_session):
    alert = world["fresh"]
    alert.window_start = alert.opened_at - timedelta(minutes=60)
    rating = factory.rating({"U1": 1, "U3": 2}, unit=world["mine"],
                            submitted_at=alert.opened_at - timedelta(minutes=10))
    factory.comment(rating, kind="complaint", category="antrean", status="baru",
                    text="Menunggu dua jam tanpa kejelasan")
    factory.rating({"U1": 1}, unit=world["theirs"],
                   submitted_at=alert.opened_at - timedelta(minutes=10))
    db_session.flush()
    page = signed_in(world["head"]).get(f"/peringatan/{alert.id}").get_data(as_text=True)
    assert "Menunggu dua jam tanpa kejelasan" in page
    assert "Penilaian dalam jendela (1 terbaru)" in page


def test_a_head_sets_and_removes_a_rule_on_the_rules_page(signed_in, world, db_session):
    client = signed_in(world["head"])
    page = client.get("/peringatan/aturan").get_data(as_text=True)
    assert "Puskesmas Anggrek" in page and "Samsat Cempaka" not in page
    response = client.post("/peringatan/aturan", data={
        "rule-place": f"unit:{world['mine'].id}", "rule-kind": "element_below",
        "rule-element": "U3", "rule-threshold": "70", "rule-window_minutes": "90",
        "rule-min_ratings": "8"})
    assert response.status_code == 302
    rule = db_session.scalars(select(AlertRule).where(
        AlertRule.unit_id == world["mine"].id, AlertRule.kind == "element_below")).one()
    assert (rule.element, rule.threshold, rule.window_minutes, rule.min_ratings,
            rule.created_by) == ("U3", 70.0, 90, 8, world["head"].id)
    # Another department's unit is not a choice, and its rules cannot be removed.
    refused = client.post("/peringatan/aturan", data={
        "rule-place": f"unit:{world['theirs'].id}", "rule-kind": "praise",
        "rule-window_minutes": "60", "rule-min_ratings": "1"})
    assert refused.status_code == 200 and "Periksa isian aturan." in refused.get_data(True)
    assert client.post(f"/peringatan/aturan/{world['rule_theirs'].id}/hapus").status_code == 404
    assert client.post(f"/peringatan/aturan/{rule.id}/hapus").status_code == 302
    db_session.refresh(rule)
    assert not rule.active


def test_a_supervisor_may_not_set_a_department_rule(signed_in, world, db_session):
    supervisor = account(db_session, Role.SUPERVISOR.value, unit_id=world["mine"].id)
    client = signed_in(supervisor)
    response = client.post("/peringatan/aturan", data={
        "rule-place": f"department:{world['mine'].department_id}", "rule-kind": "praise",
        "rule-window_minutes": "60", "rule-min_ratings": "1"})
    assert response.status_code == 200
    assert db_session.scalars(select(AlertRule).where(
        AlertRule.department_id == world["mine"].department_id)).all() == []


def test_anyone_signed_in_sets_their_own_e_mail_and_digest(signed_in, world, db_session,
                                                          factory):
    officer_user = account(db_session, Role.OFFICER.value, officer_id=factory.officer(
        unit=world["mine"]).id)
    client = signed_in(officer_user)
    assert "Tidak ada peringkat" in client.get("/peringatan/langganan").get_data(True)
    client.post("/peringatan/langganan", data={"email": "sari@dinas.test",
                                               "weekly_digest": "y"})
    contact = db_session.get(AlertContact, officer_user.id)
    assert (contact.email, contact.alerts, contact.weekly_digest) == (
        "sari@dinas.test", False, True)
    assert client.get("/peringatan/").status_code == 403  # officers have no inbox


def test_the_heads_dashboard_shows_the_open_count(signed_in, world):
    page = signed_in(world["head"]).get("/dasbor/").get_data(as_text=True)
    assert 'data-testid="open-alerts" href="/peringatan/?status=open">1<' in page


def test_administrators_see_each_delivery_and_its_answer(signed_in, world, db_session):
    from analytics.alerts_models import DeliveryAttempt

    message = OutboxMessage(key="k" * 32, channel="webhook", event="alert.opened",
                            recipient="https://hooks.dinas.test/x", status="pending",
                            attempts=1, last_error="HTTP 503: sedang perawatan")
    db_session.add(message)
    db_session.flush()
    db_session.add(DeliveryAttempt(message_id=message.id, ok=False, status_code=503,
                                   response="HTTP 503: sedang perawatan"))
    db_session.flush()
    admin = account(db_session, Role.ADMIN.value)
    page = signed_in(admin).get("/peringatan/pengiriman").get_data(as_text=True)
    assert "https://hooks.dinas.test/x" in page and "sedang perawatan" in page
    assert signed_in(world["head"]).get("/peringatan/pengiriman").status_code == 403


# --- the command line ----------------------------------------------------------------------


def test_rules_are_added_listed_and_removed_from_the_command_line(runner, world, db_session,
                                                                 factory):
    counter = factory.counter(unit=world["mine"], code="ANG-L1")
    result = runner.invoke(args=["alert", "rule", "add", "negative_share_above", "--counter",
                                 counter.code, "--threshold", "0.25", "--window", "45",
                                 "--min-ratings", "6"])
    assert result.exit_code == 0, result.output
    rule = db_session.scalars(select(AlertRule).where(AlertRule.counter_id == counter.id)).one()
    assert (rule.threshold, rule.window_minutes, rule.min_ratings) == (0.25, 45, 6)
    listed = runner.invoke(args=["alert", "rule", "list", "--unit", world["mine"].code])
    assert str(rule.id) in listed.output and "25,0%" in listed.output
    assert "praise" in listed.output  # the unit's default rules were made too
    bad = runner.invoke(args=["alert", "rule", "add", "ikm_below", "--unit",
                              world["mine"].code, "--threshold", "300"])
    assert bad.exit_code != 0 and "25 dan 100" in bad.output
    assert runner.invoke(args=["alert", "rule", "remove", str(rule.id)]).exit_code == 0
    db_session.refresh(rule)
    assert not rule.active


@pytest.fixture
@starts_servers
def receiver():
    from tests.support.receivers import WebhookReceiver

    server = WebhookReceiver("geheim-0123456789-0123456789").start()
    yield server
    server.stop()


def test_alert_work_once_evaluates_and_sends(runner, world, db_session, factory, receiver):
    unit = world["mine"]
    db_session.add(AlertWebhook(unit_id=unit.id, url=receiver.url,
                                secret="geheim-0123456789-0123456789"))
    # The unit's default rules include urgent complaints; they go out at any hour.
    rating = factory.rating(unit=unit)
    factory.comment(rating, kind="complaint", category="ancaman", status="baru",
                    text="Petugas mengancam warga", created_at=utcnow())
    db_session.flush()
    result = runner.invoke(args=["alert", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "opened=" in result.output
    kinds = [body["alert"]["rule"]["kind"] for body in receiver.received]
    assert kinds.count("urgent_complaint") == 1
    again = runner.invoke(args=["alert", "work", "--once"])
    assert again.exit_code == 0
    assert [b["alert"]["rule"]["kind"] for b in receiver.received].count(
        "urgent_complaint") == 1


def test_webhooks_and_contacts_from_the_command_line(runner, world, db_session):
    result = runner.invoke(args=["alert", "webhook", "add", "https://hooks.dinas.test/a",
                                 "--department", world["mine"].department.code])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    webhook = db_session.scalars(select(AlertWebhook)).one()
    assert webhook.secret == secret and len(secret) >= 32
    result = runner.invoke(args=["alert", "contact", "set", world["head"].username,
                                 "kadis@dinas.test"])
    assert result.exit_code == 0
    contact = db_session.get(AlertContact, world["head"].id)
    assert contact.weekly_digest and contact.alerts


def test_a_malformed_smtp_url_refuses_to_start(make_app):
    from core.settings import ConfigurationError

    with pytest.raises(ConfigurationError, match="SMTP_URL"):
        make_app(SMTP_URL="mail.dinas.test:25")


def test_the_webhook_body_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["AlertWebhook"]
    assert "X-Suara-Signature" in schema["description"]
    assert document["x-webhooks"]["alert"]["post"]["requestBody"]["content"][
        "application/json"]["schema"]["$ref"] == "#/components/schemas/AlertWebhook"
    assert not any(OutboxMessage.__tablename__ in path for path in document["paths"])


def test_a_default_rule_is_changed_on_the_page_and_from_the_command_line(signed_in, world,
                                                                        db_session, runner):
    alerts.ensure_default_rules(db_session, [world["mine"]])
    rule = db_session.scalars(select(AlertRule).where(
        AlertRule.unit_id == world["mine"].id, AlertRule.kind == "ikm_below",
        AlertRule.is_default)).one()
    client = signed_in(world["head"])
    assert f'id="rule{rule.id}-threshold"' in client.get("/peringatan/aturan").get_data(True)
    response = client.post(f"/peringatan/aturan/{rule.id}", data={
        f"rule{rule.id}-threshold": "80", f"rule{rule.id}-window_minutes": "240",
        f"rule{rule.id}-min_ratings": "15"})
    assert response.status_code == 302
    db_session.refresh(rule)
    assert (rule.threshold, rule.window_minutes, rule.min_ratings) == (80.0, 240, 15)
    client.post(f"/peringatan/aturan/{rule.id}", data={
        f"rule{rule.id}-threshold": "800", f"rule{rule.id}-window_minutes": "240",
        f"rule{rule.id}-min_ratings": "15"})
    db_session.refresh(rule)
    assert rule.threshold == 80.0  # refused: outside 25–100
    theirs = world["rule_theirs"]
    assert client.post(f"/peringatan/aturan/{theirs.id}", data={
        f"rule{theirs.id}-window_minutes": "5", f"rule{theirs.id}-min_ratings": "1"}
    ).status_code == 404
    result = runner.invoke(args=["alert", "rule", "set", str(rule.id), "--min-ratings", "20"])
    assert result.exit_code == 0, result.output
    db_session.refresh(rule)
    assert (rule.threshold, rule.min_ratings) == (80.0, 20)
