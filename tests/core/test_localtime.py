"""Time is stored in UTC and read in the unit's own zone: the local day of a moment."""

from datetime import UTC, date, datetime

from core.localtime import local_day, local_today, user_zone


def test_the_same_utc_moment_is_a_different_day_in_wib_and_wit():
    # 16:30 UTC is 23:30 in Jakarta (UTC+7) and already 01:30 the next day in Jayapura (UTC+9).
    moment = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    assert local_day(moment, "Asia/Jakarta") == date(2026, 3, 2)
    assert local_day(moment, "Asia/Makassar") == date(2026, 3, 3)
    assert local_day(moment, "Asia/Jayapura") == date(2026, 3, 3)


def test_today_is_the_local_day_of_now():
    now = datetime(2026, 12, 31, 20, 0, tzinfo=UTC)
    assert local_today("Asia/Jakarta", now) == date(2027, 1, 1)
    assert local_today("UTC", now) == date(2026, 12, 31)


def test_a_user_works_in_their_units_zone_else_the_deployments(db_session, factory):
    unit = factory.unit(timezone="Asia/Makassar")
    supervisor = factory.user(role="supervisor", unit=unit)
    admin = factory.user(role="admin")
    assert user_zone(db_session, supervisor, "Asia/Jakarta") == "Asia/Makassar"
    assert user_zone(db_session, admin, "Asia/Jakarta") == "Asia/Jakarta"
    assert user_zone(db_session, None, "Asia/Jayapura") == "Asia/Jayapura"
