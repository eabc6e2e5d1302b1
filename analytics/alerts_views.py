"""Alert pages: the inbox of heads and supervisors (their scope only), an alert with the
ratings and comments behind it (acknowledge, comment, close), the rules of their places,
one's own e-mail settings, and for administrators the delivery log. Thin: the logic is in
``analytics.alerts``; every change is a Flask-WTF form, POST → redirect."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from analytics import alerts, alerts_delivery
from analytics.alerts_models import RULE_KINDS, AlertContact
from core import db
from core.auth import roles_required, signed_in_user, visible_units
from core.i18n import current_language
from core.models import Counter, Department, Role, User, utcnow
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES, ELEMENTS

blueprint = Blueprint("alerts", __name__, url_prefix="/peringatan")

KIND_LABELS = {
    "ikm_below": _l("IKM di bawah batas"),
    "negative_share_above": _l("Porsi penilaian negatif (jawaban 1–2) di atas batas"),
    "element_below": _l("Unsur di bawah batas"),
    "urgent_complaint": _l("Pengaduan mendesak (langsung)"),
    "praise": _l("Pujian untuk petugas"),
    "category_a": _l("Unit kembali ke mutu A"),
}
EVENT_LABELS = {
    "dibuka": _l("Dibuka"), "berulang": _l("Terjadi lagi"), "diketahui": _l("Diketahui"),
    "komentar": _l("Komentar"), "selesai": _l("Diselesaikan"),
    "pulih": _l("Selesai dengan sendirinya: jendela pulih"),
}


def register_alerts(app: Flask) -> None:
    alerts_delivery.check_settings(app.config)
    app.register_blueprint(blueprint)

    from analytics.alerts_openapi import describe

    describe(app)


class AckForm(FlaskForm):
    pass


class CommentForm(FlaskForm):
    note = TextAreaField(_l("Komentar"), validators=[DataRequired(), Length(max=2000)])


class CloseForm(FlaskForm):
    note = TextAreaField(_l("Catatan penutup (opsional)"),
                         validators=[Optional(), Length(max=2000)])


class RuleForm(FlaskForm):
    place = SelectField(_l("Tempat"), validators=[DataRequired()])
    kind = SelectField(_l("Jenis aturan"), validators=[DataRequired()])
    element = SelectField(_l("Unsur (untuk aturan unsur)"), validators=[Optional()])
    threshold = DecimalField(_l("Batas nilai (25–100, atau porsi 0–1)"),
                             validators=[Optional()], places=None)
    window_minutes = IntegerField(_l("Jendela waktu (menit)"), default=120,
                                  validators=[DataRequired(), NumberRange(min=1)])
    min_ratings = IntegerField(_l("Penilaian minimum dalam jendela"), default=10,
                               validators=[DataRequired(), NumberRange(min=1)])
    categories = SelectMultipleField(_l("Kategori pengaduan mendesak"),
                                     validators=[Optional()])


class RemoveRuleForm(FlaskForm):
    pass


class ChangeRuleForm(FlaskForm):
    threshold = DecimalField(_l("Batas nilai (25–100, atau porsi 0–1)"),
                             validators=[Optional()], places=None)
    window_minutes = IntegerField(_l("Jendela waktu (menit)"),
                                  validators=[DataRequired(), NumberRange(min=1)])
    min_ratings = IntegerField(_l("Penilaian minimum dalam jendela"),
                               validators=[DataRequired(), NumberRange(min=1)])


def change_form(rule) -> ChangeRuleForm:
    """Each rule's own form (its prefix keeps the fields' ids apart on one page)."""
    form = ChangeRuleForm(prefix=f"rule{rule.id}", formdata=None, obj=rule)
    return form


class ContactForm(FlaskForm):
    email = StringField(_l("Alamat surel"), validators=[DataRequired(), Length(max=200), Regexp(
        r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Alamat surel tidak valid."))])
    alerts = BooleanField(_l("Kirimi saya peringatan"), default=True)
    weekly_digest = BooleanField(_l("Kirimi saya ringkasan mingguan"))


def _user() -> User:
    user = signed_in_user()
    assert user is not None
    return user


@blueprint.context_processor
def helpers():
    english = current_language() == "en"

    def local_time(moment: datetime | None, zone: str | None = None) -> str:
        if moment is None:
            return ""
        zone = zone or current_app.config["TIMEZONE"]
        return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")

    def status_label(status: str) -> str:
        return alerts.STATUS_LABELS[status][1 if english else 0]

    def endpoint_exists(name: str) -> bool:
        return name in current_app.view_functions

    session = db.session()
    return {"local_time": local_time, "status_label": status_label,
            "endpoint_exists": endpoint_exists,
            "headline": lambda a: alerts.headline(session, a),
            "place_name": lambda a: alerts.place_name(session, a),
            "describe_rule": alerts.describe_rule,
            "rule_place": lambda r: alerts.rule_place_name(session, r),
            "kind_labels": KIND_LABELS, "event_labels": EVENT_LABELS,
            "comment_kinds": {k: v[1 if english else 0] for k, v in COMMENT_KINDS.items()},
            "categories": {k: v[2 if english else 1] for k, v in COMPLAINT_CATEGORIES.items()}}


@blueprint.errorhandler(alerts.AlertError)
def alert_error(error: alerts.AlertError):
    from core.errors import error_response

    return error_response(error.status, error.message)


# --- the inbox ---------------------------------------------------------------------------


@blueprint.get("/")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def inbox():
    session = db.session()
    user = _user()
    status = request.args.get("status")
    status = status if status in ("open", "terbuka", "diketahui", "selesai") else None
    found = alerts.alerts_in_scope(session, user, status=status)
    return render_template("alerts/inbox.html", alerts=found, status=status,
                           open_total=alerts.open_count(
                               session, None if user.role == Role.ADMIN.value
                               else [u.id for u in visible_units(session, user)]))


def _alert_or_404(alert_id: int):
    alert = alerts.alert_in_scope(db.session(), _user(), alert_id)
    if alert is None:
        abort(404)
    return alert


@blueprint.get("/<int:alert_id>")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def detail(alert_id: int):
    session = db.session()
    alert = _alert_or_404(alert_id)
    return render_template(
        "alerts/detail.html", alert=alert, unit=alert.unit,
        ratings=alerts.window_ratings(session, alert),
        sources=alerts.source_comments(session, alert),
        ack_form=AckForm(prefix="ack"), comment_form=CommentForm(prefix="comment"),
        close_form=CloseForm(prefix="close"))


def _act(alert_id: int, action) -> object:
    session = db.session()
    alert = _alert_or_404(alert_id)
    try:
        action(session, alert)
    except alerts.AlertError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(_("Tersimpan."), "ok")
    return redirect(url_for("alerts.detail", alert_id=alert_id))


@blueprint.post("/<int:alert_id>/diketahui")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def acknowledge(alert_id: int):
    form = AckForm(prefix="ack")
    if not form.validate_on_submit():
        abort(400)
    return _act(alert_id, lambda s, a: alerts.acknowledge(s, a, _user(), utcnow()))


@blueprint.post("/<int:alert_id>/komentar")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def comment(alert_id: int):
    form = CommentForm(prefix="comment")
    _alert_or_404(alert_id)
    if not form.validate_on_submit():
        flash(_("Tulis komentarnya dulu."), "error")
        return redirect(url_for("alerts.detail", alert_id=alert_id))
    return _act(alert_id, lambda s, a: alerts.add_comment(s, a, _user(), form.note.data,
                                                         utcnow()))


@blueprint.post("/<int:alert_id>/selesai")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def close(alert_id: int):
    form = CloseForm(prefix="close")
    _alert_or_404(alert_id)
    if not form.validate_on_submit():
        abort(400)
    return _act(alert_id, lambda s, a: alerts.close(s, a, _user(), utcnow(),
                                                   form.note.data or ""))


# --- rules -------------------------------------------------------------------------------


def _places(session, user: User) -> list[tuple[str, str]]:
    """The places this user may set rules for, as form choices."""
    choices = []
    units = visible_units(session, user)
    departments = []
    if user.role == Role.ADMIN.value:
        departments = list(session.scalars(select(Department).order_by(Department.name)))
    elif user.role == Role.HEAD.value and user.department_id is not None:
        departments = [session.get(Department, user.department_id)]
    for department in departments:
        choices.append((f"department:{department.id}",
                        _("%(name)s (semua unit)", name=department.name)))
    for unit in units:
        choices.append((f"unit:{unit.id}", unit.name))
        for counter in session.scalars(select(Counter).where(Counter.unit_id == unit.id)
                                       .order_by(Counter.code)):
            choices.append((f"counter:{counter.id}", f"{counter.label} ({unit.name})"))
    return choices


def _rule_form(session, user: User) -> RuleForm:
    form = RuleForm(prefix="rule")
    form.place.choices = _places(session, user)
    form.kind.choices = [(kind, str(KIND_LABELS[kind])) for kind in RULE_KINDS]
    form.element.choices = [("", "—")] + [(e.code, f"{e.code} {e.name}") for e in ELEMENTS]
    english = current_language() == "en"
    form.categories.choices = [(code, labels[2 if english else 1])
                               for code, labels in COMPLAINT_CATEGORIES.items()]
    return form


@blueprint.route("/aturan", methods=["GET", "POST"])
@roles_required(Role.HEAD, Role.SUPERVISOR)
def rules():
    session = db.session()
    user = _user()
    form = _rule_form(session, user)
    if form.validate_on_submit():
        kind_of_place, _sep, place_id = form.place.data.partition(":")
        place = {f"{kind_of_place}_id": int(place_id)}
        threshold = float(form.threshold.data) if form.threshold.data is not None else None
        try:
            alerts.add_rule(session, user, form.kind.data, threshold=threshold,
                            window_minutes=form.window_minutes.data,
                            min_ratings=form.min_ratings.data,
                            element=form.element.data or None,
                            categories=form.categories.data or None, **place)
        except alerts.AlertError as exc:
            session.rollback()
            flash(exc.message, "error")
        else:
            session.commit()
            flash(_("Aturan ditambahkan."), "ok")
            return redirect(url_for("alerts.rules"))
    elif request.method == "POST":
        flash(_("Periksa isian aturan."), "error")
    return render_template("alerts/rules.html", form=form, rules=alerts.rules_in_scope(
        session, user), remove_form=RemoveRuleForm(prefix="remove"), change_form=change_form)


@blueprint.post("/aturan/<int:rule_id>")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def change_rule(rule_id: int):
    session = db.session()
    rule = alerts.rule_in_scope(session, _user(), rule_id)
    if rule is None:
        abort(404)
    form = ChangeRuleForm(prefix=f"rule{rule.id}")
    if not form.validate_on_submit():
        flash(_("Periksa isian aturan."), "error")
        return redirect(url_for("alerts.rules"))
    try:
        alerts.change_rule(session, rule, threshold=float(form.threshold.data)
                           if form.threshold.data is not None else None,
                           window_minutes=form.window_minutes.data,
                           min_ratings=form.min_ratings.data)
    except alerts.AlertError as exc:
        session.rollback()
        flash(exc.message, "error")
    else:
        session.commit()
        flash(_("Aturan diubah."), "ok")
    return redirect(url_for("alerts.rules"))


@blueprint.post("/aturan/<int:rule_id>/hapus")
@roles_required(Role.HEAD, Role.SUPERVISOR)
def remove_rule(rule_id: int):
    session = db.session()
    rule = alerts.rule_in_scope(session, _user(), rule_id)
    if rule is None:
        abort(404)
    if not RemoveRuleForm(prefix="remove").validate_on_submit():
        abort(400)
    alerts.remove_rule(session, rule, utcnow())
    session.commit()
    flash(_("Aturan dihapus."), "ok")
    return redirect(url_for("alerts.rules"))


# --- one's own e-mail -----------------------------------------------------------------------


@blueprint.route("/langganan", methods=["GET", "POST"])
@roles_required(Role.HEAD, Role.SUPERVISOR, Role.OFFICER)
def subscription():
    session = db.session()
    user = _user()
    contact = session.get(AlertContact, user.id)
    form = ContactForm(obj=contact)
    if contact is None and request.method == "GET":
        # Heads and supervisors get the weekly digest unless they say no; officers opt in.
        form.weekly_digest.data = user.role != Role.OFFICER.value
    if form.validate_on_submit():
        if contact is None:
            contact = AlertContact(user_id=user.id, email=form.email.data)
            session.add(contact)
        contact.email = form.email.data.strip()
        contact.alerts = bool(form.alerts.data)
        contact.weekly_digest = bool(form.weekly_digest.data)
        session.commit()
        flash(_("Pengaturan surel disimpan."), "ok")
        return redirect(url_for("alerts.subscription"))
    return render_template("alerts/subscription.html", form=form, contact=contact,
                           officer=user.role == Role.OFFICER.value)


# --- administrators: what went out --------------------------------------------------------


@blueprint.get("/pengiriman")
@roles_required(Role.ADMIN)
def deliveries():
    session = db.session()
    return render_template("alerts/deliveries.html",
                           attempts=alerts_delivery.recent_deliveries(session),
                           waiting=alerts_delivery.waiting_messages(session))
