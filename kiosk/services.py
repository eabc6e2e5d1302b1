"""Counter tablets without HTTP: pairing a tablet with a counter, its device credential,
officers signing in to it with NIP + PIN, and closing shifts left open after service hours."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from core.auth import hash_password, stand_in_hash, verify_password
from core.models import Counter, Officer, Shift, Unit, utcnow
from core.privacy import keyed_hash
from core.scope import within
from core.services import OrganisationError, officer_by_identifier, start_shift
from kiosk.models import KioskDevice, KioskOfficerPin, KioskPairingCode, KioskPinAttempt
from survey.integrity import service_periods

# No 0/O, 1/I/L: the code is read off a screen and typed on a tablet.
PAIRING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
PAIRING_LENGTH = 8
PAIRING_LIFETIME = timedelta(minutes=15)
# A wrong code names no code, so every wrong try counts against every live code. Each code
# takes this many wrong tries made anywhere during its 15 minutes, then stops working: with
# 31^8 (8.5e11) codes, 1000 guesses find a given code with a chance of about 1 in a billion.
# No one address can spend them: each address may type PAIRING_ADDRESS_LIMIT wrong codes
# (kiosk/views.py), so locking a code takes a hundred addresses at once. (Ten wrong tries in
# all used to lock every code: anyone could stop every tablet from being paired.)
PAIRING_MAX_FAILURES = 1000
PAIRING_ADDRESS_LIMIT = "10 per 15 minutes"

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


class PairingThrottled(KioskError):
    status, code = 429, "pairing_throttled"
    message = _l("Terlalu banyak kode salah dari jaringan ini. Coba lagi 15 menit lagi.")


class DeviceUnknown(KioskError):
    status, code = 401, "device_unknown"
    message = _l("Tablet ini belum dipasangkan dengan loket mana pun.")


class DeviceRevoked(KioskError):
    status, code = 403, "device_revoked"
    message = _l("Tablet ini sudah dicabut dari loketnya. Minta kode pemasangan baru.")


class WrongPin(KioskError):
    status, code = 403, "wrong_pin"
    # The same answer for an unknown NIP, another unit's officer, an officer without a PIN
    # and a wrong PIN: a tablet does not tell which NIPs work at its unit.
    message = _l("NIP atau PIN salah. Belum punya PIN? Minta administrator mengaturnya.")


class PinLocked(KioskError):
    status, code = 423, "pin_locked"
    message = _l("Terlalu banyak PIN salah. Coba lagi setelah 15 menit, atau minta "
                 "administrator mengatur ulang PIN.")


class SignOutNeedsNip(KioskError):
    status, code = 423, "sign_out_needs_nip"
    message = _l("Terlalu banyak PIN salah untuk keluar. Untuk keluar, ketik NIP dan PIN Anda.")


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
    if len(code) != PAIRING_LENGTH or not set(code) <= set(PAIRING_ALPHABET):
        raise PairingCodeInvalid()  # no code looks like this: not a guess at any of them
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
    query = within(query, Counter.unit_id, unit_ids)
    return list(session.scalars(query))


# --- officers -------------------------------------------------------------------------


def hash_pin(pin: str) -> str:
    """Check a new PIN's shape and hash it (slow by design: do it outside a write)."""
    pin = (pin or "").strip()
    if not (pin.isascii() and pin.isdigit() and PIN_MIN <= len(pin) <= PIN_MAX):
        raise OrganisationError(f"PIN harus {PIN_MIN}–{PIN_MAX} angka.")
    return hash_password(pin)


