"""The kiosk's own tables: officers' PINs and the wrong PINs typed at tablets.

Core knows officers; only the kiosk knows they sign in to tablets with a PIN."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models import Base, Officer, utcnow


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


__all__ = ["KioskOfficerPin", "KioskPinAttempt"]
