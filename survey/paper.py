"""Paper questionnaires (kuesioner kertas) entered by staff from a CSV file.

Many offices run the SKM on paper, or ran it on paper before this service. Their forms name
the service day, often the counter and the officer. ``import_paper`` stores them all or
nothing, idempotent by each row's ``id``: the channel is ``paper``, they count in the IKM
and in officer components exactly like other ratings, and they are not judged for bursts
or service hours (staff entered them from forms; the import itself is audited with who and
when). A bad row is reported with its line number and field, and nothing is stored.

Columns: ``id`` (UUID), ``unit``, ``counter`` (optional), ``officer`` (NIP or employee id,
optional), ``date`` (YYYY-MM-DD, the service day), ``time`` (HH:MM local, optional),
``U1`` … ``U9`` (1–4 or empty), ``comment_kind``, ``comment``, ``category`` (optional).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from core.localtime import local_day
from core.models import Counter, Officer, Unit, utcnow
from core.services import OrganisationError, officer_by_identifier
from core.workdays import due_date
from survey.elements import COMPLAINT_CATEGORIES, ELEMENT_CODES
from survey.models import Comment, Rating
from survey.schema import _parse_comment
from survey.services import active_questionnaire_id, rating_row

CHANNEL = "paper"
REQUIRED = ("id", "unit", "date")
OPTIONAL = ("counter", "officer", "time", *ELEMENT_CODES, "comment_kind", "comment", "category")
COLUMNS = (*REQUIRED, *OPTIONAL)
# A form without a time of day is placed at noon, local time: on its service day in any
# zone, and never attributed to a shift (who was at the counter is not known).
NOON = time(12, 0)
EARLIEST = date(2000, 1, 1)
COMMENT_FIELDS = {"comment.kind": "comment_kind", "comment.text": "comment",
                  "comment.category": "category"}


class PaperImportError(Exception):
    """The file cannot be imported; ``errors`` lists every problem, by line and column."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


