"""Keeping personal data no longer than needed: personal data (contact details, address
hashes, the phone numbers, NIK, e-mail… inside comment text) goes after
``RETENTION_MONTHS``; free text after ``TEXT_RETENTION_MONTHS`` when an office sets it.
Core owns the cut-offs and the command; each area that stores such data adds its own purge
step in its ``init_app`` (``add_step``), so core reaches into no area's tables.
``flask --app wsgi purge [--dry-run]`` runs it (daily from cron, docs/privacy.md)."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session

from core.models import utcnow


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the 31st becomes the last
    day of a shorter month)."""
    month_index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(month_index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


@dataclass(frozen=True)
class Cutoffs:
    """What a purge step is asked to blank: personal data (contact details, address hashes,
    personal data inside texts) older than ``personal``, free text older than ``text``
    (``None``: keep it); with ``dry_run`` only count."""

    personal: datetime | None
    text: datetime | None
    dry_run: bool


# A step counts (and unless dry_run, blanks) what is older than the cut-offs in its area's
# tables and returns the counts by name; it flushes, never commits.
PurgeStep = Callable[[Session, Cutoffs], dict[str, int]]


@dataclass(frozen=True)
class Step:
    name: str
    run: PurgeStep
    labels: dict[str, str]  # count name → what `flask purge` prints (Indonesian)


@dataclass(frozen=True)
class Purge:
    contact_cutoff: datetime | None
    text_cutoff: datetime | None
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)


def add_step(app: Flask, name: str, run: PurgeStep, labels: dict[str, str]) -> None:
    """An area offers the purge of its own tables (called from its ``init_app``)."""
    app.extensions.setdefault("purge_steps", []).append(Step(name, run, labels))


def registered_steps(app: Flask) -> list[Step]:
    return list(app.extensions.get("purge_steps", []))


def purge(session: Session, steps: list[Step], *, months: int, text_months: int = 0,
          now: datetime | None = None, dry_run: bool = False) -> Purge:
    """Ask every area's step to blank what is older than the cut-offs (``months`` ≤ 0 keeps
    personal data; ``text_months`` ≤ 0 keeps text). With ``dry_run`` only count. Flushes;
    the caller commits."""
    session.flush()
    now = now or utcnow()
    cutoffs = Cutoffs(personal=months_before(now, months) if months > 0 else None,
                      text=months_before(now, text_months) if text_months > 0 else None,
                      dry_run=dry_run)
    counts: dict[str, int] = {}
    for step in steps:
        counts.update(step.run(session, cutoffs))
    if not dry_run:
        session.expire_all()  # objects loaded before still hold the old values
    return Purge(contact_cutoff=cutoffs.personal, text_cutoff=cutoffs.text, dry_run=dry_run,
                 counts=counts)


__all__ = ["Cutoffs", "Purge", "PurgeStep", "Step", "add_step", "months_before", "purge",
           "registered_steps"]
