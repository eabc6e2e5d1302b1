"""The kiosk: the tablet's page and service worker, its device API (pairing, heartbeat,
officer sign-in, ratings) and the operations page where unit staff manage tablets.

The device API authenticates with ``Authorization: Device <credential>``, a header the
tablet's script adds: no cookie carries authority there, so it is exempt from CSRF. The
credential lives in the tablet's localStorage because the offline queue must send ratings
from script, possibly long after the page was loaded."""

from __future__ import annotations

import hashlib
import math
import time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from limits import parse as parse_limit
from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit, db
from core.auth import can_see_unit, roles_required, signed_in_user, visible_unit_ids
from core.db import begin_write
from core.errors import error_response
from core.limits import address_key, rate_limited
from core.models import Counter, Officer, Role, Unit, utcnow
from core.scope import within
from core.security import csrf
from core.settings import ROOT
from kiosk import services
from kiosk.forms import PairingCodeForm, RevokeForm
from kiosk.models import KioskDevice
from kiosk.services import KioskError
from survey.api import invalid
from survey.elements import COMMENT_KINDS, COMPLAINT_CATEGORIES
from survey.schema import InvalidRating, parse_rating
from survey.services import (
    Origin,
    RatingRules,
    SurveyError,
    questions_for_unit,
    resolve_code,
)
from survey.submit import DatabaseUnavailable, save_rating

blueprint = Blueprint("kiosk", __name__, url_prefix="/kiosk")
api = Blueprint("kiosk_api", __name__, url_prefix="/kiosk/api")
csrf.exempt(api)  # authority comes from the Authorization header, never from a cookie

# What the service worker keeps so the page opens without the network.
OFFLINE_ASSETS = ("css/app.css", "css/kiosk.css", "js/kiosk.js", "js/kiosk-queue.js")


@blueprint.app_template_filter("kiosk_local")
def local_time(moment, zone: str) -> str:
    """A stored UTC moment as the unit's wall-clock time."""
    return moment.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y %H:%M")


# --- the tablet's page ------------------------------------------------------------------


@lru_cache(maxsize=1)
def _asset_version(mtimes: tuple) -> str:
    hasher = hashlib.sha256()
    for name in OFFLINE_ASSETS + ("js/kiosk-sw.js",):
        hasher.update((ROOT / "static" / name).read_bytes())
    return hasher.hexdigest()[:12]


def asset_version() -> str:
    """Changes whenever a cached asset changes, so the tablet's service worker updates."""
    files = [ROOT / "static" / name for name in OFFLINE_ASSETS + ("js/kiosk-sw.js",)]
    return _asset_version(tuple(f.stat().st_mtime_ns for f in files))


def ui_strings() -> dict[str, str]:
    """Everything the page's script says, in the current locale."""
    return {
        "pairTitle": _("Pasangkan tablet ini dengan loket"),
        "pairHelp": _("Masukkan kode pemasangan 8 huruf dari administrator "
                      "(halaman Operasi Kiosk atau perintah: flask kiosk pair KODE_LOKET)."),
        "pairCode": _("Kode pemasangan"),
        "pairName": _("Nama tablet (boleh kosong)"),
        "pairButton": _("Pasangkan"),
        "unpairedTitle": _("Tablet ini belum dipasangkan"),
        # A revoked tablet stands in front of citizens: a neutral notice, no instructions.
        "outOfServiceTitle": _("Tablet ini tidak sedang digunakan"),
        "outOfServiceText": _("Silakan sampaikan penilaian Anda melalui kode QR di loket, atau "
                              "tanyakan kepada petugas."),
        "repair": _("Pasangkan ulang (petugas)"),
        "servedBy": _("Anda dilayani oleh"),
        "nobodyServing": _("Belum ada petugas yang masuk di loket ini."),
        "question": _("Pertanyaan"),
        "of": _("dari"),
        "back": _("Kembali"),
        "commentTitle": _("Ada pesan untuk kami? (boleh dilewati)"),
        "commentText": _("Tulis pesan singkat (boleh kosong)"),
        "categoryTitle": _("Apa yang perlu diperbaiki?"),
        "send": _("Kirim penilaian"),
        "thanksTitle": _("Terima kasih!"),
        "thanksText": _("Penilaian Anda membantu kami memperbaiki pelayanan."),
        "offline": _("Luring"),
        "online": _("Daring"),
        "waiting": _("menunggu dikirim"),
        "failed": _("gagal, disimpan terpisah"),
        "officerButton": _("Petugas"),
        "signInTitle": _("Masuk petugas"),
        "nip": _("NIP"),
        "pin": _("PIN"),
        "signIn": _("Masuk"),
        "signOut": _("Keluar (akhiri tugas)"),
        "signOutHelp": _("Masukkan PIN petugas yang sedang bertugas untuk keluar."),
        "signOutNipHelp": _("Untuk keluar, ketik NIP dan PIN petugas yang sedang bertugas."),
        "cancel": _("Batal"),
        "needNetwork": _("Perlu jaringan. Coba lagi saat tablet tersambung."),
        "triesLeft": _("Sisa percobaan"),
        "scanCard": _("Pindai kartu petugas"),
        "cardRead": _("Kartu terbaca. Ketik PIN Anda."),
        "language": "English",
    }


