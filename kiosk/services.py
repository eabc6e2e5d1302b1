"""Counter tablets without HTTP: pairing a tablet with a counter, its device credential,
officers signing in to it with NIP + PIN, and closing shifts left open after service hours."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.auth import hash_password, verify_password
from core.models import Counter, KioskDevice, KioskPairingCode, Officer, Shift, Unit, utcnow
from core.services import OrganisationError, officer_by_identifier, start_shift
from core.settings import DEFAULT_SERVICE_HOURS

# No 0/O, 1/I/L: the code is read off a screen and typed on a tablet.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 8
PAIRING_LIFETIME = timedelta(minutes=15)
# A wrong code names no code, so every wrong try counts against every live code: a guesser
# gets this many tries at all of them together, then the administrator makes a new one.
PAIRING_MAX_FAILURES = 10

PIN_MIN, PIN_MAX = 4, 8
PIN_MAX_FAILURES = 5
PIN_LOCK = timedelta(minutes=15)


class KioskError(Exception):
    """A domain error with an HTTP status and a message an officer or citizen understands."""

    status = 400
    code = "error"
    message = _l("Permintaan tidak dapat diproses.")

    def __init__(self, message=None, **extra):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))
        self.extra = extra


class PairingCodeInvalid(KioskError):
    status, code = 404, "pairing_invalid"
    message = _l("Kode pemasangan salah. Periksa kembali kode dari administrator.")


class PairingCodeExpired(KioskError):
    status, code = 410, "pairing_expired"
    message = _l("Kode pemasangan sudah kedaluwarsa. Minta kode baru kepada administrator.")


class PairingCodeUsed(KioskError):
    status, code = 409, "pairing_used"
    message = _l("Kode pemasangan ini sudah dipakai. Minta kode baru kepada administrator.")


class PairingCodeLocked(KioskError):
    status, code = 429, "pairing_locked"
    message = _l("Terlalu banyak kode salah. Minta kode baru kepada administrator.")


class DeviceUnknown(KioskError):
    status, code = 401, "device_unknown"
    message = _l("Tablet ini belum dipasangkan dengan loket mana pun.")


class DeviceRevoked(KioskError):
    status, code = 403, "device_revoked"
    message = _l("Tablet ini sudah dicabut dari loketnya. Minta kode pemasangan baru.")


class WrongPin(KioskError):
    status, code = 403, "wrong_pin"
    message = _l("NIP atau PIN salah.")


class PinLocked(KioskError):
    status, code = 423, "pin_locked"
    message = _l("Terlalu banyak PIN salah. Coba lagi setelah 15 menit, atau minta "
                 "administrator mengatur ulang PIN.")


class PinNotSet(KioskError):
    status, code = 403, "pin_not_set"
    message = _l("PIN Anda belum diatur. Minta administrator mengaturnya.")


class SignInRefused(KioskError):
    status, code = 409, "sign_in_refused"


class NobodySignedIn(KioskError):
    status, code = 409, "nobody_signed_in"
    message = _l("Tidak ada petugas yang sedang bertugas di loket ini.")


def digest(secret: str) -> str:
    """Pairing codes and credentials are stored only as this hash. Both are random (the
    credential has 256 bits), so a fast hash suffices and lets us look them up by it."""
    return hashlib.sha256(secret.encode()).hexdigest()


# --- pairing --------------------------------------------------------------------------


def normalise_pairing_code(typed: str) -> str:
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


def format_pairing_code(code: str) -> str:
    half = len(code) // 2
    return f"{code[:half]}-{code[half:]}"


def create_pairing_code(
    session: Session, counter: Counter, now: datetime | None = None
) -> tuple[KioskPairingCode, str]:
    """A new single-use code for ``counter``; returns the row and the code to show, once."""
    now = now or utcnow()
    if not counter.active:
        raise OrganisationError(f"Loket {counter.code} tidak aktif.")
    code = "".join(secrets.choice(PAIRING_ALPHABET) for _ in range(PAIRING_LENGTH))
    row = KioskPairingCode(counter=counter, code_hash=digest(code), created_at=now,
                           expires_at=now + PAIRING_LIFETIME)
    session.add(row)
    session.flush()
    return row, format_pairing_code(code)


def _live_codes(session: Session, now: datetime):
    return session.scalars(
        select(KioskPairingCode).where(
            KioskPairingCode.used_at.is_(None), KioskPairingCode.expires_at > now
        )
    )


def pair_device(
    session: Session, typed_code: str, name: str = "", now: datetime | None = None
) -> tuple[KioskDevice, str]:
    """Exchange a pairing code for a device bound to its counter; returns the device and its
    credential (shown to the tablet once, stored only as a hash)."""
    now = now or utcnow()
    code = normalise_pairing_code(typed_code)
    row = None
    if len(code) == PAIRING_LENGTH:
        # FOR UPDATE: two tablets typing the same code at once get one device between them.
        row = session.scalars(
            select(KioskPairingCode).where(KioskPairingCode.code_hash == digest(code))
            .with_for_update()
        ).first()
    if row is None:
        for live in _live_codes(session, now):
            live.failed_attempts += 1
        session.flush()
        raise PairingCodeInvalid()
    if row.failed_attempts >= PAIRING_MAX_FAILURES:
        raise PairingCodeLocked()
    if row.used_at is not None:
        raise PairingCodeUsed()
    if row.expires_at <= now:
        raise PairingCodeExpired()
    if not row.counter.active:
        raise PairingCodeInvalid(_l("Loket untuk kode ini tidak aktif lagi."))
    row.used_at = now
    credential = secrets.token_urlsafe(32)
    device = KioskDevice(counter_id=row.counter_id, name=(name or "").strip()[:120],
                         credential_hash=digest(credential), created_at=now, last_seen_at=now)
    session.add(device)
    session.flush()
    return device, credential


def device_by_credential(session: Session, credential: str | None) -> KioskDevice:
    if not credential or len(credential) > 200:
        raise DeviceUnknown()
    device = session.scalars(
        select(KioskDevice).where(KioskDevice.credential_hash == digest(credential))
    ).first()
    if device is None:
        raise DeviceUnknown()
    if device.revoked_at is not None:
        raise DeviceRevoked()
    return device


def revoke_device(session: Session, device: KioskDevice, now: datetime | None = None) -> None:
    """Revoke a tablet. A shift it started stays open: the officer still serves there."""
    if device.revoked_at is None:
        device.revoked_at = now or utcnow()
        session.flush()


def record_contact(
    session: Session, device: KioskDevice, queued: int | None = None, now: datetime | None = None
) -> None:
    device.last_seen_at = now or utcnow()
    if queued is not None:
        device.queued_ratings = min(max(0, queued), 1_000_000)  # a tablet's word, bounded
    session.flush()


def devices(session: Session, unit_ids: set[int] | None = None) -> list[KioskDevice]:
    """Tablets, newest first; only those of ``unit_ids`` when given (``None``: all)."""
    query = (
        select(KioskDevice)
        .join(Counter, KioskDevice.counter_id == Counter.id)
        .options(selectinload(KioskDevice.counter).selectinload(Counter.unit))
        .order_by(KioskDevice.revoked_at.is_not(None), Counter.code, KioskDevice.id.desc())
    )
    if unit_ids is not None:
        query = query.where(Counter.unit_id.in_(unit_ids or {-1}))
    return list(session.scalars(query))


# --- officers -------------------------------------------------------------------------


def set_officer_pin(session: Session, officer: Officer, pin: str) -> None:
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise OrganisationError(f"PIN harus {PIN_MIN}–{PIN_MAX} angka.")
    officer.pin_hash = hash_password(pin)
    officer.pin_failures = 0
    officer.pin_locked_until = None
    session.flush()


def check_pin(officer: Officer, pin: str, now: datetime) -> None:
    """Raise unless ``pin`` is the officer's; count wrong tries and lock after too many.
    The caller commits in both cases, so a wrong try is remembered."""
    if officer.pin_locked_until is not None and officer.pin_locked_until > now:
        raise PinLocked(until=officer.pin_locked_until)
    if not officer.pin_hash:
        raise PinNotSet()
    if verify_password(officer.pin_hash, pin or ""):
        officer.pin_failures = 0
        officer.pin_locked_until = None
        return
    officer.pin_failures = (officer.pin_failures or 0) + 1
    if officer.pin_failures >= PIN_MAX_FAILURES:
        officer.pin_failures = 0
        officer.pin_locked_until = now + PIN_LOCK
        raise PinLocked(until=officer.pin_locked_until)
    raise WrongPin(remaining=PIN_MAX_FAILURES - officer.pin_failures)


def counter_shift(session: Session, counter_id: int) -> Shift | None:
    """The open shift at a counter, whoever started it (tablet or CLI)."""
    return session.scalars(
        select(Shift).where(Shift.counter_id == counter_id, Shift.ended_at.is_(None))
        .order_by(Shift.started_at.desc()).limit(1)
    ).first()


class NotAnOfficerCard(KioskError):
    status, code = 403, "not_officer_card"
    message = _l("Kode QR ini bukan kartu petugas. Pindai kode QR pada kartu Anda sendiri, "
                 "atau ketik NIP.")


def sign_in(
    session: Session,
    device: KioskDevice,
    identifier: str,
    pin: str,
    now: datetime | None = None,
    *,
    officer: Officer | None = None,
) -> Shift:
    """Start the officer's shift at the tablet's counter. The officer is named by NIP (or
    employee id), or already known (``officer``: read from their own QR card); the PIN is
    asked either way, because a card is printed for citizens to scan."""
    now = now or utcnow()
    if officer is None:
        try:
            officer = officer_by_identifier(session, identifier or "")
        except OrganisationError:
            raise WrongPin() from None
    if officer.unit_id != device.counter.unit_id or not officer.active:
        # The same answer as a wrong PIN: a tablet does not tell who works elsewhere.
        raise WrongPin()
    check_pin(officer, pin, now)
    try:
        return start_shift(session, officer, device.counter, now=now, kiosk_device_id=device.id)
    except OrganisationError as exc:
        raise SignInRefused(str(exc)) from None


def sign_out(
    session: Session, device: KioskDevice, pin: str, now: datetime | None = None
) -> Shift:
    """End the shift at the tablet's counter; the serving officer's PIN is asked so a
    citizen cannot sign them out."""
    now = now or utcnow()
    shift = counter_shift(session, device.counter_id)
    if shift is None:
        raise NobodySignedIn()
    check_pin(shift.officer, pin, now)
    shift.ended_at = max(now, shift.started_at)
    shift.end_reason = "sign-out"
    session.flush()
    return shift


# --- service hours --------------------------------------------------------------------


def _periods(hours: Mapping, weekday: int) -> list[tuple[time, time]]:
    """A unit's service periods on an ISO weekday; keys may be ints or strings (JSON)."""
    found = hours.get(weekday, hours.get(str(weekday))) or []
    return [(time.fromisoformat(start), time.fromisoformat(end)) for start, end in found]


