"""Delivery of alerts: the outbox (``alert_outbox``) written in the same transaction as the
alert, and ``deliver_due(session, now)``, which the worker runs to send what is due.

- E-mail through SMTP (``SMTP_URL``, ``MAIL_SENDER``): a text and an HTML part, Bahasa
  Indonesia first, English below.
- Webhooks: a JSON body (``AlertWebhook`` in the OpenAPI document) signed with
  ``X-Suara-Signature: sha256=HMAC(secret, "<timestamp>.<body>")``.
- Each message is claimed by one worker with a conditional UPDATE before it is sent, so it
  goes out once; a failure puts it back with a later ``not_before`` (backoff), and every
  attempt and its answer is logged (``alert_delivery``). A claim left by a worker that died
  is taken back after ``CLAIM_TIMEOUT``.
- Quiet hours: outside the unit's service hours (its own zone, holidays included) a message
  waits for the next opening, unless the alert is urgent.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from core.models import Holiday, Role, Unit, User
from core.scope import unit_staff
from core.settings import DEFAULT_SERVICE_HOURS, ConfigurationError
from survey.integrity import service_periods

from analytics.alerts_models import (  # isort: skip
    Alert,
    AlertContact,
    AlertWebhook,
    DeliveryAttempt,
    OutboxMessage,
)

CLAIM_TIMEOUT = timedelta(minutes=10)
BACKOFF_START = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)
SIGNATURE_HEADER = "X-Suara-Signature"
TIMESTAMP_HEADER = "X-Suara-Timestamp"
DELIVERY_HEADER = "X-Suara-Delivery"
ALERT_PATH = "/peringatan/"


# --- settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:password@host:587?starttls=true`` or ``smtps://host:465``."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError(
            "SMTP_URL must look like smtp://user:password@host:587?starttls=true "
            "or smtps://host:465")
    query = parse_qs(parts.query)
    starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes", "on")
    implicit = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname, port=parts.port or (465 if implicit else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        implicit_tls=implicit, starttls=starttls)


def check_settings(config: Mapping) -> None:
    """Called when the app starts: a malformed SMTP_URL refuses to start, naming it."""
    if config.get("SMTP_URL"):
        parse_smtp_url(config["SMTP_URL"])
    if int(config.get("ALERT_MAX_ATTEMPTS", 8)) < 1:
        raise ConfigurationError("ALERT_MAX_ATTEMPTS must be at least 1")


@dataclass(frozen=True)
class DeliverySettings:
    """What the settings say about writing messages: whether e-mail is configured, the public
    address links point at, the default service hours (quiet hours follow a unit's opening)
    and time zone. Built where the work starts (the fold's hooks, ``alert work``) from the
    app's configuration, and passed down: nothing below reads the app."""

    email: bool
    base_url: str
    service_hours: Mapping | None
    timezone: str

    @classmethod
    def from_config(cls, config: Mapping) -> DeliverySettings:
        return cls(email=bool(config.get("SMTP_URL")),
                   base_url=str(config["BASE_URL"]).rstrip("/"),
                   service_hours=config.get("SERVICE_HOURS"),
                   timezone=str(config["TIMEZONE"]))


# --- quiet hours ------------------------------------------------------------------------------


def next_opening(session: Session, unit: Unit, now: datetime,
                 default_hours: Mapping | None = None) -> datetime:
    """``now`` if the unit is open, else the start of its next service period (its zone;
    weekends and holidays skipped). A unit with no service hours at all: ``now``."""
    hours = unit.service_hours or default_hours or DEFAULT_SERVICE_HOURS
    zone = ZoneInfo(unit.timezone)
    local = now.astimezone(zone)
    for offset in range(0, 32):
        day = local.date() + timedelta(days=offset)
        if session.get(Holiday, day) is not None:
            continue
        for start, end in sorted(service_periods(hours, day.isoweekday())):
            opens = datetime.combine(day, start, zone)
            closes = datetime.combine(day, end, zone)
            if closes <= local:
                continue
            return now if opens <= local else opens.astimezone(UTC)
    return now


# --- who receives what -------------------------------------------------------------------


def alert_recipients(session: Session, alert: Alert) -> list[tuple[User, str]]:
    """Users who receive an alert's e-mail: the heads of its unit's department and the
    supervisors of its unit (and, for praise, the officer), each with an address and
    alerts switched on."""
    unit = alert.unit
    conditions = unit_staff(unit)
    if alert.officer_id is not None:
        conditions.append((User.role == Role.OFFICER.value)
                          & (User.officer_id == alert.officer_id))
    rows = session.execute(
        select(User, AlertContact.email).join(AlertContact, AlertContact.user_id == User.id)
        .where(User.active, AlertContact.alerts, or_(*conditions)).order_by(User.id))
    return [(user, email) for user, email in rows]


def alert_webhooks(session: Session, unit: Unit) -> list[AlertWebhook]:
    return list(session.scalars(select(AlertWebhook).where(
        AlertWebhook.active,
        or_(AlertWebhook.unit_id == unit.id,
            AlertWebhook.department_id == unit.department_id)).order_by(AlertWebhook.id)))


# --- writing messages ------------------------------------------------------------------------


def _in_both_languages(render):
    with force_locale("id"):
        indonesian = render()
    with force_locale("en"):
        english = render()
    return indonesian, english


def alert_url(alert: Alert, base_url: str) -> str:
    """The alert's page (built by hand: the worker has no request to build URLs from)."""
    return f"{base_url.rstrip('/')}{ALERT_PATH}{alert.id}"


def alert_payload(session: Session, alert: Alert, event: str, key: str,
                  now: datetime, base_url: str) -> dict:
    """The webhook body (schema ``AlertWebhook`` in the OpenAPI document)."""
    from analytics import alerts

    rule, unit = alert.rule, alert.unit
    text_id, text_en = _in_both_languages(lambda: alerts.headline(session, alert))
    return {
        "event": event,
        "delivery": key,
        "sent_at": now.isoformat(),
        "alert": {
            "id": alert.id,
            "status": alert.status,
            "urgent": alert.urgent,
            "positive": rule.positive,
            "rule": {"id": rule.id, "kind": rule.kind, "threshold": rule.threshold,
                     "element": rule.element, "window_minutes": rule.window_minutes,
                     "min_ratings": rule.min_ratings},
            "unit": {"code": unit.code, "name": unit.name},
            "department": {"code": unit.department.code, "name": unit.department.name},
            "counter": ({"code": alert.counter.code, "label": alert.counter.label}
                        if alert.counter is not None else None),
            "officer": ({"name": alert.officer.name} if alert.officer is not None else None),
            "value": alert.value,
            "ratings": alert.ratings,
            "occurrences": alert.occurrences,
            "opened_at": alert.opened_at.isoformat(),
            "closed_at": alert.closed_at.isoformat() if alert.closed_at else None,
            "close_reason": alert.close_reason,
            "url": alert_url(alert, base_url),
        },
        "text": {"id": text_id, "en": text_en},
    }


def _alert_email(session: Session, alert: Alert, event: str, url: str
                 ) -> tuple[str, str, str]:
    from analytics import alerts

    def render(template: str):
        return lambda: render_template(template, alert=alert, event=event,
                                       headline=alerts.headline(session, alert),
                                       rule_text=alerts.describe_rule(alert.rule),
                                       url=url, local_time=_local_time, unit=alert.unit)

    subject_id, subject_en = _in_both_languages(lambda: _subject(session, alert, event))
    text = "\n\n———\n\n".join(_in_both_languages(render("alerts/email.txt")))
    html_id, html_en = _in_both_languages(render("alerts/email_part.html"))
    html = render_template("alerts/email.html", parts=(html_id, html_en))
    return f"{subject_id} / {subject_en}", text, html


def _subject(session: Session, alert: Alert, event: str) -> str:
    from flask_babel import gettext as _

    from analytics import alerts

    if event == "alert.closed":
        prefix = _("Pulih")
    elif alert.rule.positive:
        prefix = _("Kabar baik")
    elif alert.urgent:
        prefix = _("MENDESAK")
    else:
        prefix = _("Peringatan")
    return f"[{prefix}] {alerts.headline(session, alert)}"


def _local_time(moment: datetime | None, zone: str) -> str:
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") if moment else ""


def enqueue_for_alert(session: Session, alert: Alert, event: str, now: datetime,
                      settings: DeliverySettings) -> list:
    """Write the e-mails and webhook calls for an alert's event to the outbox. Urgent alerts
    go at once; others wait for the unit's next opening. Flushes; the caller commits."""
    session.flush()
    not_before = now if alert.urgent else next_opening(session, alert.unit, now,
                                                        settings.service_hours)
    held = not_before > now
    made = []
    if settings.email:
        recipients = alert_recipients(session, alert)
        emails = {}  # staff open the alert; an officer (praise) opens their own page
        for user, email in recipients:
            officer = user.role == Role.OFFICER.value
            if officer not in emails:
                url = (f"{settings.base_url}/dasbor/saya" if officer
                       else alert_url(alert, settings.base_url))
                emails[officer] = _alert_email(session, alert, event, url)
            subject, text, html = emails[officer]
            made.append(OutboxMessage(
                key=uuid.uuid4().hex, channel="email", event=event, alert_id=alert.id,
                unit_id=alert.unit_id, user_id=user.id, recipient=email, subject=subject[:300],
                body_text=text, body_html=html, not_before=not_before,
                held_for_quiet_hours=held, created_at=now))
    for webhook in alert_webhooks(session, alert.unit):
        key = uuid.uuid4().hex
        made.append(OutboxMessage(
            key=key, channel="webhook", event=event, alert_id=alert.id, unit_id=alert.unit_id,
            webhook_id=webhook.id, recipient=webhook.url, subject=event,
            payload=alert_payload(session, alert, event, key, now, settings.base_url),
            not_before=not_before,
            held_for_quiet_hours=held, created_at=now))
    session.add_all(made)
    session.flush()
    return made


def enqueue_email(session: Session, settings: DeliverySettings, *, user: User, email: str,
                  event: str, subject: str, text: str, html: str, now: datetime,
                  unit_id: int | None = None) -> OutboxMessage | None:
    """An e-mail that is not about one alert (the weekly digest)."""
    if not settings.email:
        return None
    message = OutboxMessage(key=uuid.uuid4().hex, channel="email", event=event,
                            user_id=user.id, unit_id=unit_id, recipient=email,
                            subject=subject[:300], body_text=text, body_html=html,
                            not_before=now, created_at=now)
    session.add(message)
    session.flush()
    return message


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to send one message, read before the transaction ends (nothing
    is held open while talking to the network)."""

    id: int
    claim: str
    key: str
    channel: str
    recipient: str
    subject: str
    body_text: str
    body_html: str | None
    payload: dict | None
    secret: str | None
    attempts: int


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    response: str


def backoff(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most six hours."""
    return min(BACKOFF_START * (2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def claim_due(session: Session, now: datetime, limit: int = 50) -> list[Claimed]:
    """Take up to ``limit`` due messages for this worker and commit the claims. Each is
    taken by a conditional UPDATE (``status = 'pending'``): of two workers, one wins."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - CLAIM_TIMEOUT)
        .values(status="pending", claim=None)
        .execution_options(synchronize_session=False))
    candidates = list(session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.status == "pending",
                                       OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)))
    claimed_ids: dict[int, str] = {}
    for message_id in candidates:
        token = uuid.uuid4().hex
        taken = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
            .values(status="sending", claim=token, claimed_at=now,
                    attempts=OutboxMessage.attempts + 1)
            .execution_options(synchronize_session=False)).rowcount
        if taken == 1:
            claimed_ids[message_id] = token
    found = []
    if claimed_ids:
        rows = session.execute(
            select(OutboxMessage, AlertWebhook.secret)
            .outerjoin(AlertWebhook, AlertWebhook.id == OutboxMessage.webhook_id)
            .where(OutboxMessage.id.in_(list(claimed_ids)))
            .order_by(OutboxMessage.id).execution_options(populate_existing=True))
        for message, secret in rows:
            found.append(Claimed(message.id, claimed_ids[message.id], message.key,
                                 message.channel, message.recipient, message.subject,
                                 message.body_text, message.body_html, message.payload,
                                 secret, message.attempts))
    session.commit()
    return found


def deliver_due(session: Session, now: datetime, config: Mapping,
                limit: int = 50) -> dict[str, int]:
    """Send what is due: claim (commit), send with no transaction open, record each answer
    (commit). Returns counts of sent, retried and failed messages. Commits: this is a
    worker step, never part of a request or a fold batch. ``config``: the SMTP and webhook
    settings (``SMTP_URL``, ``MAIL_SENDER``, the timeouts, ``ALERT_MAX_ATTEMPTS``)."""
    claimed = claim_due(session, now, limit)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    max_attempts = int(config.get("ALERT_MAX_ATTEMPTS", 8))
    for message in claimed:
        outcome = send(config, message, now)
        session.add(DeliveryAttempt(message_id=message.id, at=now, ok=outcome.ok,
                                    status_code=outcome.status_code,
                                    response=outcome.response[:2000]))
        if outcome.ok:
            values = {"status": "sent", "sent_at": now, "last_error": None}
            counts["sent"] += 1
        elif message.attempts >= max_attempts:
            values = {"status": "failed", "last_error": outcome.response[:2000]}
            counts["failed"] += 1
        else:
            values = {"status": "pending", "not_before": now + backoff(message.attempts),
                      "last_error": outcome.response[:2000], "held_for_quiet_hours": False}
            counts["retry"] += 1
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.claim == message.claim)
            .values(claim=None, **values).execution_options(synchronize_session=False))
        session.commit()
    return counts


def send(config: Mapping, message: Claimed, now: datetime) -> Outcome:
    try:
        if message.channel == "email":
            return send_email(config, message)
        return send_webhook(config, message, now)
    except Exception as exc:  # noqa: BLE001 - any failure is logged and retried
        return Outcome(False, None, f"{type(exc).__name__}: {exc}")


def send_email(config: Mapping, message: Claimed) -> Outcome:
    if not config.get("SMTP_URL"):
        return Outcome(False, None, "SMTP_URL is not set")
    smtp = parse_smtp_url(config["SMTP_URL"])
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = config.get("MAIL_SENDER") or "Suara Layanan <suara-layanan@localhost>"
    email["To"] = message.recipient
    email["Message-ID"] = make_msgid(idstring=message.key, domain="suara-layanan")
    email[DELIVERY_HEADER] = message.key
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    timeout = float(config.get("SMTP_TIMEOUT_SECONDS", 20))
    context = ssl.create_default_context()
    client_class = smtplib.SMTP_SSL if smtp.implicit_tls else smtplib.SMTP
    kwargs = {"context": context} if smtp.implicit_tls else {}
    with client_class(smtp.host, smtp.port, timeout=timeout, **kwargs) as client:
        if smtp.starttls:
            client.starttls(context=context)
        if smtp.username:
            client.login(smtp.username, smtp.password or "")
        refused = client.send_message(email)
        reply = client.noop()
    if refused:
        return Outcome(False, None, f"refused: {refused}")
    return Outcome(True, reply[0], "250 accepted")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def send_webhook(config: Mapping, message: Claimed, now: datetime) -> Outcome:
    body = json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    if not message.recipient.startswith(("https://", "http://")):
        return Outcome(False, None, "webhook URLs must be http(s)")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        message.recipient, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "SuaraLayanan-Alerts/1",
        DELIVERY_HEADER: message.key,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(message.secret or "", timestamp, body),
    })
    timeout = float(config.get("WEBHOOK_TIMEOUT_SECONDS", 10))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = response.read(2000).decode("utf-8", "replace")
            return Outcome(200 <= response.status < 300, response.status, answer)
    except urllib.error.HTTPError as exc:
        answer = exc.read(2000).decode("utf-8", "replace") if exc.fp else ""
        return Outcome(False, exc.code, f"HTTP {exc.code}: {answer}")


# --- reading the log ----------------------------------------------------------------------------


def recent_deliveries(session: Session, limit: int = 200):
    """The newest attempts with their message, for administrators."""
    return list(session.execute(
        select(DeliveryAttempt, OutboxMessage)
        .join(OutboxMessage, OutboxMessage.id == DeliveryAttempt.message_id)
        .order_by(DeliveryAttempt.id.desc()).limit(limit)))


def waiting_messages(session: Session, limit: int = 200) -> list[OutboxMessage]:
    return list(session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending", "failed")))
        .order_by(OutboxMessage.not_before, OutboxMessage.id).limit(limit)))