# The quick messages a tablet offers, in the designed order (a question needs a contact for
# the answer, which a counter tablet does not ask for: that stays on the phone survey).
KIOSK_KINDS = ("praise", "complaint", "suggestion")


def _categories_in_order():
    """The categories as survey/elements.py lists them, "Lainnya" (other) last."""
    items = list(COMPLAINT_CATEGORIES.items())
    return [item for item in items if item[0] != "lainnya"] + [
        item for item in items if item[0] == "lainnya"]


@blueprint.get("/")
def page():
    strings = {}
    for lang in current_app.config["LANGUAGES"]:
        with force_locale(lang):
            strings[lang] = ui_strings()
    # Lists of [code, label], not objects: ``tojson`` sorts an object's keys, which put
    # complaints before praise and "Lainnya" among the categories.
    options = {
        "kinds": {lang: [[kind, COMMENT_KINDS[kind][i]] for kind in KIOSK_KINDS]
                  for i, lang in enumerate(("id", "en"))},
        "categories": {lang: [[code, labels[1] if lang == "id" else labels[2]]
                              for code, labels in _categories_in_order()]
                       for lang in ("id", "en")},
    }
    response = Response(render_template(
        "kiosk/kiosk.html",
        strings=strings,
        options=options,
        version=asset_version(),
        idle_seconds=current_app.config["KIOSK_IDLE_SECONDS"],
    ))
    # The service worker decides what is kept; the browser's own cache would only get in
    # its way when a new version is deployed.
    response.headers["Cache-Control"] = "no-cache"
    return response


