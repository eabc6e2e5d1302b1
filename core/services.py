"""The organisation without HTTP: departments, units, counters, officers and shifts."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.models import Counter, Department, Officer, Shift, Unit, utcnow
from core.nip import InvalidNIP, normalise, validate_nip

TRUE_CELLS = ("1", "true", "ya", "yes", "aktif")
CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


class OrganisationError(ValueError):
    """Bad input or a clash with what exists, in words an administrator understands."""


def _check_code(code: str, what: str) -> str:
    code = (code or "").strip()
    if not code or len(code) > 32 or not set(code) <= CODE_CHARS:
        raise OrganisationError(
            f"Kode {what} harus 1–32 karakter: huruf, angka, '-', '_' atau '.'."
        )
    return code


def _check_name(name: str, what: str, limit: int = 200) -> str:
    name = (name or "").strip()
    if not name or len(name) > limit:
        raise OrganisationError(f"Nama {what} wajib diisi, paling panjang {limit} karakter.")
    return name


def department_by_code(session: Session, code: str) -> Department:
    found = session.scalars(select(Department).where(Department.code == code)).first()
    if found is None:
        raise OrganisationError(f"Dinas '{code}' tidak ditemukan.")
    return found


def unit_by_code(session: Session, code: str) -> Unit:
    found = session.scalars(select(Unit).where(Unit.code == code)).first()
    if found is None:
        raise OrganisationError(f"Unit '{code}' tidak ditemukan.")
    return found


def counter_by_code(session: Session, code: str) -> Counter:
    found = session.scalars(select(Counter).where(Counter.code == code)).first()
    if found is None:
        raise OrganisationError(f"Loket '{code}' tidak ditemukan.")
    return found


def officer_by_identifier(session: Session, identifier: str) -> Officer:
    """By NIP (spaces allowed) or, for officers without one, their employee id."""
    nip = normalise(identifier)
    found = session.scalars(
        select(Officer).where(or_(Officer.nip == nip, Officer.employee_id == identifier.strip()))
    ).first()
    if found is None:
        raise OrganisationError(f"Petugas '{identifier}' tidak ditemukan.")
    return found


def add_department(session: Session, code: str, name: str) -> Department:
    code = _check_code(code, "dinas")
    if session.scalars(select(Department).where(Department.code == code)).first():
        raise OrganisationError(f"Dinas '{code}' sudah ada.")
    department = Department(code=code, name=_check_name(name, "dinas"))
    session.add(department)
    session.flush()
    return department


def add_unit(
    session: Session,
    code: str,
    name: str,
    department_code: str,
    timezone: str = "Asia/Jakarta",
    annual_population: int | None = None,
) -> Unit:
    code = _check_code(code, "unit")
    if session.scalars(select(Unit).where(Unit.code == code)).first():
        raise OrganisationError(f"Unit '{code}' sudah ada.")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise OrganisationError(f"Zona waktu '{timezone}' tidak dikenal (mis. Asia/Jakarta, "
                                "Asia/Makassar, Asia/Jayapura).") from None
    if annual_population is not None and annual_population < 1:
        raise OrganisationError("Populasi tahunan harus bilangan positif.")
    unit = Unit(
        code=code,
        name=_check_name(name, "unit"),
        department=department_by_code(session, department_code),
        timezone=timezone,
        annual_population=annual_population,
    )
    session.add(unit)
    session.flush()
    return unit


def add_counter(session: Session, code: str, label: str, unit_code: str) -> Counter:
    code = _check_code(code, "loket")
    if session.scalars(select(Counter).where(Counter.code == code)).first():
        raise OrganisationError(f"Loket '{code}' sudah ada.")
    counter = Counter(code=code, label=_check_name(label, "loket", 120),
                      unit=unit_by_code(session, unit_code))
    session.add(counter)
    session.flush()
    return counter


def add_officer(
    session: Session,
    identifier: str,
    name: str,
    unit_code: str,
    *,
    has_nip: bool = True,
    position: str | None = None,
) -> Officer:
    """A PNS by NIP, or (``has_nip=False``) a PPPK or honorer by another employee id."""
    if has_nip:
        try:
            nip = validate_nip(identifier)
        except InvalidNIP as exc:
            raise OrganisationError(f"{exc} Untuk petugas tanpa NIP, pakai --no-nip.") from None
        employee_id = None
        if session.scalars(select(Officer).where(Officer.nip == nip)).first():
            raise OrganisationError(f"Petugas dengan NIP {nip} sudah ada.")
    else:
        nip = None
        employee_id = _check_code(identifier, "pegawai")
        if session.scalars(select(Officer).where(Officer.employee_id == employee_id)).first():
            raise OrganisationError(f"Petugas dengan id {employee_id} sudah ada.")
    officer = Officer(
        nip=nip,
        employee_id=employee_id,
        name=_check_name(name, "petugas"),
        unit=unit_by_code(session, unit_code),
        position=(position or "").strip() or None,
    )
    session.add(officer)
    session.flush()
    return officer


@dataclass
class ImportResult:
    created: list[Officer] = field(default_factory=list)
    updated: list[Officer] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def import_officers(session: Session, text: str) -> ImportResult:
    """CSV with a header: ``nip,name,unit`` and optionally ``employee_id,position,active``.

    Existing officers (same NIP or employee id) are updated, new ones created. Rows with
    errors are reported by line and nothing is written when any row is wrong, so a half
    import never happens."""
    result = ImportResult()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = {h.strip().lower() for h in (reader.fieldnames or [])}
    if not {"name", "unit"} <= header or not ({"nip", "employee_id"} & header):
        raise OrganisationError("CSV harus punya kolom: nip (atau employee_id), name, unit.")
    for line, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            with session.begin_nested():
                identifier = row.get("nip") or row.get("employee_id") or ""
                has_nip = bool(row.get("nip"))
                existing = None
                if identifier:
                    try:
                        existing = officer_by_identifier(session, identifier)
                    except OrganisationError:
                        existing = None
                if existing is not None:
                    existing.name = _check_name(row.get("name", ""), "petugas")
                    existing.unit = unit_by_code(session, row.get("unit", ""))
                    existing.position = row.get("position") or existing.position
                    if row.get("active"):
                        existing.active = row["active"].lower() in TRUE_CELLS
                    result.updated.append(existing)
                else:
                    result.created.append(
                        add_officer(session, identifier, row.get("name", ""), row.get("unit", ""),
                                    has_nip=has_nip, position=row.get("position"))
                    )
                session.flush()
        except OrganisationError as exc:
            result.errors.append(f"baris {line}: {exc}")
    return result


def open_shift(session: Session, officer: Officer) -> Shift | None:
    return session.scalars(
        select(Shift).where(Shift.officer_id == officer.id, Shift.ended_at.is_(None))
    ).first()


def start_shift(
    session: Session,
    officer: Officer,
    counter: Counter,
    now: datetime | None = None,
    kiosk_device_id: int | None = None,
) -> Shift:
    """Sign an officer in to a counter. An officer serves at one counter at a time, and a
    counter has one officer at a time: open shifts in the way are closed ('replaced')."""
    now = now or utcnow()
    if not officer.active:
        raise OrganisationError(f"Petugas {officer.name} tidak aktif.")
    if not counter.active:
        raise OrganisationError(f"Loket {counter.code} tidak aktif.")
    if counter.unit_id != officer.unit_id:
        raise OrganisationError(
            f"Petugas {officer.name} bukan pegawai unit loket {counter.code}."
        )
    for shift in session.scalars(
        select(Shift).where(
            Shift.ended_at.is_(None),
            or_(Shift.officer_id == officer.id, Shift.counter_id == counter.id),
        )
    ):
        shift.ended_at = max(now, shift.started_at)
        shift.end_reason = "replaced"
    shift = Shift(officer=officer, counter=counter, started_at=now,
                  kiosk_device_id=kiosk_device_id)
    session.add(shift)
    session.flush()
    return shift


def end_shift(
    session: Session, officer: Officer, now: datetime | None = None, reason: str = "sign-out"
) -> Shift:
    shift = open_shift(session, officer)
    if shift is None:
        raise OrganisationError(f"Petugas {officer.name} sedang tidak bertugas di loket mana pun.")
    shift.ended_at = max(now or utcnow(), shift.started_at)
    shift.end_reason = reason
    session.flush()
    return shift
