"""The organisation: departments (dinas), service units, counters (loket), officers (petugas),
shifts, user accounts, holidays and the audit log. One declarative ``Base`` for every area."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite stores no offset of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store aware UTC datetimes")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), date: Date(), dict: JSON()}


class Department(Base):
    """A dinas or badan (OPD)."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    units: Mapped[list[Unit]] = relationship(back_populates="department", order_by="Unit.code")


class Unit(Base):
    """A service unit (UPT, puskesmas, a booth in a Mal Pelayanan Publik…)."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    # IANA zone: Asia/Jakarta (WIB), Asia/Makassar (WITA), Asia/Jayapura (WIT).
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Jakarta")
    # {"1": [["08:00", "16:00"]], …} by ISO weekday; None means the deployment's default.
    service_hours: Mapped[dict | None]
    # Service recipients a year, for the Krejcie–Morgan minimum sample.
    annual_population: Mapped[int | None]
    published: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department] = relationship(back_populates="units")
    counters: Mapped[list[Counter]] = relationship(back_populates="unit", order_by="Counter.code")
    officers: Mapped[list[Officer]] = relationship(back_populates="unit", order_by="Officer.name")


class Counter(Base):
    """A loket: one place where citizens are served."""

    __tablename__ = "counter"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    unit: Mapped[Unit] = relationship(back_populates="counters")


class Officer(Base):
    """A petugas (ASN: PNS or PPPK, or honorer). PNS have an 18-digit NIP; others an own id."""

    __tablename__ = "officer"
    __table_args__ = (
        CheckConstraint("nip IS NOT NULL OR employee_id IS NOT NULL", name="has_identifier"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)
    employee_id: Mapped[str | None] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str | None] = mapped_column(String(120))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    photo_path: Mapped[str | None] = mapped_column(String(255))

    unit: Mapped[Unit] = relationship(back_populates="officers")

    @property
    def identifier(self) -> str:
        return self.nip or self.employee_id or ""


class Shift(Base):
    """An officer signed in to a counter from ``started_at`` until ``ended_at``."""

    __tablename__ = "shift"
    __table_args__ = (
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        Index("ix_shift_counter_started", "counter_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    counter_id: Mapped[int] = mapped_column(ForeignKey("counter.id"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    # How it ended: "sign-out", "service-hours" (closed automatically), "cli", "replaced".
    end_reason: Mapped[str | None] = mapped_column(String(20))
    kiosk_device_id: Mapped[int | None] = mapped_column(ForeignKey("kiosk_device.id"))

    officer: Mapped[Officer] = relationship()
    counter: Mapped[Counter] = relationship()


class Role(enum.StrEnum):
    ADMIN = "admin"
    HEAD = "head"  # kepala dinas: a department
    SUPERVISOR = "supervisor"  # kepala unit / atasan langsung: a unit
    OFFICER = "officer"  # their own component


class User(Base):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            "role IN ('admin', 'head', 'supervisor', 'officer')", name="known_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    # Part of every session's id (core/auth.py): raising it ends every session of the
    # account at its next request (sign-out, deactivation, a new password).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Department | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    officer: Mapped[Officer | None] = relationship()


class Holiday(Base):
    """A national holiday or cuti bersama day; loaded per year by an administrator."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    """Who did what to what, for administrative actions."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(80))
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict | None]


__all__ = [
    "AuditEntry",
    "Base",
    "Counter",
    "Department",
    "Holiday",
    "Officer",
    "Role",
    "Shift",
    "Unit",
    "User",
    "utcnow",
]
