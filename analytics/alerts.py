"""Alerts (peringatan): rules evaluated on fresh ratings and comments, and an alert's life
from ``terbuka`` through ``diketahui`` to ``selesai``.

``evaluate(session, now, rating_ids=None)`` reads the raw ratings of each rule's rolling
window (not flagged, or cleared) with indexed queries, opens an alert when a window crosses
its rule's value with enough ratings, updates the open one on a repeat, and closes it by
itself when the window recovers. Messages are only written to the outbox here
(``analytics.alerts_delivery``): nothing is sent inside the rating path or the fold.
Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import case, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from analytics.alerts_delivery import DeliverySettings
from analytics.alerts_models import (
    OPEN_ALERT,
    RULE_KINDS,
    WINDOW_KINDS,
    Alert,
    AlertEvent,
    AlertRule,
    AlertSource,
)
from analytics.ikm import compute_ikm
from core.auth import visible_unit_ids
from core.db import one_of
from core.localtime import local_day
from core.models import Counter, Department, Role, Unit, User
from core.scope import among, within
from survey.elements import COMPLAINT_CATEGORIES, ELEMENT_CODES
from survey.models import Comment, Rating

URGENT_CATEGORIES = ("pungli", "ancaman", "keselamatan")
OPEN_STATUSES = ("terbuka", "diketahui")
# Comment rules (urgent complaints, praise) look back this far when evaluated without
# the ratings of a fold batch (the worker's periodic pass, a restart).
COMMENT_LOOKBACK_MINUTES = 24 * 60


class AlertError(Exception):
    """A rule or an action that cannot be: the message says why, Indonesian first."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


# --- rules ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleSpec:
    kind: str
    threshold: float | None = None
    window_minutes: int = 120
    min_ratings: int = 10
    element: str | None = None
    categories: tuple[str, ...] | None = None


# What every unit starts with (docs/alerts.md explains each); heads change or remove them.
DEFAULT_RULES: tuple[RuleSpec, ...] = (
    RuleSpec("ikm_below", threshold=76.61, window_minutes=180, min_ratings=10),
    RuleSpec("negative_share_above", threshold=0.30, window_minutes=120, min_ratings=10),
    RuleSpec("element_below", element="U3", threshold=65.0, window_minutes=120, min_ratings=8),
    RuleSpec("urgent_complaint", categories=URGENT_CATEGORIES,
             window_minutes=COMMENT_LOOKBACK_MINUTES, min_ratings=1),
    RuleSpec("praise", window_minutes=COMMENT_LOOKBACK_MINUTES, min_ratings=1),
    RuleSpec("category_a", threshold=88.31, window_minutes=7 * 24 * 60, min_ratings=30),
)


def ensure_default_rules(session: Session, units: Iterable[Unit] | None = None) -> int:
    """Give every unit (or these) the default rules, once: a unit that has had its
    defaults (even removed since) gets none again. Returns how many rules were made."""
    if units is None:
        has_defaults = exists().where(AlertRule.unit_id == Unit.id, AlertRule.is_default)
        units = session.scalars(select(Unit).where(~has_defaults))
    made = 0
    for unit in list(units):
        already = session.scalar(select(func.count()).select_from(AlertRule).where(
            AlertRule.unit_id == unit.id, AlertRule.is_default))
        if already:
            continue
        for spec in DEFAULT_RULES:
            session.add(AlertRule(
                kind=spec.kind, unit_id=unit.id, threshold=spec.threshold,
                window_minutes=spec.window_minutes, min_ratings=spec.min_ratings,
                element=spec.element,
                categories=list(spec.categories) if spec.categories else None,
                is_default=True))
            made += 1
    if made:
        session.flush()
    return made


def _check_rule(kind: str, threshold: float | None, window_minutes: int, min_ratings: int,
                element: str | None, categories: Sequence[str] | None) -> None:
    if kind not in RULE_KINDS:
        raise AlertError(_("Jenis aturan tidak dikenal: %(kind)s.", kind=kind))
    if window_minutes < 1 or window_minutes > 31 * 24 * 60:
        raise AlertError(_("Jendela waktu harus antara 1 menit dan 31 hari."))
    if min_ratings < 1:
        raise AlertError(_("Jumlah penilaian minimum paling sedikit 1."))
    if kind in ("ikm_below", "element_below", "category_a"):
        if threshold is None or not 25 <= threshold <= 100:
            raise AlertError(_("Batas nilai harus antara 25 dan 100."))
    if kind == "negative_share_above" and (threshold is None or not 0 < threshold < 1):
        raise AlertError(_("Batas porsi penilaian negatif harus antara 0 dan 1 (mis. 0,3)."))
    if kind == "element_below" and element not in ELEMENT_CODES:
        raise AlertError(_("Pilih unsur U1–U9."))
    if kind == "urgent_complaint":
        unknown = [c for c in categories or () if c not in COMPLAINT_CATEGORIES]
        if not categories or unknown:
            raise AlertError(_("Pilih kategori pengaduan yang mendesak."))


