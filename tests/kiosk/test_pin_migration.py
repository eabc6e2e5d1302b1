"""Migration 0015 moves officers' PINs, wrong tries and locks from core's officer table to the
kiosk's own kiosk_officer_pin, and back on downgrade, with shifts naming those officers."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect, text

from core.db import make_engine
from core.migrate import downgrade, upgrade
from tests.support.databases import temporary_database

LOCKED = datetime(2026, 3, 2, 9, 15, tzinfo=UTC)


def _officers_at_0013(engine) -> None:
    now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO department (id, code, name, created_at) VALUES (1, 'D', 'Dinas', :t)"),
            {"t": now})
        connection.execute(text(
            "INSERT INTO unit (id, code, name, department_id, timezone, published, created_at) "
            "VALUES (1, 'U', 'Unit', 1, 'Asia/Jakarta', true, :t)"), {"t": now})
        connection.execute(text(
            "INSERT INTO counter (id, code, label, unit_id, active) VALUES (1, 'L1', 'Loket', 1, "
            "true)"))
        for officer_id, pin_hash, failures, locked in (
            (1, "$argon2id$one", 0, None),       # a PIN
            (2, "$argon2id$two", 5, LOCKED),     # a PIN, locked after wrong tries
            (3, None, 2, None),                  # no PIN, wrong tries at it all the same
            (4, None, 0, None),                  # nothing to keep
        ):
            connection.execute(text(
                "INSERT INTO officer (id, nip, name, unit_id, active, pin_hash, pin_failures, "
                "pin_locked_until) VALUES (:id, :nip, :name, 1, true, :pin, :failures, :locked)"),
                {"id": officer_id, "nip": f"19850314201001100{officer_id}",
                 "name": f"Petugas {officer_id}", "pin": pin_hash, "failures": failures,
                 "locked": locked})
        connection.execute(text(
            "INSERT INTO shift (id, officer_id, counter_id, started_at) VALUES (1, 2, 1, :t)"),
            {"t": now})


def _moment(value):
    """SQLite hands back text or a naive datetime; PostgreSQL an aware one."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)


def test_pins_move_to_the_kiosks_table_and_back(tmp_path):
    with temporary_database(tmp_path, migrate=False) as url:
        upgrade(url, revision="0013")
        engine = make_engine(url)
        try:
            _officers_at_0013(engine)

            upgrade(url, revision="0015")
            columns = {c["name"] for c in inspect(engine).get_columns("officer")}
            assert not columns & {"pin_hash", "pin_failures", "pin_locked_until"}
            with engine.connect() as connection:
                moved = connection.execute(text(
                    "SELECT officer_id, pin_hash, failures, locked_until FROM kiosk_officer_pin "
                    "ORDER BY officer_id")).all()
                assert connection.execute(text("SELECT count(*) FROM shift")).scalar() == 1
            assert [(o, h, f, _moment(u)) for o, h, f, u in moved] == [
                (1, "$argon2id$one", 0, None),
                (2, "$argon2id$two", 5, LOCKED),
                (3, None, 2, None),
            ]

            downgrade(url, "0013")
            assert "kiosk_officer_pin" not in inspect(engine).get_table_names()
            with engine.connect() as connection:
                back = connection.execute(text(
                    "SELECT id, pin_hash, pin_failures, pin_locked_until FROM officer "
                    "ORDER BY id")).all()
            assert [(o, h, f, _moment(u)) for o, h, f, u in back] == [
                (1, "$argon2id$one", 0, None),
                (2, "$argon2id$two", 5, LOCKED),
                (3, None, 2, None),
                (4, None, 0, None),
            ]
        finally:
            engine.dispose()
