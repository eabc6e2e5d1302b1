"""``flask --app wsgi alert …``: rules (add, list, remove), webhooks, who receives e-mail,
and the worker (``alert work``) that evaluates rules, sends what is due and the weekly
digests."""

from __future__ import annotations

import secrets
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from analytics import alerts, alerts_delivery, alerts_digest
from analytics import settings as analytics_settings
from analytics.alerts_models import RULE_KINDS, AlertContact, AlertRule, AlertWebhook
from core import db
from core.cli import fail
from core.models import Counter, Department, Role, Unit, User, utcnow

alert_cli = AppGroup("alert", help="Alerts: rules, webhooks, e-mail contacts, the worker.")
rule_cli = AppGroup("rule", help="Alert rules per department, unit or counter.")
webhook_cli = AppGroup("webhook", help="Webhook URLs that receive alerts as signed JSON.")
contact_cli = AppGroup("contact", help="Where a user receives alert e-mail and digests.")
alert_cli.add_command(rule_cli)
alert_cli.add_command(webhook_cli)
alert_cli.add_command(contact_cli)


def _place(session, department: str | None, unit: str | None, counter: str | None) -> dict:
    given = [x for x in (department, unit, counter) if x]
    if len(given) != 1:
        fail("Give exactly one of --department, --unit, --counter.")
    if department:
        found = session.scalars(select(Department).where(Department.code == department)).first()
        key = "department_id"
    elif unit:
        found = session.scalars(select(Unit).where(Unit.code == unit)).first()
        key = "unit_id"
    else:
        found = session.scalars(select(Counter).where(Counter.code == counter)).first()
        key = "counter_id"
    if found is None:
        fail(f"No such {key.removesuffix('_id')}: {given[0]}")
    return {key: found.id}


PLACE_OPTIONS = [
    click.option("--department", metavar="CODE", help="Every unit of this department."),
    click.option("--unit", metavar="CODE"),
    click.option("--counter", metavar="CODE"),
]


def place_options(command):
    for option in reversed(PLACE_OPTIONS):
        command = option(command)
    return command


@rule_cli.command("add")
@click.argument("kind", type=click.Choice(RULE_KINDS))
@place_options
@click.option("--threshold", type=float,
              help="25–100 for IKM and elements (category_a: the A line), 0–1 for shares.")
@click.option("--window", "window_minutes", type=int, default=120, show_default=True,
              help="Rolling window in minutes.")
@click.option("--min-ratings", type=int, default=10, show_default=True,
              help="No alert with fewer ratings than this in the window.")
@click.option("--element", help="U1…U9, for element_below.")
@click.option("--category", "categories", multiple=True,
              help="Complaint category for urgent_complaint (repeat; default pungli, "
                   "ancaman, keselamatan).")
def rule_add(kind, department, unit, counter, threshold, window_minutes, min_ratings,
             element, categories) -> None:
    """Add a rule of KIND for one place."""
    session = db.session()
    place = _place(session, department, unit, counter)
    try:
        rule = alerts.add_rule(session, None, kind, threshold=threshold,
                               window_minutes=window_minutes, min_ratings=min_ratings,
                               element=element, categories=list(categories) or None,
                               check_scope=False, **place)
    except alerts.AlertError as exc:
        session.rollback()
        fail(exc.message)
    session.commit()
    click.echo(f"Rule {rule.id}: {alerts.describe_rule(rule)}")


@rule_cli.command("list")
@click.option("--unit", metavar="CODE", help="Only rules that apply to this unit.")
def rule_list(unit: str | None) -> None:
    """List the active rules (making any unit's missing defaults first)."""
    session = db.session()
    if alerts.ensure_default_rules(session):
        session.commit()
    rules = list(session.scalars(select(AlertRule).where(AlertRule.active).order_by(
        AlertRule.department_id, AlertRule.unit_id, AlertRule.counter_id, AlertRule.id)))
    if unit:
        found = session.scalars(select(Unit).where(Unit.code == unit)).first()
        if found is None:
            fail(f"No such unit: {unit}")
        counters = {c.id for c in found.counters}
        rules = [r for r in rules if r.unit_id == found.id or r.counter_id in counters
                 or r.department_id == found.department_id]
    for rule in rules:
        click.echo(f"{rule.id:>5}  {alerts.rule_place_name(session, rule):<40}  "
                   f"{rule.kind:<22} {alerts.describe_rule(rule)}")


@rule_cli.command("set")
@click.argument("rule_id", type=int)
@click.option("--threshold", type=float)
@click.option("--window", "window_minutes", type=int, help="Rolling window in minutes.")
@click.option("--min-ratings", type=int)
@click.option("--category", "categories", multiple=True, help="urgent_complaint: repeat.")
def rule_set(rule_id: int, threshold, window_minutes, min_ratings, categories) -> None:
    """Change rule RULE_ID (a default one too): its value, window, minimum, categories."""
    session = db.session()
    rule = session.get(AlertRule, rule_id)
    if rule is None or not rule.active:
        fail(f"No active rule {rule_id}")
    try:
        alerts.change_rule(session, rule, threshold=threshold, window_minutes=window_minutes,
                           min_ratings=min_ratings, categories=list(categories) or None)
    except alerts.AlertError as exc:
        session.rollback()
        fail(exc.message)
    session.commit()
    click.echo(f"Rule {rule.id}: {alerts.describe_rule(rule)}")