def can_manage_place(session: Session, user: User | None, *, department_id=None,
                     unit_id=None, counter_id=None) -> bool:
    """Heads manage rules of their department, its units and counters; supervisors those
    of their unit and its counters; the administrator all."""
    if user is None or user.role not in (Role.ADMIN.value, Role.HEAD.value,
                                         Role.SUPERVISOR.value):
        return False
    if user.role == Role.ADMIN.value:
        return True
    if department_id is not None:
        return user.role == Role.HEAD.value and user.department_id == department_id
    if counter_id is not None:
        counter = session.get(Counter, counter_id)
        unit_id = counter.unit_id if counter else None
    visible = visible_unit_ids(session, user)
    return unit_id is not None and (visible is None or unit_id in visible)


def add_rule(session: Session, user: User | None, kind: str, *, department_id=None,
             unit_id=None, counter_id=None, threshold: float | None = None,
             window_minutes: int = 120, min_ratings: int = 10, element: str | None = None,
             categories: Sequence[str] | None = None, check_scope: bool = True) -> AlertRule:
    """A new rule for one place; ``user`` must be allowed to manage it (``None``: the CLI)."""
    if sum(x is not None for x in (department_id, unit_id, counter_id)) != 1:
        raise AlertError(_("Pilih satu tempat: dinas, unit, atau loket."))
    if check_scope and not can_manage_place(session, user, department_id=department_id,
                                            unit_id=unit_id, counter_id=counter_id):
        raise AlertError(_("Tempat ini di luar cakupan Anda."), status=404)
    element = element.upper() if element else None
    if kind == "urgent_complaint" and not categories:
        categories = URGENT_CATEGORIES
    _check_rule(kind, threshold, window_minutes, min_ratings, element, categories)
    rule = AlertRule(kind=kind, department_id=department_id, unit_id=unit_id,
                     counter_id=counter_id, threshold=threshold, window_minutes=window_minutes,
                     min_ratings=min_ratings, element=element if kind == "element_below" else None,
                     categories=list(categories) if kind == "urgent_complaint" else None,
                     created_by=user.id if user is not None else None)
    session.add(rule)
    session.flush()
    return rule


def change_rule(session: Session, rule: AlertRule, *, threshold: float | None = None,
                window_minutes: int | None = None, min_ratings: int | None = None,
                categories: Sequence[str] | None = None) -> AlertRule:
    """Change a rule's value, window, minimum or categories (what is not given stays). An
    open alert of the rule is judged by the new values from the next evaluation on."""
    threshold = rule.threshold if threshold is None else threshold
    window_minutes = rule.window_minutes if window_minutes is None else window_minutes
    min_ratings = rule.min_ratings if min_ratings is None else min_ratings
    categories = rule.categories if not categories else list(categories)
    _check_rule(rule.kind, threshold, window_minutes, min_ratings, rule.element, categories)
    rule.threshold, rule.window_minutes, rule.min_ratings = threshold, window_minutes, min_ratings
    if rule.kind == "urgent_complaint":
        rule.categories = list(categories or ())
    session.flush()
    return rule


def remove_rule(session: Session, rule: AlertRule, now: datetime) -> None:
    """Stop a rule (kept for the alerts it raised); its open alerts stay until closed."""
    rule.active = False
    rule.removed_at = now
    session.flush()


def _rule_scope_condition(session: Session, user: User | None):
    visible = visible_unit_ids(session, user)
    if visible is None:
        return None
    counters = select(Counter.id).where(among(Counter.unit_id, visible))
    conditions = [among(AlertRule.unit_id, visible), AlertRule.counter_id.in_(counters)]
    if user is not None and user.role == Role.HEAD.value and user.department_id is not None:
        conditions.append(AlertRule.department_id == user.department_id)
    return or_(*conditions)


def rules_in_scope(session: Session, user: User | None) -> list[AlertRule]:
    query = select(AlertRule).where(AlertRule.active).order_by(
        AlertRule.department_id, AlertRule.unit_id, AlertRule.counter_id, AlertRule.id)
    condition = _rule_scope_condition(session, user)
    if condition is not None:
        query = query.where(condition)
    return list(session.scalars(query))


