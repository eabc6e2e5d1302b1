"""Delivery of alerts with real parts on loopback: an SMTP server (aiosmtpd) and a webhook
receiver that checks the HMAC signature. Each message goes out once, survives a worker
restart while queued, is retried with backoff while the receiver is down; quiet hours hold
back what they should; a head never receives another department's alerts; digests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import current_app
from sqlalchemy import select

from analytics import alerts, alerts_delivery, alerts_digest
from analytics import settings as analytics_settings
from analytics.alerts_delivery import DeliverySettings
from analytics.alerts_models import (
    AlertContact,
    AlertRule,
    AlertWebhook,
    DeliveryAttempt,
    OutboxMessage,
)
from core.models import Role
from tests.support.e2e import starts_servers
from tests.support.factories import account, at
from tests.support.receivers import SmtpServer, WebhookReceiver


def evaluate(session, now, rating_ids=None, **options):
    """``alerts.evaluate`` as the fold's hooks call it: with the settings of the app under
    test (its SMTP_URL, BASE_URL and service hours)."""
    return alerts.evaluate(session, now, rating_ids,
                           delivery=DeliverySettings.from_config(current_app.config), **options)


def deliver_due(session, now, **options):
    return alerts_delivery.deliver_due(session, now, current_app.config, **options)


def send_digests(session, now):
    return alerts_digest.send_digests(session, now,
                                      DeliverySettings.from_config(current_app.config),
                                      analytics_settings.from_config(current_app.config))


NOW = at(2026, 3, 3, 10, 0)  # Tuesday 10:00 WIB
SECRET = "rahasia-webhook-dinas-a-0123456789"


@pytest.fixture
@starts_servers
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
@starts_servers
def receiver():
    server = WebhookReceiver(SECRET).start()
    yield server
    server.stop()


@pytest.fixture
@starts_servers
def other_receiver():
    server = WebhookReceiver("rahasia-dinas-b-000000000000000").start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(make_app, smtp):
    """The app as the worker runs it: SMTP_URL pointing at the loopback server."""
    app = make_app(SMTP_URL=smtp.url, MAIL_SENDER="Suara Layanan <peringatan@suara.test>")
    with app.test_request_context():
        yield app


@pytest.fixture
def world(db_session, factory, mail_app, receiver, other_receiver):
    unit = factory.unit(name="Puskesmas Melati")
    other = factory.unit(name="UPT Samsat Kenanga")  # another department
    for place in (unit, other):
        alerts.ensure_default_rules(db_session, [place])
        for rule in db_session.scalars(select(AlertRule).where(AlertRule.unit_id == place.id)):
            alerts.remove_rule(db_session, rule, NOW)
    people = {
        "head": account(db_session, Role.HEAD.value, department_id=unit.department_id),
        "supervisor": account(db_session, Role.SUPERVISOR.value, unit_id=unit.id),
        "other_head": account(db_session, Role.HEAD.value, department_id=other.department_id),
    }
    for name, user in people.items():
        db_session.add(AlertContact(user_id=user.id, email=f"{name}@dinas.test"))
    db_session.add(AlertWebhook(department_id=unit.department_id, url=receiver.url,
                                secret=SECRET))
    db_session.add(AlertWebhook(department_id=other.department_id, url=other_receiver.url,
                                secret="rahasia-dinas-b-000000000000000"))
    rules = {place.id: alerts.add_rule(db_session, None, "ikm_below", unit_id=place.id,
                                       threshold=76.61, window_minutes=60, min_ratings=3,
                                       check_scope=False) for place in (unit, other)}
    db_session.flush()
    return {"unit": unit, "other": other, "rules": rules, **people}


def breach(db_session, factory, unit, now=NOW):
    ratings = [factory.rating(dict.fromkeys(("U1", "U2", "U3"), 1), unit=unit,
                              submitted_at=now - timedelta(minutes=5)) for _ in range(3)]
    return evaluate(db_session, now, rating_ids=[r.id for r in ratings])


def test_each_message_is_delivered_once_through_smtp_and_the_webhook(
        db_session, factory, world, smtp, receiver):
    [alert] = breach(db_session, factory, world["unit"]).opened
    db_session.commit()

    counts = deliver_due(db_session, NOW)
    assert counts == {"sent": 3, "retry": 0, "failed": 0}
    assert sorted(r for _f, rcpts in smtp.mailbox.envelopes for r in rcpts) == [
        "head@dinas.test", "supervisor@dinas.test"]
    [body] = receiver.received
    assert receiver.rejected == 0
    assert body["event"] == "alert.opened" and body["alert"]["id"] == alert.id
    assert body["alert"]["unit"]["name"] == "Puskesmas Melati"
    assert body["alert"]["rule"]["kind"] == "ikm_below" and body["alert"]["value"] == 25.0
    assert body["alert"]["url"] == f"http://suara.test/peringatan/{alert.id}"
    assert "Puskesmas Melati" in body["text"]["id"] and "Puskesmas Melati" in body["text"]["en"]
    assert receiver.headers[0]["X-Suara-Delivery"] == body["delivery"]

    # Sent once: the next passes find nothing to send.
    assert deliver_due(db_session, NOW + timedelta(hours=1))["sent"] == 0
    assert len(smtp.mailbox.messages) == 2 and len(receiver.received) == 1
    statuses = db_session.scalars(select(OutboxMessage.status)).all()
    assert statuses == ["sent"] * 3


def test_the_email_has_a_text_and_an_html_part_in_indonesian_and_english(
        db_session, factory, world, smtp):
    breach(db_session, factory, world["unit"])
    deliver_due(db_session, NOW)
    [message] = smtp.mailbox.to("head@dinas.test")
    assert message["From"] == "Suara Layanan <peringatan@suara.test>"
    assert "[Peringatan] IKM Puskesmas Melati turun ke 25,00" in message["Subject"]
    assert "[Alert] Puskesmas Melati IKM fell to 25.00" in message["Subject"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for part in (text, html):
        assert "Buka peringatan" in part and "Open the alert" in part
        assert "/peringatan/" in part
    assert '<div lang="en">' in html


def test_a_head_never_receives_another_departments_alerts(
        db_session, factory, world, smtp, receiver, other_receiver):
    breach(db_session, factory, world["unit"])
    deliver_due(db_session, NOW)
    assert smtp.mailbox.to("other_head@dinas.test") == []
    assert other_receiver.received == []
    breach(db_session, factory, world["other"])
    deliver_due(db_session, NOW)
    assert len(smtp.mailbox.to("other_head@dinas.test")) == 1
    assert len(smtp.mailbox.to("head@dinas.test")) == 1  # still only their own
    assert len(other_receiver.received) == 1 and len(receiver.received) == 1


def test_a_queued_message_survives_a_worker_restart(db_session, factory, world, make_app,
                                                    smtp, receiver):
    breach(db_session, factory, world["unit"])
    db_session.commit()
    db_session.close()  # the worker that queued it is gone

    restarted = make_app(SMTP_URL=smtp.url)
    with restarted.test_request_context():
        session = restarted.extensions["db"].sessionmaker()
        assert deliver_due(session, NOW + timedelta(minutes=1))["sent"] == 3
        session.close()
    assert len(smtp.mailbox.messages) == 2 and len(receiver.received) == 1


def test_a_message_claimed_by_a_worker_that_died_is_sent_once_by_the_next(
        db_session, factory, world, smtp, receiver):
    breach(db_session, factory, world["unit"])
    claimed = alerts_delivery.claim_due(db_session, NOW)  # and then the worker dies
    assert len(claimed) == 3
    # Another worker at once: the claims hold, nothing is sent twice.
    assert alerts_delivery.claim_due(db_session, NOW + timedelta(minutes=1)) == []
    later = NOW + alerts_delivery.CLAIM_TIMEOUT + timedelta(minutes=1)
    assert deliver_due(db_session, later)["sent"] == 3
    assert len(smtp.mailbox.messages) == 2 and len(receiver.received) == 1
    # The dead worker's late answer changes nothing: its claim is no longer the row's.
    stale = claimed[0]
    db_session.execute(
        OutboxMessage.__table__.update().where(OutboxMessage.id == stale.id,
                                               OutboxMessage.claim == stale.claim)
        .values(status="pending"))
    assert db_session.get(OutboxMessage, stale.id).status == "sent"


def test_a_message_is_retried_with_backoff_while_the_receiver_is_down(
        db_session, factory, world, receiver):
    receiver.fail_next = 2
    breach(db_session, factory, world["unit"])
    [hook] = db_session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "webhook")).all()

    deliver_due(db_session, NOW)
    db_session.refresh(hook)
    assert hook.status == "pending" and hook.attempts == 1
    assert hook.not_before == NOW + timedelta(minutes=1)
    assert "503" in hook.last_error
    deliver_due(db_session, NOW + timedelta(seconds=30))  # not due yet
    db_session.refresh(hook)
    assert hook.attempts == 1
    deliver_due(db_session, NOW + timedelta(minutes=1))
    db_session.refresh(hook)
    assert hook.attempts == 2 and hook.not_before == NOW + timedelta(minutes=3)
    deliver_due(db_session, NOW + timedelta(minutes=3))
    db_session.refresh(hook)
    assert hook.status == "sent" and len(receiver.received) == 1
    log = db_session.scalars(select(DeliveryAttempt).where(
        DeliveryAttempt.message_id == hook.id).order_by(DeliveryAttempt.id)).all()
    assert [(a.ok, a.status_code) for a in log] == [(False, 503), (False, 503), (True, 200)]
    assert log[0].response.endswith("down for maintenance") and log[2].response == "ok"


def test_e_mail_is_retried_while_the_smtp_server_is_down(db_session, factory, world, smtp):
    smtp.stop()
    breach(db_session, factory, world["unit"])
    counts = deliver_due(db_session, NOW)
    assert counts["retry"] == 2  # both e-mails back in the queue (the webhook went)
    smtp.start()
    deliver_due(db_session, NOW + timedelta(minutes=1))
    assert len(smtp.mailbox.messages) == 2
    errors = db_session.scalars(select(DeliveryAttempt.response).where(
        DeliveryAttempt.ok.is_(False))).all()
    assert len(errors) == 2 and all("Connection" in e or "refused" in e for e in errors)


def test_a_message_that_keeps_failing_is_given_up_after_the_last_attempt(
        db_session, factory, world, receiver, make_app):
    app = make_app(ALERT_MAX_ATTEMPTS=2)
    receiver.fail_next = 10
    with app.test_request_context():
        breach(db_session, factory, world["unit"])
        deliver_due(db_session, NOW)
        deliver_due(db_session, NOW + timedelta(minutes=1))
    [hook] = db_session.scalars(select(OutboxMessage).where(
        OutboxMessage.channel == "webhook")).all()
    db_session.refresh(hook)
    assert hook.status == "failed" and hook.attempts == 2


def test_quiet_hours_hold_back_alerts_until_the_unit_opens(db_session, factory, world, smtp,
                                                           receiver):
    evening = at(2026, 3, 3, 19, 0)  # Tuesday 19:00 WIB, closed since 16:00
    [alert] = breach(db_session, factory, world["unit"], now=evening).opened
    messages = db_session.scalars(select(OutboxMessage)).all()
    opening = at(2026, 3, 4, 8, 0)
    assert {m.not_before for m in messages} == {opening}
    assert all(m.held_for_quiet_hours for m in messages)
    assert deliver_due(db_session, evening + timedelta(hours=5))["sent"] == 0
    assert smtp.mailbox.messages == [] and receiver.received == []
    assert deliver_due(db_session, opening)["sent"] == 3
    assert alert.status == "terbuka"


def test_urgent_alerts_ignore_quiet_hours(db_session, factory, world, smtp):
    alerts.add_rule(db_session, None, "urgent_complaint", unit_id=world["unit"].id,
                    check_scope=False)
    night = at(2026, 3, 7, 23, 0)  # Saturday night
    rating = factory.rating(unit=world["unit"], submitted_at=night)
    factory.comment(rating, kind="complaint", category="keselamatan", status="baru",
                    text="Atap ruang tunggu retak dan hampir runtuh")
    evaluate(db_session, night, rating_ids=[rating.id])
    assert deliver_due(db_session, night)["sent"] == 3
    [message] = smtp.mailbox.to("head@dinas.test")
    assert message["Subject"].startswith("[MENDESAK]")
    assert "[URGENT]" in message["Subject"]


def test_next_opening_follows_the_units_zone_breaks_and_holidays(db_session, factory):
    from core.models import Holiday

    wita = factory.unit(timezone="Asia/Makassar")
    # Friday 12:00 WITA: the Friday-prayer break; open again at 13:00.
    assert alerts_delivery.next_opening(db_session, wita, at(2026, 3, 6, 12, 0,
                                                             zone="Asia/Makassar")) \
        == at(2026, 3, 6, 13, 0, zone="Asia/Makassar")
    # Friday evening → Monday 08:00, unless Monday is a holiday.
    db_session.add(Holiday(day=at(2026, 3, 9).date(), name="Cuti bersama"))
    db_session.flush()
    assert alerts_delivery.next_opening(db_session, wita, at(2026, 3, 6, 18, 0,
                                                             zone="Asia/Makassar")) \
        == at(2026, 3, 10, 8, 0, zone="Asia/Makassar")
    inside = at(2026, 3, 3, 9, 0, zone="Asia/Makassar")
    assert alerts_delivery.next_opening(db_session, wita, inside) == inside


def test_recovery_is_sent_as_well(db_session, factory, world, receiver, smtp):
    breach(db_session, factory, world["unit"])
    for _ in range(20):
        factory.rating(dict.fromkeys(("U1", "U2", "U3"), 4), unit=world["unit"],
                       submitted_at=NOW - timedelta(minutes=1))
    [closed] = evaluate(db_session, NOW).closed
    deliver_due(db_session, NOW)
    assert [b["event"] for b in receiver.received] == ["alert.opened", "alert.closed"]
    assert receiver.received[1]["alert"]["close_reason"] == "pulih"
    subjects = [m["Subject"] for m in smtp.mailbox.to("head@dinas.test")]
    assert any(s.startswith("[Pulih]") and "[Recovered]" in s for s in subjects)


def test_weekly_digests_go_to_heads_and_to_officers_who_opted_in(db_session, factory, world,
                                                                 smtp):
    unit = world["unit"]
    officer = factory.officer(unit=unit, name="Sari Wulandari")
    keen = account(db_session, Role.OFFICER.value, officer_id=officer.id, unit_id=unit.id)
    shy = account(db_session, Role.OFFICER.value, officer_id=factory.officer(unit=unit).id)
    db_session.add(AlertContact(user_id=keen.id, email="sari@dinas.test", weekly_digest=True))
    db_session.add(AlertContact(user_id=shy.id, email="shy@dinas.test", weekly_digest=False))
    db_session.get(AlertContact, world["head"].id).weekly_digest = True
    last_week = at(2026, 3, 4, 10, 0)
    rating = factory.rating(unit=unit, officer_id=officer.id, submitted_at=last_week)
    factory.comment(rating, kind="praise", text="Bu Sari sabar menjelaskan",
                    created_at=last_week)
    from analytics import aggregates

    aggregates.record(db_session, rating, [])

    monday_early = at(2026, 3, 9, 6, 0)
    assert send_digests(db_session, monday_early) == 0
    monday = at(2026, 3, 9, 7, 30)
    assert send_digests(db_session, monday) == 2
    assert send_digests(db_session, monday + timedelta(hours=2)) == 0
    deliver_due(db_session, monday)

    [head_digest] = smtp.mailbox.to("head@dinas.test")
    text = head_digest.get_body(("plain",)).get_content()
    assert "Ringkasan minggu 2026-03-02 – 2026-03-08" in text
    assert "IKM: 75,00 (C), 1 responden" in text
    assert "Puskesmas Melati" in text and "weekly digest" in head_digest["Subject"]
    [officer_digest] = smtp.mailbox.to("sari@dinas.test")
    text = officer_digest.get_body(("plain",)).get_content()
    assert "Bu Sari sabar menjelaskan" in text
    assert "belum dihitung" in text and "not computed yet" in text
    for word in ("peringkat", "ranking", "rank"):
        assert word not in text.lower()
    assert smtp.mailbox.to("shy@dinas.test") == []


def test_praise_reaches_the_officer_with_a_link_to_their_own_page(db_session, factory, world,
                                                                 smtp):
    unit = world["unit"]
    alerts.add_rule(db_session, None, "praise", unit_id=unit.id, check_scope=False)
    officer = factory.officer(unit=unit, name="Dewi Lestari")
    user = account(db_session, Role.OFFICER.value, officer_id=officer.id, unit_id=unit.id)
    db_session.add(AlertContact(user_id=user.id, email="dewi@dinas.test"))
    rating = factory.rating(unit=unit, officer_id=officer.id, submitted_at=NOW)
    factory.comment(rating, kind="praise", text="Bu Dewi cekatan sekali")
    evaluate(db_session, NOW, rating_ids=[rating.id])
    deliver_due(db_session, NOW)
    [mine] = smtp.mailbox.to("dewi@dinas.test")
    assert mine["Subject"].startswith("[Kabar baik] Pujian warga untuk Dewi Lestari")
    assert "http://suara.test/dasbor/saya" in mine.get_body(("plain",)).get_content()
    [heads] = smtp.mailbox.to("head@dinas.test")
    assert "/peringatan/" in heads.get_body(("plain",)).get_content()