@dataclass
class PaperImport:
    """What an import stored: new ratings, and rows already stored by an earlier import."""

    created: list[Rating] = field(default_factory=list)
    already: int = 0

    @property
    def units(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for rating in self.created:
            counts[rating.unit.code] = counts.get(rating.unit.code, 0) + 1
        return counts


@dataclass(frozen=True)
class _Row:
    line: int
    id: uuid.UUID
    unit: Unit
    counter: Counter | None
    officer: Officer | None
    day: date
    moment: datetime
    timed: bool
    answers: dict[str, int]
    comment: tuple[str, str, str | None] | None  # kind, text, category
    digest: str


def _digest(values: dict[str, str]) -> str:
    canonical = json.dumps({k: values.get(k, "") for k in COLUMNS}, sort_keys=True,
                           ensure_ascii=False, separators=(",", ":"))
    return "paper:" + hashlib.sha256(canonical.encode()).hexdigest()[:58]


class _Lookups:
    """Units, counters and officers by what a form names, asked for once each."""

    def __init__(self, session: Session):
        self.session = session
        self.units: dict[str, Unit | None] = {}
        self.counters: dict[str, Counter | None] = {}
        self.officers: dict[str, Officer | None] = {}

    def unit(self, code: str) -> Unit | None:
        if code not in self.units:
            self.units[code] = self.session.scalars(select(Unit).where(Unit.code == code)).first()
        return self.units[code]

    def counter(self, code: str) -> Counter | None:
        if code not in self.counters:
            self.counters[code] = self.session.scalars(
                select(Counter).where(Counter.code == code)).first()
        return self.counters[code]

    def officer(self, identifier: str) -> Officer | None:
        if identifier not in self.officers:
            try:
                self.officers[identifier] = officer_by_identifier(self.session, identifier)
            except OrganisationError:
                self.officers[identifier] = None
        return self.officers[identifier]


def _parse_row(line: int, values: dict[str, str], lookups: _Lookups, today: date,
               comment_max_length: int, errors: list[str]) -> _Row | None:
    found: list[str] = []

    def bad(column: str, message: str) -> None:
        found.append(f"baris {line}, kolom {column}: {message}")

    rating_id = None
    try:
        rating_id = uuid.UUID(values.get("id", ""))
    except ValueError:
        bad("id", "harus berupa UUID (misalnya 3f2b6c1e-…)")
    unit = None
    code = values.get("unit", "")
    if not code:
        bad("unit", "wajib diisi (kode unit)")
    elif (unit := lookups.unit(code)) is None:
        bad("unit", f"unit '{code}' tidak dikenal")
    counter = None
    if values.get("counter"):
        counter = lookups.counter(values["counter"])
        if counter is None:
            bad("counter", f"loket '{values['counter']}' tidak dikenal")
        elif unit is not None and counter.unit_id != unit.id:
            bad("counter", f"loket '{values['counter']}' bukan loket unit {unit.code}")
    officer = None
    if values.get("officer"):
        officer = lookups.officer(values["officer"])
        if officer is None:
            bad("officer", f"petugas '{values['officer']}' tidak dikenal")
    day = None
    try:
        day = date.fromisoformat(values.get("date", ""))
        if len(values["date"]) != 10:
            raise ValueError
    except ValueError:
        bad("date", "harus berformat YYYY-MM-DD (hari layanan)")
        day = None
    if day is not None and not EARLIEST <= day <= today:
        bad("date", f"harus antara {EARLIEST} dan hari ini")
    at = NOON
    if values.get("time"):
        try:
            at = time.fromisoformat(values["time"])
            if len(values["time"]) != 5:
                raise ValueError
        except ValueError:
            bad("time", "harus berformat HH:MM (waktu setempat)")
    answers: dict[str, int] = {}
    malformed = False
    for code_ in ELEMENT_CODES:
        raw = values.get(code_, "")
        if raw == "":
            continue
        if raw not in ("1", "2", "3", "4"):
            bad(code_, "harus 1, 2, 3, 4 atau kosong")
            malformed = True
            continue
        answers[code_] = int(raw)
    if not answers and not malformed:
        bad("U1…U9", "jawab setidaknya satu unsur")
    comment = None
    comment_errors: dict = {}
    parsed = _parse_comment({"kind": values.get("comment_kind") or None,
                             "text": values.get("comment", ""),
                             "category": values.get("category") or None},
                            comment_errors, comment_max_length)
    for key, message in comment_errors.items():
        bad(COMMENT_FIELDS.get(key, key), str(message))
    if parsed is not None and not comment_errors:
        comment = (parsed.kind, parsed.text, parsed.category)
    errors.extend(found)
    if found or unit is None or day is None or rating_id is None:
        return None
    zone = ZoneInfo(unit.timezone)
    moment = datetime.combine(day, at, zone).astimezone(ZoneInfo("UTC"))
    return _Row(line, rating_id, unit, counter, officer, day, moment, bool(values.get("time")),
                answers, comment, _digest(values))


def _officer_for(session: Session, row: _Row):
    """(officer id, shift id): the officer the form names, else whoever was signed in to the
    form's counter at the form's time, if it gives one; else nobody."""
    from survey.services import shift_at

    if row.officer is not None:
        return row.officer.id, None
    if row.counter is not None and row.timed:
        shift = shift_at(session, row.counter.id, row.moment)
        if shift is not None:
            return shift.officer_id, shift.id
    return None, None


def import_paper(session: Session, text: str, *, actor: str, comment_max_length: int,
                 due_working_days: int, source: str = "",
                 now: datetime | None = None) -> PaperImport:
    """Store the paper forms of a CSV text, all or nothing (``PaperImportError`` lists every
    bad row with its line and column). A row whose ``id`` is stored already with the same
    content is skipped; with other content it is an error. Flushes and writes the audit
    entry; the caller commits."""
    now = now or utcnow()
    if text.startswith("\ufeff"):
        text = text[1:]  # the BOM spreadsheets put in front of UTF-8
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    errors: list[str] = []
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    if missing:
        errors.append(f"baris 1: kolom wajib tidak ada: {', '.join(missing)}")
    if unknown:
        errors.append(f"baris 1: kolom tidak dikenal: {', '.join(unknown)}")
    if errors:
        raise PaperImportError(errors)
    reader.fieldnames = header
    lookups = _Lookups(session)
    rows: list[_Row] = []
    seen: dict[uuid.UUID, int] = {}
    for values in reader:
        line = reader.line_num
        if None in values:
            errors.append(f"baris {line}: lebih banyak kolom daripada judul kolom")
            continue
        values = {k: (v or "").strip() for k, v in values.items()}
        if not any(values.values()):
            continue
        unit = lookups.unit(values.get("unit", ""))
        today = local_day(now, unit.timezone if unit else "Asia/Jakarta")
        row = _parse_row(line, values, lookups, today, comment_max_length, errors)
        if row is None:
            continue
        if row.id in seen:
            errors.append(f"baris {line}, kolom id: sama dengan baris {seen[row.id]}")
            continue
        seen[row.id] = line
        rows.append(row)
    if not rows and not errors:
        errors.append("berkas tidak berisi penilaian")
    stored = {r.id: r for r in session.scalars(
        select(Rating).where(Rating.id.in_([row.id for row in rows] or [uuid.uuid4()])))}
    result = PaperImport()
    fresh = []
    for row in rows:
        existing = stored.get(row.id)
        if existing is None:
            fresh.append(row)
        elif existing.channel == CHANNEL and existing.body_digest == row.digest:
            result.already += 1
        else:
            errors.append(f"baris {row.line}, kolom id: sudah dipakai oleh penilaian lain")
    if errors:
        raise PaperImportError(errors)

    questionnaire_id = active_questionnaire_id(session)
    for row in fresh:
        officer_id, shift_id = _officer_for(session, row)
        rating = Rating(**rating_row(
            row.id, row.unit, row.answers, channel=CHANNEL, questionnaire_id=questionnaire_id,
            submitted_at=row.moment, received_at=now, body_digest=row.digest,
            counter_id=row.counter.id if row.counter else None, officer_id=officer_id,
        ), shift_id=shift_id)
        session.add(rating)
        if row.comment is not None:
            kind, comment_text, category = row.comment
            followed_up = kind in ("complaint", "question")
            session.add(Comment(
                rating=rating, unit_id=row.unit.id, officer_id=officer_id, kind=kind,
                text=comment_text, category=category,
                element=COMPLAINT_CATEGORIES[category][0] if category else None,
                status="baru" if followed_up else None,
                due_on=due_date(session, row.day, due_working_days) if followed_up else None,
                created_at=row.moment))
        result.created.append(rating)
    # Stored raw, like every other rating: the fold counts them (and never judges them).
    session.flush()
    audit.record(session, actor, "rating.paper_import", source or "paper",
                 {"created": len(result.created), "already": result.already,
                  "units": result.units, "at": now.isoformat(timespec="seconds")})
    return result


__all__ = ["CHANNEL", "COLUMNS", "PaperImport", "PaperImportError", "import_paper"]