def rule_in_scope(session: Session, user: User | None, rule_id: int) -> AlertRule | None:
    rule = session.get(AlertRule, rule_id)
    if rule is None or not rule.active or not can_manage_place(
            session, user, department_id=rule.department_id, unit_id=rule.unit_id,
            counter_id=rule.counter_id):
        return None
    return rule


# --- windows ----------------------------------------------------------------------------


def counts_in_window():
    """Ratings whose flags were never raised or were cleared (integrity.md)."""
    return or_(Rating.flags.is_(None), Rating.flags == "", Rating.flags_cleared_at.is_not(None))


@dataclass(frozen=True)
class Window:
    ratings: int
    totals: dict[str, tuple[int, int]]
    negative: int
    latest: datetime | None
    start: datetime

    def ikm(self) -> Decimal | None:
        return compute_ikm(self.ratings, self.totals).ikm_converted

    def element(self, code: str) -> tuple[Decimal | None, int]:
        result = compute_ikm(self.ratings, self.totals).element(code)
        return (result.converted, result.answers) if result else (None, 0)

    def negative_share(self) -> float | None:
        return self.negative / self.ratings if self.ratings else None


def window_stats(session: Session, unit: Unit, counter_id: int | None, start: datetime,
                 end: datetime) -> Window:
    """One aggregate query over the ratings submitted in [start, end] at the place, on the
    (unit, service day) index or the (counter, received) index."""
    columns = [getattr(Rating, code.lower()) for code in ELEMENT_CODES]
    any_low = or_(*(column <= 2 for column in columns))
    query = select(
        func.count(), func.max(Rating.received_at),
        func.sum(case((any_low, 1), else_=0)),
        *(func.coalesce(func.sum(column), 0) for column in columns),
        *(func.count(column) for column in columns),
    ).where(Rating.submitted_at.between(start, end), counts_in_window())
    if counter_id is not None:
        # A rating is received after it is submitted: the index range is exact.
        query = query.where(Rating.counter_id == counter_id, Rating.received_at >= start)
    else:
        query = query.where(Rating.unit_id == unit.id, Rating.service_day.between(
            local_day(start, unit.timezone), local_day(end, unit.timezone)))
    row = session.execute(query).one()
    n, latest, negative = row[0] or 0, row[1], row[2] or 0
    sums, counts = row[3:3 + len(columns)], row[3 + len(columns):]
    totals = {code: (int(sums[i] or 0), int(counts[i] or 0))
              for i, code in enumerate(ELEMENT_CODES)}
    return Window(n, totals, int(negative), latest, start)


@dataclass(frozen=True)
class Reading:
    """What a window rule sees: whether it holds, the value and the sample."""

    enough: bool
    breached: bool
    value: float | None
    ratings: int
    latest: datetime | None
    start: datetime


def read_window(session: Session, rule: AlertRule, unit: Unit, counter_id: int | None,
                now: datetime) -> Reading:
    start = now - timedelta(minutes=rule.window_minutes)
    window = window_stats(session, unit, counter_id, start, now)
    threshold = rule.threshold or 0
    value: Decimal | float | None
    sample = window.ratings
    if rule.kind == "element_below":
        value, sample = window.element(rule.element or "")
        breached = value is not None and float(value) < threshold
    elif rule.kind == "negative_share_above":
        value = window.negative_share()
        breached = value is not None and value > threshold
    else:  # ikm_below, category_a
        value = window.ikm()
        breached = value is not None and (
            float(value) < threshold if rule.kind == "ikm_below" else float(value) >= threshold)
    enough = sample >= rule.min_ratings and value is not None
    return Reading(enough, enough and breached, None if value is None else float(value),
                   sample, window.latest, start)


# --- evaluation -------------------------------------------------------------------------


@dataclass
class Changes:
    opened: list[Alert]
    updated: list[Alert]
    closed: list[Alert]

    def __bool__(self) -> bool:
        return bool(self.opened or self.updated or self.closed)


