"""The kiosk's own tables: the paired tablets, the pairing codes, officers' PINs, and the
wrong PINs typed at tablets.

Core knows officers and counters; only the kiosk knows tablets, and that officers sign in
to them with a PIN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Counter, Officer, utcnow


class KioskDevice(Base):
    """A counter tablet. Its credential is stored only as a hash."""

    __tablename__ = "kiosk_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    credential_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    queued_ratings: Mapped[int | None]
    last_rating_at: Mapped[datetime | None]
    note: Mapped[str | None] = mapped_column(Text)

    counter: Mapped[Counter] = relationship()


class KioskPairingCode(Base):
    """A short-lived code an administrator gives a tablet to pair it with a counter."""

    __tablename__ = "kiosk_pairing_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    code_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)

    counter: Mapped[Counter] = relationship()


class KioskOfficerPin(Base):
    """An officer's tablet PIN (an argon2 hash, ``None`` until an administrator sets one) and
    the wrong tries at signing in with it: after PIN_MAX_FAILURES the officer's sign-in is
    locked until ``locked_until``. One row per officer, made when a PIN is set or first tried."""

    __tablename__ = "kiosk_officer_pin"

    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), primary_key=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]

    officer: Mapped[Officer] = relationship()


class KioskPinAttempt(Base):
    """Wrong PINs typed at tablets for one key: ``sign-in:<unit>:<hash of the typed NIP>``
    for an NIP that is not one of the unit's officers (so it gets exactly the answers and the
    lockout a real officer's NIP gets, and a tablet tells nobody which NIPs work there), and
    ``sign-out:shift:<id>`` for signing out of one shift (so a citizen's guesses there never
    touch the officer's own sign-in). An officer's own sign-in tries count on their
    KioskOfficerPin."""

    __tablename__ = "kiosk_pin_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["KioskDevice", "KioskOfficerPin", "KioskPairingCode", "KioskPinAttempt"]