def closing_time(
    unit: Unit, started_at: datetime, default_hours: Mapping = DEFAULT_SERVICE_HOURS
) -> datetime:
    """When a shift started at ``started_at`` is closed if nobody signs out: the end of that
    day's last service period in the unit's zone. A break (Friday prayers) does not end it:
    the officer comes back to the same counter. A shift begun after closing, or on a day
    without service, ends at local midnight."""
    zone = ZoneInfo(unit.timezone)
    local = started_at.astimezone(zone)
    day: date = local.date()
    periods = _periods(unit.service_hours or default_hours, day.isoweekday())
    if periods:
        last_end = datetime.combine(day, max(end for _, end in periods), zone)
        if last_end > local:
            return last_end.astimezone(UTC)
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def close_shifts_after_hours(
    session: Session, now: datetime | None = None, default_hours: Mapping = DEFAULT_SERVICE_HOURS
) -> list[Shift]:
    """Close every open shift whose service day has ended, at its closing time (so ratings
    after hours go to no officer). Called lazily by kiosk requests and by cron through
    ``flask shift close-expired``; flushes, the caller commits."""
    now = now or utcnow()
    closed = []
    open_shifts = session.scalars(
        select(Shift).where(Shift.ended_at.is_(None))
        .options(selectinload(Shift.counter).selectinload(Counter.unit))
    )
    for shift in open_shifts:
        ends = closing_time(shift.counter.unit, shift.started_at, default_hours)
        if ends <= now:
            shift.ended_at = ends
            shift.end_reason = "service-hours"
            closed.append(shift)
    if closed:
        session.flush()
    return closed
