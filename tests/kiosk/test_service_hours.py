"""Shifts left open close by themselves at the end of the unit's service day, in the unit's
own time zone; the Friday prayer break does not end them."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.models import Shift, utcnow
from core.settings import DEFAULT_SERVICE_HOURS
from kiosk import services
from tests.support.factories import at


def close(db_session, now):
    """Close what has ended by ``now``, with the default settings' hours for units without
    their own (what the kiosk view and ``flask shift close-expired`` pass)."""
    return services.close_shifts_after_hours(db_session, now, default_hours=DEFAULT_SERVICE_HOURS)


# 2026-11-27 is a Friday, 2026-11-26 a Thursday, 2026-11-28 a Saturday.
FRIDAY, THURSDAY, SATURDAY = (2026, 11, 27), (2026, 11, 26), (2026, 11, 28)


def open_shift_at(factory, unit, started_at):
    return factory.shift(counter=factory.counter(unit=unit), started_at=started_at)


def test_an_open_shift_closes_at_the_end_of_service_hours(db_session, factory):
    unit = factory.unit()
    shift = open_shift_at(factory, unit, at(*THURSDAY, 8, 5))

    assert close(db_session, at(*THURSDAY, 15, 59)) == []
    closed = close(db_session, at(*THURSDAY, 18, 30))

    assert closed == [shift]
    assert shift.ended_at == at(*THURSDAY, 16, 0)
    assert shift.end_reason == "service-hours"


def test_the_friday_prayer_break_does_not_end_a_shift(db_session, factory):
    shift = open_shift_at(factory, factory.unit(), at(*FRIDAY, 8, 0))

    assert close(db_session, at(*FRIDAY, 12, 15)) == []
    assert shift.ended_at is None
    close(db_session, at(*FRIDAY, 16, 1))
    assert shift.ended_at == at(*FRIDAY, 16, 0)


def test_a_shift_begun_after_the_prayer_break_closes_at_the_end_of_friday(db_session, factory):
    shift = open_shift_at(factory, factory.unit(), at(*FRIDAY, 13, 5))
    close(db_session, at(*FRIDAY, 20, 0))
    assert shift.ended_at == at(*FRIDAY, 16, 0)


def test_a_wita_unit_closes_at_its_own_four_oclock(db_session, factory):
    wita = factory.unit(timezone="Asia/Makassar")
    wib = factory.unit(timezone="Asia/Jakarta")
    in_makassar = open_shift_at(factory, wita, at(*THURSDAY, 8, 0, zone="Asia/Makassar"))
    in_jakarta = open_shift_at(factory, wib, at(*THURSDAY, 8, 0))

    # 16:30 WITA is 15:30 WIB: Makassar has closed, Jakarta has not.
    moment = at(*THURSDAY, 16, 30, zone="Asia/Makassar")
    closed = close(db_session, moment)

    assert closed == [in_makassar]
    assert in_makassar.ended_at == at(*THURSDAY, 16, 0, zone="Asia/Makassar")
    assert in_makassar.ended_at == at(*THURSDAY, 15, 0)  # one hour ahead of WIB
    assert in_jakarta.ended_at is None


def test_a_units_own_hours_win_over_the_default(db_session, factory):
    unit = factory.unit(service_hours={"6": [["08:00", "12:00"]]})
    shift = open_shift_at(factory, unit, at(*SATURDAY, 8, 30))
    close(db_session, at(*SATURDAY, 12, 30))
    assert shift.ended_at == at(*SATURDAY, 12, 0)


def test_a_shift_begun_after_closing_time_ends_at_midnight(db_session, factory):
    shift = open_shift_at(factory, factory.unit(), at(*THURSDAY, 17, 0))

    assert close(db_session, at(*THURSDAY, 23, 0)) == []
    close(db_session, at(2026, 11, 27, 0, 30))

    assert shift.ended_at == at(*FRIDAY, 0, 0)


def test_a_signed_out_shift_is_left_alone(db_session, factory):
    shift = factory.shift(started_at=at(*THURSDAY, 8, 0), ended_at=at(*THURSDAY, 11, 0),
                          end_reason="sign-out")
    close(db_session, at(*FRIDAY, 9, 0))
    assert (shift.ended_at, shift.end_reason) == (at(*THURSDAY, 11, 0), "sign-out")


def test_the_close_expired_command_closes_and_reports(runner, factory, db_session):
    officer = factory.officer(name="Siti Aminah")
    shift = factory.shift(officer=officer, started_at=utcnow() - timedelta(days=2))

    result = runner.invoke(args=["shift", "close-expired"])

    assert result.exit_code == 0, result.output
    assert "Siti Aminah" in result.output and "1 tugas ditutup" in result.output
    db_session.refresh(shift)
    assert shift.end_reason == "service-hours"


def test_a_tablet_request_closes_yesterdays_shift_before_anything_else(
    client, tablet, factory, db_session,
):
    shift = factory.shift(counter=tablet.counter, started_at=utcnow() - timedelta(days=1, hours=1))

    state = client.post("/kiosk/api/heartbeat", json={}, headers=tablet.headers).get_json()

    assert state["officer"] is None
    db_session.refresh(shift)
    assert shift.end_reason == "service-hours" and shift.ended_at <= utcnow()
    assert db_session.scalars(select(Shift).where(Shift.ended_at.is_(None))).first() is None