def officer_pin(session: Session, officer_id: int, *, create: bool = False,
                lock: bool = False) -> KioskOfficerPin | None:
    """The officer's PIN row (made, without a PIN, when ``create``); ``lock`` reads it afresh
    under FOR UPDATE, so wrong tries at two tablets are counted one at a time."""
    query = select(KioskOfficerPin).where(KioskOfficerPin.officer_id == officer_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalars(query).first()
    if row is not None or not create:
        return row
    try:
        with session.begin_nested():
            row = KioskOfficerPin(officer_id=officer_id, failures=0)
            session.add(row)
    except IntegrityError:  # made at the same moment elsewhere (a PIN set, a sign-in tried)
        row = session.scalars(query.with_for_update()
                              .execution_options(populate_existing=True)).one()
    return row


def set_officer_pin(session: Session, officer: Officer, pin: str | None = None, *,
                    pin_hash: str | None = None) -> KioskOfficerPin:
    """Give the officer a new PIN (or its ``hash_pin`` hash) and lift any lock on it."""
    row = officer_pin(session, officer.id, create=True, lock=True)
    row.pin_hash = pin_hash or hash_pin(pin or "")
    row.failures = 0
    row.locked_until = None
    # A new PIN also lets the PIN alone end the officer's open shift again.
    open_shifts = session.scalars(
        select(Shift.id).where(Shift.officer_id == officer.id, Shift.ended_at.is_(None))).all()
    if open_shifts:
        session.execute(delete(KioskPinAttempt).where(KioskPinAttempt.key.in_(
            [f"sign-out:shift:{shift_id}" for shift_id in open_shifts])))
    session.flush()
    return row


def _verify_counted(holder: KioskOfficerPin | KioskPinAttempt, pin_hash: str | None, pin: str,
                    now: datetime) -> None:
    """Raise unless ``pin`` matches ``pin_hash``, counting wrong tries on ``holder`` (an
    officer's PIN row or a KioskPinAttempt) and locking it for PIN_LOCK after
    PIN_MAX_FAILURES. The caller commits in both cases, so a wrong try is remembered."""
    if holder.locked_until is not None and holder.locked_until > now:
        raise PinLocked(until=holder.locked_until)
    matched = verify_password(pin_hash or stand_in_hash(), pin or "")
    if matched and pin_hash:
        holder.failures = 0
        holder.locked_until = None
        return
    count = (holder.failures or 0) + 1
    if count >= PIN_MAX_FAILURES:
        holder.failures = 0
        holder.locked_until = now + PIN_LOCK
        raise PinLocked(until=now + PIN_LOCK)
    holder.failures = count
    raise WrongPin(remaining=PIN_MAX_FAILURES - count)


def check_pin(session: Session, officer: Officer, pin: str, now: datetime) -> None:
    """Raise unless ``pin`` is the officer's; count wrong tries on the officer's PIN row and
    lock after too many (an officer without a PIN gets the wrong-PIN answer)."""
    row = officer_pin(session, officer.id, create=True, lock=True)
    _verify_counted(row, row.pin_hash, pin, now)


def _attempts(session: Session, key: str, now: datetime, create: bool) -> KioskPinAttempt | None:
    row = session.scalars(
        select(KioskPinAttempt).where(KioskPinAttempt.key == key).with_for_update()
    ).first()
    if row is not None or not create:
        return row
    # Rows for keys nobody has typed for a day have nothing left to lock.
    session.execute(delete(KioskPinAttempt).where(KioskPinAttempt.updated_at
                                                  < now - timedelta(days=1)))
    try:
        with session.begin_nested():
            row = KioskPinAttempt(key=key, failures=0, updated_at=now)
            session.add(row)
    except IntegrityError:  # another tablet typed the same key at the same moment
        row = session.scalars(
            select(KioskPinAttempt).where(KioskPinAttempt.key == key).with_for_update()
        ).one()
    return row


def _typed_key(unit_id: int, identifier: str) -> str:
    # Keyed, so the table holds no NIP that could be recovered by hashing every NIP.
    typed = "".join((identifier or "").split()).upper()[:80]
    return f"sign-in:{unit_id}:{keyed_hash(typed, 'kiosk-pin')}"


def _signable_officer(session: Session, unit_id: int, identifier: str, pin: str, now: datetime,
                      officer: Officer | None = None) -> Officer:
    """The officer of this unit that ``identifier`` (or a scanned card) names, once their PIN
    is checked. Anything else — an unknown NIP, another unit's or an inactive officer — is
    counted and answered exactly as a wrong PIN is, lockout included."""
    if officer is None:
        try:
            officer = officer_by_identifier(session, identifier or "")
        except OrganisationError:
            officer = None
    elif not identifier:  # read from a card: count it as that officer's NIP typed
        identifier = officer.identifier
    if officer is not None and (officer.unit_id != unit_id or not officer.active):
        officer = None
    if officer is None:
        attempts = _attempts(session, _typed_key(unit_id, identifier), now, create=True)
        attempts.updated_at = now
        _verify_counted(attempts, None, pin, now)
        raise WrongPin()  # not reached: there is no PIN to match
    check_pin(session, officer, pin, now)
    return officer


def _sign_out_key(shift: Shift) -> str:
    return f"sign-out:shift:{shift.id}"


def sign_out_needs_nip(session: Session, shift: Shift | None) -> bool:
    """Whether this shift may now be ended only with NIP + PIN (too many wrong PINs)."""
    if shift is None:
        return False
    row = session.scalars(
        select(KioskPinAttempt).where(KioskPinAttempt.key == _sign_out_key(shift))).first()
    return row is not None and row.failures >= PIN_MAX_FAILURES


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
    officer = _signable_officer(session, device.counter.unit_id, identifier, pin, now,
                                officer=officer)
    try:
        return start_shift(session, officer, device.counter, now=now, kiosk_device_id=device.id)
    except OrganisationError as exc:
        raise SignInRefused(str(exc)) from None


def sign_out(
    session: Session, device: KioskDevice, pin: str, now: datetime | None = None,
    identifier: str = "",
) -> Shift:
    """End the shift at the tablet's counter. The serving officer's PIN is asked so a citizen
    cannot sign them out; wrong PINs here are counted for this shift, never on the officer's
    own sign-in, so a citizen typing at the counter cannot lock the officer out. After
    PIN_MAX_FAILURES of them the PIN alone no longer ends this shift: NIP + PIN does (checked
    and counted as a sign-in is). The officer keeps serving all the while."""
    now = now or utcnow()
    shift = counter_shift(session, device.counter_id)
    if shift is None:
        raise NobodySignedIn()
    officer = shift.officer
    if identifier:
        signed = _signable_officer(session, device.counter.unit_id, identifier, pin, now)
        if signed.id != officer.id:
            raise SignInRefused(_l("Petugas lain yang sedang bertugas di loket ini; hanya "
                                   "dia yang dapat keluar."))
    else:
        attempts = _attempts(session, _sign_out_key(shift), now, create=False)
        if attempts is not None and attempts.failures >= PIN_MAX_FAILURES:
            raise SignOutNeedsNip()
        row = officer_pin(session, officer.id)
        if not (row and row.pin_hash and verify_password(row.pin_hash, pin or "")):
            attempts = attempts or _attempts(session, _sign_out_key(shift), now, create=True)
            attempts.failures += 1
            attempts.updated_at = now
            session.flush()
            if attempts.failures >= PIN_MAX_FAILURES:
                raise SignOutNeedsNip()
            raise WrongPin(_l("PIN salah."), remaining=PIN_MAX_FAILURES - attempts.failures)
    shift.ended_at = max(now, shift.started_at)
    shift.end_reason = "sign-out"
    session.flush()
    return shift


# --- service hours --------------------------------------------------------------------


def closing_time(unit: Unit, started_at: datetime, default_hours: Mapping) -> datetime:
    """When a shift started at ``started_at`` is closed if nobody signs out: the end of that
    day's last service period in the unit's zone. A break (Friday prayers) does not end it:
    the officer comes back to the same counter. A shift begun after closing, or on a day
    without service, ends at local midnight."""
    zone = ZoneInfo(unit.timezone)
    local = started_at.astimezone(zone)
    day: date = local.date()
    periods = service_periods(unit.service_hours or default_hours, day.isoweekday())
    if periods:
        last_end = datetime.combine(day, max(end for _, end in periods), zone)
        if last_end > local:
            return last_end.astimezone(UTC)
    return datetime.combine(day + timedelta(days=1), time(0), zone).astimezone(UTC)


def close_shifts_after_hours(
    session: Session, now: datetime | None = None, *, default_hours: Mapping
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
