"""The demo city, Kota Suka Maju: four departments, seven service units, their counters and
officers, four months of shifts and citizens' ratings that look like the real thing (weekday
and hour-of-day rhythms, most units in category B, U3 and U9 weakest, U4 strongest, a unit
that improved after a complaint was followed up, a counter with a suspicious burst), and one
account for every role. ``load`` is idempotent: a second run finds the demo and changes
nothing.

The demo spans the areas (it sits above them and may import each): the city as data
(``demo.city``, ``demo.texts``), the organisation and its shifts (``demo.organisation``),
the ratings (``demo.ratings``), and ``flask --app wsgi demo-data`` (``demo.cli``). The
numbers are drawn from a seeded generator, so every machine gets the same city.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.aggregates import rebuild as rebuild_aggregates
from core.models import Counter, Department, Officer, Unit, utcnow
from demo.city import (
    BURST_COUNTER,
    CITY,
    DAYS,
    DEPARTMENTS,
    FOLLOW_UP_DAYS_AGO,
    IMPROVING_UNIT,
    KIOSKS,
    MARKER_DEPARTMENT,
    PASSWORD,
    SEED,
    UNITS,
    USERS,
)
from demo.organisation import OrganisationSteps
from demo.ratings import RatingSteps
from kiosk.models import KioskDevice
from survey.moderation import tag_untagged_comments
from survey.services import active_questionnaire_id, current_code, survey_url


@dataclass
class DemoResult:
    created: bool
    ratings: int = 0
    comments: int = 0
    shifts: int = 0
    officers: int = 0
    units: int = 0
    users: list[str] = field(default_factory=list)


def already_loaded(session: Session) -> bool:
    return session.scalars(
        select(Department.id).where(Department.code == MARKER_DEPARTMENT)
    ).first() is not None



def load(
    session: Session,
    *,
    due_working_days: int,
    now: datetime | None = None,
    days: int = DAYS,
    seed: int = SEED,
    echo: Callable[[str], object] = print,
) -> DemoResult:
    """Load the demo city unless it is there already; complaints are due
    ``due_working_days`` working days after they were made. Flushes; the caller commits."""
    if already_loaded(session):
        echo(f"Data demo {CITY} sudah ada; tidak ada yang diubah.")
        return DemoResult(created=False)
    now = now or utcnow()
    rng = random.Random(seed)
    return Builder(session, rng, now, days, due_working_days, echo).run()


def report(session: Session, result: DemoResult, config, echo: Callable[[str], object] = print):
    """What a newcomer needs: the accounts, and one link straight into the survey."""
    if result.created:
        echo(f"Kota demo dimuat: {result.units} unit, {result.officers} petugas, "
             f"{result.shifts} sif, {result.ratings} penilaian, {result.comments} komentar.")
    echo(f"Akun demo (kata sandi untuk semua: {PASSWORD}):")
    for username, _display, role, *_ in USERS:
        echo(f"  {username:<18} {role.value}")
    counter = session.scalars(select(Counter).where(Counter.code == "PKM-SM-DAFTAR")).first()
    if counter is not None:
        code = current_code(session, counter=counter)
        echo("Coba survei warga (Puskesmas Suka Maju, Loket Pendaftaran):")
        echo(survey_url(code, config["SECRET_KEY"], config["BASE_URL"]))



class Builder(OrganisationSteps, RatingSteps):
    """One load of the demo: the state its steps share (the seeded generator, what was made
    so far), and the order they run in."""

    def __init__(self, session: Session, rng: random.Random, now: datetime, days: int,
                 due_working_days: int, echo):
        self.session = session
        self.rng = rng
        self.now = now
        self.days = days
        self.due_working_days = due_working_days
        self.echo = echo
        self.result = DemoResult(created=True)
        self.units: dict[str, Unit] = {}
        self.counters: dict[str, Counter] = {}
        self.officers: dict[str, Officer] = {}
        self.codes: dict[int, int] = {}  # counter id → QR code id
        self.kiosks: dict[int, KioskDevice] = {}  # counter id → its tablet
        self.example_counts: dict[tuple[str, str | None], int] = {}

    def run(self) -> DemoResult:
        self.echo(f"Membangun {CITY}…")
        self.questionnaire_id = active_questionnaire_id(self.session)
        self._organisation()
        shifts = self._shifts()
        self.echo(f"  {self.result.shifts} sif petugas")
        ratings, comments = self._ratings(shifts)
        self._users()
        self._insert(ratings, comments)
        unit_ids = [unit.id for unit in self.units.values()]
        # The rows went in folded already (the history a city would have): analytics counts
        # them into its aggregates here, as its fold would have one by one.
        self.echo("  agregat harian…")
        rebuild_aggregates(self.session, unit_ids=unit_ids)
        self.echo("  tag komentar…")
        tag_untagged_comments(self.session, unit_ids=unit_ids)
        self.session.flush()
        return self.result


__all__ = [
    "BURST_COUNTER", "DEPARTMENTS", "FOLLOW_UP_DAYS_AGO", "IMPROVING_UNIT", "KIOSKS",
    "PASSWORD", "UNITS", "USERS", "DemoResult", "already_loaded", "load", "report",
]
