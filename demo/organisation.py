"""The demo's organisation: departments, units, counters, officers with their QR codes, the
two tablets, four months of shifts, and one account for every role."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.auth import hash_password
from core.models import Counter, Department, Officer, Role, Shift, Unit, User
from core.nip import validate_nip
from core.workdays import holidays_between
from demo.city import DEPARTMENTS, KIOSKS, PASSWORD, UNITS, USERS, UnitSpec, minute_of_day
from kiosk.models import KioskDevice
from survey.services import current_code


class OrganisationSteps:
    """The builder's steps that make the organisation (``demo.Builder`` holds the state)."""

    def _organisation(self) -> None:
        session = self.session
        departments = {}
        for code, name in DEPARTMENTS:
            departments[code] = Department(code=code, name=name)
            session.add(departments[code])
        for spec in UNITS:
            unit = Unit(code=spec.code, name=spec.name, department=departments[spec.department],
                        timezone=spec.timezone, service_hours=spec.hours,
                        annual_population=spec.population)
            session.add(unit)
            self.units[spec.code] = unit
            for code, label, _volume in spec.counters:
                counter = Counter(code=code, label=label, unit=unit)
                session.add(counter)
                self.counters[code] = counter
            for officer in spec.officers:
                nip = validate_nip(officer.nip) if officer.nip else None
                row = Officer(nip=nip, employee_id=officer.employee_id, name=officer.name,
                              position=officer.position, unit=unit)
                session.add(row)
                self.officers[officer.name] = row
        session.flush()
        for counter in self.counters.values():
            self.codes[counter.id] = current_code(session, counter=counter).id
        for code, name in KIOSKS.items():
            counter = self.counters[code]
            # The hash of a credential nobody holds: the demo's tablets are history only, and
            # a real tablet is paired afresh (kiosk pairing) before it can send anything.
            unused = hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()
            self.kiosks[counter.id] = KioskDevice(
                counter_id=counter.id, name=name, credential_hash=unused,
                created_at=self.now - timedelta(days=self.days + 7), last_seen_at=self.now)
            session.add(self.kiosks[counter.id])
        session.flush()
        self.result.units = len(self.units)
        self.result.officers = len(self.officers)

    # shifts -------------------------------------------------------------------------------

    def _open_days(self, spec: UnitSpec) -> list[date]:
        zone = ZoneInfo(spec.timezone)
        today = self.now.astimezone(zone).date()
        start = today - timedelta(days=self.days)
        closed = holidays_between(self.session, start, today)
        return [
            start + timedelta(days=n)
            for n in range(self.days + 1)
            if str((start + timedelta(days=n)).isoweekday()) in spec.hours
            and start + timedelta(days=n) not in closed
            and (start + timedelta(days=n)).strftime("%m-%d") != "08-17"  # Hari Kemerdekaan
        ]

    def _local(self, spec: UnitSpec, day: date, minute: int) -> datetime:
        local = datetime.combine(day, time(minute // 60, minute % 60), ZoneInfo(spec.timezone))
        return local.astimezone(UTC)

    def _shifts(self) -> list[tuple[UnitSpec, date, Counter, Shift | None, float]]:
        """One shift per counter and open day (the officers rotate); now and then an officer
        forgot to sign in, and those ratings belong to the unit only."""
        plan = []
        rng = self.rng
        for spec in UNITS:
            days = self._open_days(spec)
            regular = [o for o in spec.officers if o.role == "regular"]
            new = [o for o in spec.officers if o.role.startswith("new:")]
            relief = [o for o in spec.officers if o.role.startswith("relief:")]
            relief_days = set()
            for officer in relief:
                count = int(officer.role.split(":")[1])
                relief_days |= set(rng.sample(days[-40:-5], count))
            for index, day in enumerate(days):
                roster = list(regular)
                for officer in new:
                    if index >= len(days) - int(officer.role.split(":")[1]):
                        roster.insert(0, officer)
                intervals = spec.hours[str(day.isoweekday())]
                opens, closes = minute_of_day(intervals[0][0]), minute_of_day(intervals[-1][1])
                for position, (code, _label, _volume) in enumerate(spec.counters):
                    counter = self.counters[code]
                    officer_spec = roster[(index + position) % len(roster)]
                    if position == len(spec.counters) - 1 and day in relief_days and relief:
                        officer_spec = relief[0]
                    shift = None
                    if rng.random() > 0.05:
                        started = self._local(spec, day, opens - rng.randint(2, 15))
                        ended = self._local(spec, day, closes + rng.randint(0, 20))
                        if started > self.now:
                            continue
                        # Where a tablet stands, officers sign in on it.
                        kiosk = self.kiosks.get(counter.id)
                        shift = Shift(officer=self.officers[officer_spec.name], counter=counter,
                                      started_at=started,
                                      ended_at=ended if ended <= self.now else None,
                                      end_reason="sign-out" if ended <= self.now else None,
                                      kiosk_device_id=kiosk.id if kiosk else None)
                        self.session.add(shift)
                    plan.append((spec, day, counter, shift, officer_spec.skill))
        self.session.flush()
        self.result.shifts = sum(1 for *_, shift, _skill in plan if shift is not None)
        return plan

    # ratings ------------------------------------------------------------------------------


    def _handler(self, unit_id: int) -> int | None:
        """Who follows a unit's complaints up: its supervisor, else the department's head,
        else the administrator (whichever demo accounts exist)."""
        users = self.session.scalars(select(User).where(User.username.in_(
            [username for username, *_ in USERS]))).all()
        unit = next(u for u in self.units.values() if u.id == unit_id)
        for user in users:
            if user.role == Role.SUPERVISOR.value and user.unit_id == unit_id:
                return user.id
        for user in users:
            if user.role == Role.HEAD.value and user.department_id == unit.department_id:
                return user.id
        return next((user.id for user in users if user.role == Role.ADMIN.value), None)


    def _users(self) -> None:
        session = self.session
        existing = set(session.scalars(select(User.username)))
        departments = {d.code: d for d in session.scalars(select(Department))}
        for username, display, role, department, unit, officer in USERS:
            if username in existing:
                continue
            session.add(User(
                username=username, display_name=display, role=role.value,
                password_hash=hash_password(PASSWORD),
                department_id=departments[department].id if department else None,
                unit_id=self.units[unit].id if unit else None,
                officer_id=self.officers[officer].id if officer else None,
            ))
            self.result.users.append(username)
        session.flush()