def _place_key(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def _open_alert(session: Session, rule_id: int, place: str) -> Alert | None:
    return session.scalars(select(Alert).where(
        Alert.rule_id == rule_id, Alert.place == place,
        Alert.status.in_(OPEN_STATUSES))).first()


def _window_places(session: Session, rule: AlertRule) -> list[tuple[Unit, int | None]]:
    if rule.counter_id is not None:
        counter = session.get(Counter, rule.counter_id)
        return [(counter.unit, counter.id)] if counter is not None else []
    if rule.unit_id is not None:
        unit = session.get(Unit, rule.unit_id)
        return [(unit, None)] if unit is not None else []
    return [(unit, None) for unit in session.scalars(
        select(Unit).where(Unit.department_id == rule.department_id))]


def _rules_for(session: Session, kinds: Sequence[str], unit_ids: set[int],
               counter_ids: set[int]) -> list[AlertRule]:
    departments = select(Unit.department_id).where(among(Unit.id, unit_ids))
    return list(session.scalars(select(AlertRule).where(
        AlertRule.active, AlertRule.kind.in_(kinds),
        or_(among(AlertRule.unit_id, unit_ids),
            among(AlertRule.counter_id, counter_ids),
            AlertRule.department_id.in_(departments))).order_by(AlertRule.id)))


def evaluate(session: Session, now: datetime, rating_ids: Sequence | None = None, *,
             delivery: DeliverySettings | Callable[[], DeliverySettings],
             window_recheck_seconds: float = 0.0) -> Changes:
    """Evaluate the rules touched by these ratings (a fold batch), or every rule.

    Window rules are read over their rolling window ending ``now``; comment rules
    (urgent complaints, praise) look at the comments of those ratings, or at the recent
    comments not yet behind an alert of the rule. ``delivery`` says how the outbox is written
    for what opens and closes (or makes it when first needed: the fold's hook). With
    ``window_recheck_seconds``, a batch re-reads a place's window only if this process has
    not read it that recently: the fold worker folds a batch every half second under load,
    and reading every window each time was a third of the fold's work; the periodic pass
    reads them all anyway.
    Flushes; the caller commits."""
    changes = Changes([], [], [])
    ensure_default_rules(session)
    if rating_ids is None:
        rules = list(session.scalars(select(AlertRule).where(AlertRule.active)
                                     .order_by(AlertRule.id)))
        window_rules = [r for r in rules if r.kind in WINDOW_KINDS]
        pairs = [(rule, unit, counter_id) for rule in window_rules
                 for unit, counter_id in _window_places(session, rule)]
        # Open alerts of rules since removed still close when their window recovers.
        for alert in session.scalars(select(Alert).join(AlertRule).where(
                Alert.status.in_(OPEN_STATUSES), AlertRule.kind.in_(WINDOW_KINDS),
                ~AlertRule.active)):
            pairs.append((alert.rule, alert.unit, alert.counter_id))
        comment_rules = [r for r in rules if r.kind not in WINDOW_KINDS]
        comments = _recent_comments(session, comment_rules, now)
    else:
        ids = list(rating_ids)
        if not ids:
            return changes
        dialect = session.get_bind().dialect.name
        touched = session.execute(select(Rating.unit_id, Rating.counter_id)
                                  .where(one_of(dialect, Rating.id, ids)).distinct()).all()
        unit_ids = {u for u, _c in touched}
        counter_ids = {c for _u, c in touched if c is not None}
        pairs = []
        for rule in _rules_for(session, WINDOW_KINDS, unit_ids, counter_ids):
            for unit, counter_id in _window_places(session, rule):
                if (counter_id is None and unit.id in unit_ids) or counter_id in counter_ids:
                    pairs.append((rule, unit, counter_id))
        comment_rules = _rules_for(session, ("urgent_complaint", "praise"), unit_ids,
                                   counter_ids)
        comments = list(session.execute(
            select(Comment, Rating).join(Rating, Rating.id == Comment.rating_id)
            .where(one_of(dialect, Comment.rating_id, ids)).order_by(Comment.id)))
    if window_recheck_seconds and rating_ids is not None:
        pairs = _not_read_since(session, pairs, window_recheck_seconds)
    for rule, unit, counter_id in pairs:
        _evaluate_window(session, rule, unit, counter_id, now, changes)
    for rule in comment_rules:
        for comment, rating in comments:
            if _matches(session, rule, comment, rating):
                _alert_for_comment(session, rule, comment, rating, now, changes)
    if changes:
        from analytics import alerts_delivery

        settings = delivery() if callable(delivery) else delivery
        for alert in changes.opened:
            alerts_delivery.enqueue_for_alert(session, alert, "alert.opened", now, settings)
        for alert in changes.closed:
            # "Recovered" is news about a problem; good news simply ends.
            if not alert.rule.positive:
                alerts_delivery.enqueue_for_alert(session, alert, "alert.closed", now,
                                                  settings)
    session.flush()
    return changes


_window_read_at: dict[tuple, float] = {}


def _not_read_since(session: Session, pairs: list, seconds: float) -> list:
    """The (rule, unit, counter) places whose window this process last read over
    ``seconds`` ago (monotonic time: a batch's ``now`` may be any moment), marked read."""
    import time

    database = session.get_bind().engine.url
    moment = time.monotonic()
    due = []
    for rule, unit, counter_id in pairs:
        key = (database, rule.id, unit.id, counter_id)
        if moment - _window_read_at.get(key, float("-inf")) >= seconds:
            _window_read_at[key] = moment
            due.append((rule, unit, counter_id))
    if len(_window_read_at) > 100_000:
        _window_read_at.clear()
    return due


def _evaluate_window(session: Session, rule: AlertRule, unit: Unit, counter_id: int | None,
                     now: datetime, changes: Changes) -> None:
    place = _place_key("counter", counter_id) if counter_id else _place_key("unit", unit.id)
    reading = read_window(session, rule, unit, counter_id, now)
    alert = _open_alert(session, rule.id, place)
    if not reading.enough:
        return  # too few ratings to say anything: nothing opens, nothing closes
    if alert is not None:
        if reading.breached:
            _repeat(session, alert, reading, now, changes)
        else:
            _close(session, alert, None, now, "pulih", _recovered_note(rule, reading))
            changes.closed.append(alert)
        return
    if not reading.breached or not rule.active:
        return
    if rule.kind == "category_a" and not _was_below_a(session, rule, unit, counter_id, now,
                                                       place):
        return
    alert = Alert(rule_id=rule.id, place=place, unit_id=unit.id, counter_id=counter_id,
                  urgent=rule.urgent, value=reading.value, ratings=reading.ratings,
                  window_start=reading.start, opened_at=now, last_seen_at=now)
    if _insert(session, alert, now):
        changes.opened.append(alert)


def _was_below_a(session: Session, rule: AlertRule, unit: Unit, counter_id: int | None,
                 now: datetime, place: str) -> bool:
    """"Back in category A": the window before this one had enough ratings and was not A,
    and no alert of this rule was raised for the place within the window."""
    before = read_window(session, rule, unit, counter_id,
                         now - timedelta(minutes=rule.window_minutes))
    if not before.enough or before.breached:
        return False
    recent = session.scalar(select(func.count()).select_from(Alert).where(
        Alert.rule_id == rule.id, Alert.place == place,
        Alert.opened_at >= now - timedelta(minutes=rule.window_minutes)))
    return not recent


def _insert(session: Session, alert: Alert, now: datetime, note: str | None = None) -> bool:
    """Add an alert in a savepoint: of two evaluations racing on one place, the second
    finds the open alert the first made (the unique open-alert index) and updates it."""
    try:
        with session.begin_nested():
            session.add(alert)
            session.flush()
    except IntegrityError:
        return False
    session.add(AlertEvent(alert_id=alert.id, at=now, action="dibuka", note=note))
    return True


def _repeat(session: Session, alert: Alert, reading: Reading, now: datetime,
            changes: Changes) -> None:
    alert.value, alert.ratings, alert.window_start = reading.value, reading.ratings, reading.start
    # A repeat is new evidence: ratings that arrived since the alert was last seen.
    if reading.latest is not None and reading.latest > alert.last_seen_at:
        alert.occurrences += 1
        alert.last_seen_at = now
        session.add(AlertEvent(alert_id=alert.id, at=now, action="berulang"))
        changes.updated.append(alert)


def _recovered_note(rule: AlertRule, reading: Reading) -> str:
    return _("Pulih: %(value)s dari %(n)d penilaian pada jendela ini.",
             value=format_value(rule, reading.value), n=reading.ratings)


def _recent_comments(session: Session, rules: Sequence[AlertRule], now: datetime):
    if not rules:
        return []
    lookback = max(r.window_minutes for r in rules)
    return list(session.execute(
        select(Comment, Rating).join(Rating, Rating.id == Comment.rating_id)
        .where(Comment.created_at >= now - timedelta(minutes=lookback),
               Comment.kind.in_(("complaint", "praise")))
        .order_by(Comment.id)))


def _matches(session: Session, rule: AlertRule, comment: Comment, rating: Rating) -> bool:
    if rule.kind == "urgent_complaint":
        # Urgent complaints alert even from a flagged rating: a threat is read at once.
        if comment.kind != "complaint" or comment.category not in (rule.categories or ()):
            return False
    elif rule.kind == "praise":
        flagged = rating.flags and rating.flags_cleared_at is None
        if comment.kind != "praise" or comment.officer_id is None or flagged:
            return False
    if rule.counter_id is not None:
        return rating.counter_id == rule.counter_id
    if rule.unit_id is not None:
        return comment.unit_id == rule.unit_id
    unit = session.get(Unit, comment.unit_id)
    return unit is not None and unit.department_id == rule.department_id


def _alert_for_comment(session: Session, rule: AlertRule, comment: Comment, rating: Rating,
                       now: datetime, changes: Changes) -> None:
    already = session.scalar(select(func.count()).select_from(AlertSource).join(Alert).where(
        AlertSource.comment_id == comment.id, Alert.rule_id == rule.id))
    if already:
        return
    if rule.kind == "praise":
        place = _place_key("officer", comment.officer_id)
    elif rule.counter_id is not None:
        place = _place_key("counter", rule.counter_id)
    else:
        place = _place_key("unit", comment.unit_id)
    alert = _open_alert(session, rule.id, place)
    if alert is None:
        alert = Alert(rule_id=rule.id, place=place, unit_id=comment.unit_id,
                      counter_id=rating.counter_id, officer_id=comment.officer_id,
                      urgent=rule.urgent, ratings=1, opened_at=now, last_seen_at=now)
        if _insert(session, alert, now):
            session.add(AlertSource(alert_id=alert.id, comment_id=comment.id))
            changes.opened.append(alert)
            return
        alert = _open_alert(session, rule.id, place)
        if alert is None:
            return
    session.add(AlertSource(alert_id=alert.id, comment_id=comment.id))
    alert.occurrences += 1
    alert.ratings = (alert.ratings or 0) + 1
    alert.last_seen_at = now
    session.add(AlertEvent(alert_id=alert.id, at=now, action="berulang"))
    changes.updated.append(alert)


# --- an alert's life ----------------------------------------------------------------------


def _close(session: Session, alert: Alert, user: User | None, now: datetime, reason: str,
           note: str | None) -> None:
    alert.status = "selesai"
    alert.closed_at = now
    alert.closed_by = user.id if user is not None else None
    alert.close_reason = reason
    session.add(AlertEvent(alert_id=alert.id, at=now, user_id=alert.closed_by,
                           action="pulih" if reason == "pulih" else "selesai", note=note))


def acknowledge(session: Session, alert: Alert, user: User, now: datetime) -> None:
    if alert.status != "terbuka":
        raise AlertError(_("Peringatan ini sudah diketahui atau selesai."))
    alert.status = "diketahui"
    alert.acknowledged_at = now
    alert.acknowledged_by = user.id
    session.add(AlertEvent(alert_id=alert.id, at=now, user_id=user.id, action="diketahui"))
    session.flush()


def add_comment(session: Session, alert: Alert, user: User, note: str, now: datetime) -> None:
    note = (note or "").strip()
    if not note:
        raise AlertError(_("Tulis komentarnya dulu."))
    session.add(AlertEvent(alert_id=alert.id, at=now, user_id=user.id, action="komentar",
                           note=note[:2000]))
    session.flush()


def close(session: Session, alert: Alert, user: User, now: datetime, note: str = "") -> None:
    if alert.status == "selesai":
        raise AlertError(_("Peringatan ini sudah selesai."))
    _close(session, alert, user, now, "manual", note.strip()[:2000] or None)
    session.flush()


# --- reading alerts -----------------------------------------------------------------------


def alerts_in_scope(session: Session, user: User | None, *, status: str | None = None,
                    unit_id: int | None = None, limit: int = 200) -> list[Alert]:
    """The inbox: the scope's alerts, open ones first, newest first."""
    visible = visible_unit_ids(session, user)
    query = select(Alert)
    query = within(query, Alert.unit_id, visible)
    if status == "open":
        query = query.where(Alert.status.in_(OPEN_STATUSES))
    elif status in ("terbuka", "diketahui", "selesai"):
        query = query.where(Alert.status == status)
    if unit_id is not None:
        query = query.where(Alert.unit_id == unit_id)
    is_closed = case((Alert.status == "selesai", 1), else_=0)
    return list(session.scalars(query.order_by(is_closed, Alert.last_seen_at.desc(),
                                               Alert.id.desc()).limit(limit)))


def alert_in_scope(session: Session, user: User | None, alert_id: int) -> Alert | None:
    alert = session.get(Alert, alert_id)
    if alert is None:
        return None
    visible = visible_unit_ids(session, user)
    return alert if visible is None or alert.unit_id in visible else None


def open_count(session: Session, unit_ids: Iterable[int] | None) -> int:
    """Open alerts (terbuka or diketahui) of these units (``None``: all)."""
    query = select(func.count()).select_from(Alert).where(Alert.status.in_(OPEN_STATUSES))
    query = within(query, Alert.unit_id, unit_ids)
    return session.scalar(query) or 0


def window_ratings(session: Session, alert: Alert, limit: int = 100) -> list[Rating]:
    """The ratings behind a window alert: those of its last window, newest first."""
    if alert.window_start is None:
        return []
    end = alert.closed_at or alert.last_seen_at
    query = select(Rating).where(Rating.submitted_at.between(alert.window_start, end),
                                 counts_in_window())
    if alert.counter_id is not None and alert.rule.kind in WINDOW_KINDS:
        query = query.where(Rating.counter_id == alert.counter_id,
                            Rating.received_at >= alert.window_start)
    else:
        query = query.where(Rating.unit_id == alert.unit_id)
    return list(session.scalars(query.order_by(Rating.submitted_at.desc()).limit(limit)))


def source_comments(session: Session, alert: Alert) -> list[Comment]:
    ids = [s.comment_id for s in alert.sources]
    if not ids:
        return []
    return list(session.scalars(select(Comment).where(Comment.id.in_(ids))
                                .order_by(Comment.created_at.desc())))


# --- words --------------------------------------------------------------------------------


def format_value(rule: AlertRule, value: float | None) -> str:
    if value is None:
        return "–"
    if rule.kind == "negative_share_above":
        return format_decimal(value * 100, format="#,##0.0") + "%"
    return format_decimal(value, format="#,##0.00")


def format_window(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        return _("%(n)d hari", n=minutes // (24 * 60))
    if minutes % 60 == 0:
        return _("%(n)d jam", n=minutes // 60)
    return _("%(n)d menit", n=minutes)


def place_name(session: Session, alert: Alert) -> str:
    if alert.officer is not None:
        return f"{alert.officer.name} ({alert.unit.name})"
    if alert.counter is not None and alert.rule.kind != "urgent_complaint":
        return f"{alert.counter.label} ({alert.unit.name})"
    return alert.unit.name


def rule_place_name(session: Session, rule: AlertRule) -> str:
    if rule.counter is not None:
        return f"{rule.counter.label} ({rule.counter.unit.name})"
    if rule.unit is not None:
        return rule.unit.name
    department = rule.department or session.get(Department, rule.department_id)
    return _("%(name)s (semua unit)", name=department.name if department else "?")


def describe_rule(rule: AlertRule) -> str:
    """The rule in a sentence, in the current language."""
    window = format_window(rule.window_minutes)
    if rule.kind == "ikm_below":
        return _("IKM di bawah %(value)s dalam %(window)s terakhir (minimal %(n)d penilaian)",
                 value=format_value(rule, rule.threshold), window=window, n=rule.min_ratings)
    if rule.kind == "negative_share_above":
        return _("Lebih dari %(value)s penilaian dengan jawaban 1–2 dalam %(window)s terakhir "
                 "(minimal %(n)d penilaian)", value=format_value(rule, rule.threshold),
                 window=window, n=rule.min_ratings)
    if rule.kind == "element_below":
        return _("Unsur %(element)s di bawah %(value)s dalam %(window)s terakhir "
                 "(minimal %(n)d jawaban)", element=rule.element,
                 value=format_value(rule, rule.threshold), window=window, n=rule.min_ratings)
    if rule.kind == "urgent_complaint":
        return _("Pengaduan mendesak (%(categories)s): langsung",
                 categories=", ".join(rule.categories or ()))
    if rule.kind == "praise":
        return _("Pujian untuk petugas")
    return _("Unit kembali ke mutu A (IKM ≥ %(value)s dalam %(window)s, minimal %(n)d "
             "penilaian)", value=format_value(rule, rule.threshold), window=window,
             n=rule.min_ratings)


def headline(session: Session, alert: Alert) -> str:
    """What happened, in one line of the current language."""
    rule, place = alert.rule, place_name(session, alert)
    value = format_value(rule, alert.value)
    if rule.kind == "ikm_below":
        return _("IKM %(place)s turun ke %(value)s (batas %(threshold)s, %(n)d penilaian)",
                 place=place, value=value, threshold=format_value(rule, rule.threshold),
                 n=alert.ratings or 0)
    if rule.kind == "negative_share_above":
        return _("%(value)s penilaian di %(place)s berisi jawaban 1–2 (batas %(threshold)s, "
                 "%(n)d penilaian)", place=place, value=value,
                 threshold=format_value(rule, rule.threshold), n=alert.ratings or 0)
    if rule.kind == "element_below":
        return _("Unsur %(element)s di %(place)s turun ke %(value)s (batas %(threshold)s, "
                 "%(n)d jawaban)", element=rule.element, place=place, value=value,
                 threshold=format_value(rule, rule.threshold), n=alert.ratings or 0)
    if rule.kind == "urgent_complaint":
        return _("Pengaduan mendesak di %(place)s (%(n)d pengaduan)", place=place,
                 n=alert.occurrences)
    if rule.kind == "praise":
        return _("Pujian warga untuk %(place)s (%(n)d pujian)", place=place,
                 n=alert.occurrences)
    return _("%(place)s kembali ke mutu pelayanan A: IKM %(value)s dari %(n)d penilaian",
             place=place, value=value, n=alert.ratings or 0)


STATUS_LABELS = {"terbuka": ("Terbuka", "Open"), "diketahui": ("Diketahui", "Acknowledged"),
                 "selesai": ("Selesai", "Closed")}


# --- the fold's hooks (analytics/fold.py) ---------------------------------------------------


def forget_sources_of_ratings(session: Session, start: datetime, end: datetime) -> None:
    """Before the ratings submitted in [start, end) leave (survey.partitions.detach_before):
    the alerts keep their counts, not the link to the comments that raised them."""
    from sqlalchemy import delete

    months_comments = select(Comment.id).join(Rating, Rating.id == Comment.rating_id).where(
        Rating.submitted_at >= start, Rating.submitted_at < end)
    session.execute(delete(AlertSource).where(AlertSource.comment_id.in_(months_comments)))


# The hooks below are where the fold's work enters alerts, as a view is for a request: they
# read the app's settings and pass them down (the fold worker and every read fold run in an
# app context; the hooks are shared by every app of the process, so they read the current one).


def after_fold_batch(session: Session, rating_ids: list, now: datetime) -> None:
    """For ``register_after_batch``: evaluate what the batch's ratings touched (writes the
    outbox only; sends nothing). Comment rules see every batch; a window is re-read at most
    every ``ALERT_WINDOW_RECHECK_SECONDS`` (evaluate)."""
    from flask import current_app, has_app_context

    def delivery() -> DeliverySettings:  # only when an alert opens or closes
        return DeliverySettings.from_config(current_app.config)

    # A fold run with no app (a script, a test) has no recheck interval: every batch reads.
    recheck = current_app.config["ALERT_WINDOW_RECHECK_SECONDS"] if has_app_context() else 0
    evaluate(session, now, rating_ids=rating_ids, delivery=delivery,
             window_recheck_seconds=recheck)


_last_tick: dict[str, float] = {}


def every(seconds_setting: str, default: float, func):
    """``func(session, now)`` run at most once per ``app.config[seconds_setting]`` seconds
    in this process: the fold worker's loop turns every half second when idle, and every
    rule of every unit need not be evaluated that often."""
    import time

    from flask import current_app

    def throttled(session: Session, now: datetime) -> None:
        interval = float(current_app.config.get(seconds_setting, default))
        last = _last_tick.get(func.__name__)
        if last is not None and time.monotonic() - last < interval:
            return
        _last_tick[func.__name__] = time.monotonic()
        func(session, now)

    throttled.__name__ = f"every_{func.__name__}"
    return throttled


def on_fold_tick(session: Session, now: datetime) -> None:
    """For ``register_periodic``: every rule (windows also recover as time passes) and the
    weekly digests. Delivery is ``alerts_delivery.deliver_due``, which commits on its own
    and talks to the network: run it outside a fold batch's transaction."""
    from flask import current_app

    from analytics import settings as analytics_settings
    from analytics.alerts_digest import send_digests

    delivery = DeliverySettings.from_config(current_app.config)
    evaluate(session, now, delivery=delivery)
    send_digests(session, now, delivery, analytics_settings.from_config(current_app.config))


def deliver_due(session: Session, now: datetime) -> None:
    """For ``register_periodic``: send the outbox with the app's SMTP and webhook settings."""
    from flask import current_app

    from analytics import alerts_delivery

    alerts_delivery.deliver_due(session, now, current_app.config)


__all__ = [
    "after_fold_batch", "deliver_due", "every", "forget_sources_of_ratings", "on_fold_tick",
    "DEFAULT_RULES", "OPEN_ALERT", "URGENT_CATEGORIES", "AlertError", "Changes",
    "acknowledge", "add_comment", "add_rule", "alert_in_scope", "alerts_in_scope",
    "change_rule", "close",
    "ensure_default_rules", "evaluate", "headline", "open_count", "remove_rule",
    "rules_in_scope", "window_stats",
]