@blueprint.get("/sw.js")
def service_worker():
    script = (ROOT / "static" / "js" / "kiosk-sw.js").read_bytes()
    response = Response(script, content_type="text/javascript; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = url_for("kiosk.page")
    return response


@blueprint.get("/manifest.webmanifest")
def manifest():
    """Lets Chrome install the kiosk as a full-screen app (Add to Home screen)."""
    icons = [{"src": url_for("static", filename=f"img/kiosk-icon-{size}.png"),
              "sizes": f"{size}x{size}", "type": "image/png"} for size in (192, 512)]
    response = jsonify(name="Suara Layanan — Kiosk", short_name="Kiosk",
                       start_url=url_for("kiosk.page"), scope=url_for("kiosk.page"),
                       display="fullscreen", orientation="any",  # the flow fits either way
                       background_color="#f4f6f9", theme_color="#0b5cab", icons=icons)
    response.headers["Content-Type"] = "application/manifest+json"
    return response


# --- the device API ---------------------------------------------------------------------


@api.errorhandler(KioskError)
def kiosk_error(error: KioskError):
    extra = {}
    if "remaining" in error.extra:
        extra["remaining"] = error.extra["remaining"]
    if "until" in error.extra:
        extra["until"] = error.extra["until"].isoformat(timespec="seconds")
    return error_response(error.status, str(error.message), error.code, **extra)


@api.errorhandler(SurveyError)
def survey_error(error: SurveyError):
    return error_response(error.status, str(error.message), error.code)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _credential() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "device" else None


def authenticated_device(session: Session, queued: int | None = None) -> KioskDevice:
    """The calling tablet, after closing shifts left open past service hours (lazily here,
    so attribution is right even where no cron job runs)."""
    begin_write(session)
    now = utcnow()
    device = services.device_by_credential(session, _credential())
    services.close_shifts_after_hours(session, now,
                                      default_hours=current_app.config["SERVICE_HOURS"])
    services.record_contact(session, device, queued, now)
    return device


def device_state(session: Session, device: KioskDevice) -> dict[str, Any]:
    counter = device.counter
    unit = counter.unit
    shift = services.counter_shift(session, counter.id)
    officer = shift.officer if shift else None
    return {
        # Too many wrong sign-out PINs: the tablet asks for NIP + PIN to end this shift.
        "sign_out_needs_nip": services.sign_out_needs_nip(session, shift),
        "device": {"id": device.id, "name": device.name},
        "counter": {"code": counter.code, "label": counter.label},
        "unit": {"code": unit.code, "name": unit.name, "timezone": unit.timezone},
        "officer": {"name": officer.name, "position": officer.position} if officer else None,
        "questions": [
            {"code": q.code, "text": {"id": q.text_id, "en": q.text_en},
             "labels": {"id": q.answer_labels("id"), "en": q.answer_labels("en")}}
            for q in questions_for_unit(session, unit.id)
        ],
        "idle_seconds": current_app.config["KIOSK_IDLE_SECONDS"],
        "server_time": utcnow().isoformat(timespec="milliseconds"),
    }


def _state_response(session: Session, device: KioskDevice, status: int = 200):
    state = device_state(session, device)
    session.commit()
    return jsonify(state), status


def _commit_and_raise(session: Session, error: KioskError):
    # Wrong tries must be remembered even though the request fails.
    session.commit()
    raise error


def _pairing_address_limit():
    """(limiter, limit, key) for the wrong pairing codes of the caller's address, kept where
    every other rate limit is (so shared by the workers as those are); None when limits are
    switched off."""
    limiter = current_app.extensions.get("suara_limiter")
    if limiter is None or not limiter.enabled:
        return None
    return limiter.limiter, parse_limit(services.PAIRING_ADDRESS_LIMIT), ("kiosk-pair",
                                                                          address_key())


@api.post("/pair")
def pair():
    session = db.session()
    guard = _pairing_address_limit()
    if guard is not None and not guard[0].test(guard[1], *guard[2]):
        # Even a right code: otherwise the limit would not limit guessing.
        body, status = error_response(429, str(services.PairingThrottled.message),
                                      services.PairingThrottled.code)
        reset_at = guard[0].get_window_stats(guard[1], *guard[2]).reset_time
        return body, status, {"Retry-After": str(max(1, math.ceil(reset_at - time.time())))}
    begin_write(session)
    body = _body()
    try:
        device, credential = services.pair_device(session, str(body.get("code") or ""),
                                                  str(body.get("name") or ""))
    except KioskError as error:
        if guard is not None:
            guard[0].hit(guard[1], *guard[2])
        _commit_and_raise(session, error)
    state = device_state(session, device)
    session.commit()
    return jsonify(credential=credential, **state), 201


@api.post("/heartbeat")
def heartbeat():
    session = db.session()
    queued = _body().get("queued")
    counted = isinstance(queued, int) and not isinstance(queued, bool)
    device = authenticated_device(session, queued if counted else None)
    return _state_response(session, device)


def _officer_of_card(session: Session, token) -> Officer | None:
    """The officer whose own QR code the tablet scanned (the token of its /s/<token> URL)."""
    if not token:
        return None
    if not isinstance(token, str) or len(token) > 80:
        raise services.NotAnOfficerCard()
    code = resolve_code(session, token, current_app.config["SECRET_KEY"])
    if code.kind != "officer" or code.officer is None:
        raise services.NotAnOfficerCard()
    return code.officer


@api.post("/sign-in")
def sign_in():
    session = db.session()
    device = authenticated_device(session)
    body = _body()
    try:
        services.sign_in(session, device, str(body.get("nip") or ""), str(body.get("pin") or ""),
                         officer=_officer_of_card(session, body.get("token")))
    except KioskError as error:
        _commit_and_raise(session, error)
    return _state_response(session, device)


@api.post("/sign-out")
def sign_out():
    session = db.session()
    device = authenticated_device(session)
    body = _body()
    try:
        services.sign_out(session, device, str(body.get("pin") or ""),
                          identifier=str(body.get("nip") or ""))
    except KioskError as error:
        _commit_and_raise(session, error)
    return _state_response(session, device)


@api.post("/ratings")
@rate_limited  # per device credential: a queue flushing after an outage retries on 429
def create_rating():
    """The API's rating body minus the token: the tablet rates for its own counter only.
    ``counter`` (optional) names the counter the rating was made at; a rating queued before
    the tablet was paired elsewhere is refused rather than counted for the wrong counter."""
    session = db.session()
    device = authenticated_device(session)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        session.commit()
        return invalid({"body": _("Kirim JSON dengan Content-Type: application/json.")})
    body = dict(body)
    made_at = body.pop("counter", None)
    if body.get("token") or (made_at is not None and made_at != device.counter.code):
        session.commit()
        return error_response(
            403, _("Tablet ini hanya boleh mengirim penilaian untuk loketnya sendiri (%(code)s).",
                   code=device.counter.code), "wrong_counter")
    body.pop("token", None)
    counter = device.counter
    origin = Origin(channel="kiosk", unit=counter.unit, counter_id=counter.id,
                    kiosk_device_id=device.id)
    try:
        data = parse_rating(body, require_token=False,
                            comment_max_length=current_app.config["COMMENT_MAX_LENGTH"])
        device.last_rating_at = utcnow()
        saved = save_rating(session, data, origin, RatingRules.from_config(current_app.config))
    except InvalidRating as exc:
        session.rollback()
        return invalid(exc.errors)
    except SurveyError:
        session.rollback()
        raise
    except DatabaseUnavailable:
        return error_response(503, _("Basis data sedang tidak tersedia. Kirim ulang nanti."),
                              "unavailable")
    # Attribution is the fold's (analytics/fold.py); the answer says what it will find.
    response = jsonify(id=str(saved.rating.id),
                       status="recorded" if saved.created else "already_recorded",
                       counter=counter.code, attributed_to_officer=saved.attributed_to_officer)
    response.status_code = 201 if saved.created else 200
    return response


# --- operations: the unit's tablets ------------------------------------------------------

OPERATORS = (Role.SUPERVISOR, Role.HEAD)


def _visible_counters(session: Session) -> list[Counter]:
    visible = visible_unit_ids(session, signed_in_user())
    query = select(Counter).join(Unit).where(Counter.active.is_(True)).order_by(Unit.code,
                                                                                 Counter.code)
    query = within(query, Counter.unit_id, visible)
    return list(session.scalars(query))


def _render_operations(session: Session, new_code: dict | None = None, status: int = 200):
    counters = _visible_counters(session)
    form = PairingCodeForm()
    form.counter_id.choices = [(c.id, f"{c.code} · {c.label} ({c.unit.name})") for c in counters]
    return render_template(
        "kiosk/operations.html",
        devices=services.devices(session, visible_unit_ids(session, signed_in_user())),
        counters=counters,
        form=form,
        revoke_form=RevokeForm(),
        new_code=new_code,
        now=utcnow(),
    ), status


@blueprint.get("/operations")
@roles_required(*OPERATORS)
def operations():
    return _render_operations(db.session())


@blueprint.post("/operations/pairing-codes")
@roles_required(*OPERATORS)
def create_pairing_code():
    session = db.session()
    form = PairingCodeForm()
    form.counter_id.choices = [(c.id, c.code) for c in _visible_counters(session)]
    if not form.validate_on_submit():
        return _render_operations(session, status=400)
    counter = session.get(Counter, form.counter_id.data)
    if counter is None or not can_see_unit(session, signed_in_user(), counter.unit_id):
        abort(404)
    row, code = services.create_pairing_code(session, counter)
    audit.record(session, signed_in_user(), "kiosk.pairing_code", f"counter:{counter.code}")
    session.commit()
    # Shown once, on this response: only its hash is kept.
    return _render_operations(session, new_code={"code": code, "counter": counter,
                                                 "expires_at": row.expires_at})


@blueprint.post("/operations/devices/<int:device_id>/revoke")
@roles_required(*OPERATORS)
def revoke(device_id: int):
    session = db.session()
    if not RevokeForm().validate_on_submit():
        abort(400)
    device = session.get(KioskDevice, device_id)
    if device is None or not can_see_unit(session, signed_in_user(), device.counter.unit_id):
        abort(404)
    services.revoke_device(session, device)
    audit.record(session, signed_in_user(), "kiosk.revoke", f"kiosk:{device.id}",
                 {"counter": device.counter.code})
    session.commit()
    flash(_("Tablet %(name)s dicabut.", name=device.name or f"#{device.id}"))
    return redirect(url_for("kiosk.operations"), code=303)
