"""Weekly digests by e-mail: to each head and supervisor who wants it (their units' IKM of
the last week and its change, top complaints, open and overdue follow-ups, open alerts),
and to each officer who opts in (the praise citizens left them and the state of their
component, worded as feedback: never a rank, never a comparison with colleagues).

``send_digests(session, now)`` writes one message per person per ISO week to the outbox,
from Monday 07:00 in the deployment's zone on; it is safe to call every loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import force_locale, format_decimal, get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import (
    alerts,
    alerts_delivery,
    comment_read,
    complaint_trends,
    ikm_read,
    officers_read,
)
from analytics.alerts_delivery import DeliverySettings
from analytics.alerts_models import AlertContact, DigestSent
from analytics.periods import Period
from analytics.settings import ComponentSettings
from core.auth import visible_units
from core.localtime import local_day
from core.models import Officer, Role, User
from survey.elements import COMPLAINT_CATEGORIES

SEND_FROM = time(7, 0)  # Monday morning, before the offices open


@dataclass(frozen=True)
class UnitLine:
    name: str
    ikm: object
    category: str | None
    respondents: int
    change: object
    top_complaints: list[tuple[str, int]]
    open_follow_ups: int
    overdue: int
    open_alerts: int


def week_of(now: datetime, zone: str) -> tuple[str, Period] | None:
    """The ISO week label and last week's days, once Monday 07:00 has passed."""
    local = now.astimezone(ZoneInfo(zone))
    monday = local.date() - timedelta(days=local.weekday())
    if local.weekday() == 0 and local.time() < SEND_FROM:
        return None
    year, week, _day = monday.isocalendar()
    return f"{year}-W{week:02d}", Period(monday - timedelta(days=7), monday - timedelta(days=1))


def head_lines(session: Session, user: User, period: Period, today: date) -> list[UnitLine]:
    units = visible_units(session, user)
    if not units:
        return []
    now_ikm = {u.unit_id: u for u in ikm_read.units_ikm(session, units, period)}
    before = {u.unit_id: u for u in ikm_read.units_ikm(session, units, period.previous())}
    ids = [u.id for u in units]
    counts = complaint_trends.complaint_counts(session, ids, period)
    backlog = complaint_trends.complaint_backlog(session, ids, today)
    lines = []
    for unit in units:
        result = now_ikm[unit.id].result
        previous = before[unit.id].result
        change = (result.ikm_converted - previous.ikm_converted
                  if result.ikm_converted is not None and previous.ikm_converted is not None
                  else None)
        mine = counts[counts["unit_id"] == unit.id] if not counts.empty else counts
        top = []
        if not mine.empty:
            summed = mine.groupby("category")["count"].sum().sort_values(ascending=False)
            top = [(str(c), int(n)) for c, n in summed.head(3).items()]
        open_rows = backlog[backlog["unit_id"] == unit.id] if not backlog.empty else backlog
        lines.append(UnitLine(
            unit.name, result.ikm_converted, result.category, result.respondents, change, top,
            int(open_rows["open"].sum()) if not open_rows.empty else 0,
            int(open_rows["overdue"].sum()) if not open_rows.empty else 0,
            alerts.open_count(session, [unit.id])))
    return lines


def category_label(code: str) -> str:
    """A complaint category in the language being rendered."""
    labels = COMPLAINT_CATEGORIES.get(code, (None, code, code))
    return labels[2] if str(get_locale()) == "en" else labels[1]


def _render_both(template: str, **context) -> tuple[str, str]:
    parts = []
    for locale in ("id", "en"):
        with force_locale(locale):
            parts.append(render_template(template, category_label=category_label,
                                         number=_number, **context))
    return parts[0], parts[1]


def _number(value, places: int = 2) -> str:
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")


def _send(session: Session, settings: DeliverySettings, recipient: User, email: str,
          template: str, subject: str, now: datetime, **context) -> None:
    text = "\n\n———\n\n".join(_render_both(f"alerts/{template}.txt", **context))
    html_parts = _render_both(f"alerts/{template}_part.html", **context)
    html = render_template("alerts/email.html", parts=html_parts)
    alerts_delivery.enqueue_email(session, settings, user=recipient, email=email, event="digest",
                                  subject=subject, text=text, html=html, now=now,
                                  unit_id=recipient.unit_id)


def _subject(key: str, week: str) -> str:
    words = []
    for locale in ("id", "en"):
        with force_locale(locale):
            words.append(_("Ringkasan mingguan Suara Layanan %(week)s", week=week)
                         if key == "head" else
                         _("Umpan balik warga untuk Anda, %(week)s", week=week))
    return " / ".join(words)


def send_digests(session: Session, now: datetime, settings: DeliverySettings,
                 components: ComponentSettings) -> int:
    """``components``: the officer component's settings, for the officers' digests."""
    """Write this week's digests not yet written. Flushes; the caller commits."""
    if not settings.email:
        return 0
    found = week_of(now, settings.timezone)
    if found is None:
        return 0
    week, period = found
    already = select(DigestSent.user_id).where(DigestSent.week == week)
    rows = list(session.execute(
        select(User, AlertContact.email).join(AlertContact, AlertContact.user_id == User.id)
        .where(User.active, AlertContact.weekly_digest, User.id.not_in(already),
               User.role.in_((Role.HEAD.value, Role.SUPERVISOR.value, Role.OFFICER.value)))
        .order_by(User.id)))
    sent = 0
    today = local_day(now, settings.timezone)
    for user, email in rows:
        if user.role == Role.OFFICER.value:
            officer = session.get(Officer, user.officer_id) if user.officer_id else None
            if officer is None:
                continue
            component = officers_read.officer_component(
                session, officer, Period(period.end - timedelta(days=89), period.end),
                components)
            praise = comment_read.comments(session, None, period, officer_id=officer.id,
                                       kind="praise", limit=10)
            _send(session, settings, user, email, "digest_officer", _subject("officer", week), now,
                  officer=officer, component=component, praise=praise, period=period,
                  week=week)
        else:
            _send(session, settings, user, email, "digest_head", _subject("head", week), now,
                  user=user, lines=head_lines(session, user, period, today), period=period,
                  week=week, base_url=settings.base_url)
        session.add(DigestSent(user_id=user.id, week=week, at=now))
        sent += 1
    session.flush()
    return sent