@rule_cli.command("remove")
@click.argument("rule_id", type=int)
def rule_remove(rule_id: int) -> None:
    """Stop rule RULE_ID (its open alerts stay until closed)."""
    session = db.session()
    rule = session.get(AlertRule, rule_id)
    if rule is None or not rule.active:
        fail(f"No active rule {rule_id}")
    alerts.remove_rule(session, rule, utcnow())
    session.commit()
    click.echo(f"Rule {rule_id} removed.")


@webhook_cli.command("add")
@click.argument("url")
@click.option("--department", metavar="CODE")
@click.option("--unit", metavar="CODE")
def webhook_add(url: str, department: str | None, unit: str | None) -> None:
    """Send the alerts of a department or unit to URL; prints the signing secret once."""
    if not url.startswith(("https://", "http://")):
        fail("The URL must start with https:// (or http:// on a private network).")
    session = db.session()
    place = _place(session, department, unit, None)
    secret = secrets.token_urlsafe(32)
    webhook = AlertWebhook(url=url, secret=secret, **place)
    session.add(webhook)
    session.commit()
    click.echo(f"Webhook {webhook.id} → {url}")
    click.echo("Signing secret (shown once; check X-Suara-Signature with it):")
    click.echo(secret)


@webhook_cli.command("list")
def webhook_list() -> None:
    session = db.session()
    for webhook in session.scalars(select(AlertWebhook).order_by(AlertWebhook.id)):
        where = (f"unit {webhook.unit_id}" if webhook.unit_id
                 else f"department {webhook.department_id}")
        state = "active" if webhook.active else "off"
        click.echo(f"{webhook.id:>4}  {where:<16} {state:<6} {webhook.url}")


@webhook_cli.command("remove")
@click.argument("webhook_id", type=int)
def webhook_remove(webhook_id: int) -> None:
    session = db.session()
    webhook = session.get(AlertWebhook, webhook_id)
    if webhook is None:
        fail(f"No webhook {webhook_id}")
    webhook.active = False
    session.commit()
    click.echo(f"Webhook {webhook_id} switched off.")


@contact_cli.command("set")
@click.argument("username")
@click.argument("email")
@click.option("--alerts/--no-alerts", default=True, show_default=True)
@click.option("--digest/--no-digest", default=None,
              help="Weekly digest (default: on for heads and supervisors, off for officers).")
def contact_set(username: str, email: str, alerts: bool, digest: bool | None) -> None:
    """Send USERNAME's alerts (and digest) to EMAIL."""
    session = db.session()
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        fail(f"No such user: {username}")
    if "@" not in email:
        fail("That is not an e-mail address.")
    if digest is None:
        digest = user.role != Role.OFFICER.value
    contact = session.get(AlertContact, user.id) or AlertContact(user_id=user.id, email=email)
    contact.email, contact.alerts, contact.weekly_digest = email, alerts, digest
    session.add(contact)
    session.commit()
    click.echo(f"{username}: {email} (alerts {'on' if alerts else 'off'}, "
               f"digest {'on' if digest else 'off'})")


def work_once(session, config) -> dict[str, int]:
    """One pass of the worker: evaluate every rule, send what is due, write digests."""
    now = utcnow()
    delivery = alerts_delivery.DeliverySettings.from_config(config)
    changes = alerts.evaluate(session, now, delivery=delivery)
    digests = alerts_digest.send_digests(session, now, delivery,
                                         analytics_settings.from_config(config))
    session.commit()
    counts = alerts_delivery.deliver_due(session, utcnow(), config)
    return {"opened": len(changes.opened), "updated": len(changes.updated),
            "closed": len(changes.closed), "digests": digests, **counts}


@alert_cli.command("work")
@click.option("--once", is_flag=True, help="One pass, then exit (for cron or tests).")
@click.option("--interval", type=float, default=None,
              help="Seconds between passes (default ALERT_WORK_INTERVAL_SECONDS).")
def work(once: bool, interval: float | None) -> None:
    """Evaluate the rules, deliver queued e-mail and webhooks, write weekly digests; loop
    until stopped. Safe to stop at any time: what is queued stays queued."""
    interval = interval if interval is not None else float(
        current_app.config["ALERT_WORK_INTERVAL_SECONDS"])
    session = db.session()
    while True:
        try:
            counts = work_once(session, current_app.config)
        except Exception:
            session.rollback()
            if once:
                raise
            current_app.logger.exception("alert worker pass failed; trying again")
            counts = None
        if counts and any(counts.values()):
            click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))
        if once:
            return
        time.sleep(interval)


@alert_cli.command("deliver")
def deliver() -> None:
    """Send what is due now, once."""
    counts = alerts_delivery.deliver_due(db.session(), utcnow(), current_app.config)
    click.echo(" ".join(f"{k}={v}" for k, v in counts.items()))


def register(app: Flask) -> None:
    app.cli.add_command(alert_cli)
