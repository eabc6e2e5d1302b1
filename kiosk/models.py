"""The kiosk's own table: wrong PINs counted where no officer's row can hold them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.models import Base, utcnow


class KioskPinAttempt(Base):
    """Wrong PINs typed at tablets for one key: ``sign-in:<unit>:<hash of the typed NIP>``
    for an NIP that is not one of the unit's officers (so it gets exactly the answers and the
    lockout a real officer's NIP gets, and a tablet tells nobody which NIPs work there), and
    ``sign-out:shift:<id>`` for signing out of one shift (so a citizen's guesses there never
    touch the officer's own sign-in). An officer's own sign-in tries stay on their row."""

    __tablename__ = "kiosk_pin_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = ["KioskPinAttempt"]
