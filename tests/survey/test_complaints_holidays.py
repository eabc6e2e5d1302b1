"""Holidays an administrator loads per year (`flask holiday …`) move complaint due dates."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from core.models import Holiday
from survey.schema import parse_rating
from survey.services import Origin, record_rating
from tests.support.factories import DEFAULT_RULES, at


def complaint_on(db_session, unit, when):
    data = parse_rating({"id": str(uuid.uuid4()), "answers": {"U3": 1},
                         "comment": {"kind": "complaint", "text": "Lama", "category": "antrean"}},
                        require_token=False)
    rating, _ = record_rating(db_session, data, Origin(channel="qr", unit=unit), DEFAULT_RULES,
                              now=when)
    return rating.comment


def holidays(db_session):
    return {h.day: h.name for h in db_session.scalars(select(Holiday))}


def test_holiday_load_reads_a_years_csv_and_moves_due_dates(runner, db_session, factory,
                                                            tmp_path, app_context):
    csv_file = tmp_path / "libur-2026.csv"
    csv_file.write_text("tanggal,nama\n2026-03-19,Hari Suci Nyepi\n2026-03-20,Idul Fitri\n"
                        "2026-03-23,Cuti bersama Idul Fitri\n", encoding="utf-8")
    result = runner.invoke(args=["holiday", "load", str(csv_file)])
    assert result.exit_code == 0, result.output
    assert "3 hari libur" in result.output
    assert holidays(db_session)[date(2026, 3, 20)] == "Idul Fitri"
    comment = complaint_on(db_session, factory.unit(), at(2026, 3, 12, 10, 0))
    assert comment.due_on == date(2026, 3, 24)


def test_holiday_load_is_all_or_nothing(runner, db_session, tmp_path):
    csv_file = tmp_path / "libur.csv"
    csv_file.write_text("2026-05-01,Hari Buruh\n2026-13-40,Salah\n2026-05-14\n", encoding="utf-8")
    result = runner.invoke(args=["holiday", "load", str(csv_file)])
    assert result.exit_code != 0
    assert "baris 2" in result.output and "baris 3" in result.output
    assert date(2026, 5, 1) not in holidays(db_session)


def test_holiday_add_list_and_remove(runner, db_session):
    assert runner.invoke(args=["holiday", "add", "2026-08-17", "Hari Kemerdekaan"]).exit_code == 0
    assert runner.invoke(args=["holiday", "add", "2026-08-17", "HUT RI ke-81"]).exit_code == 0
    listing = runner.invoke(args=["holiday", "list", "--year", "2026"])
    assert "2026-08-17\tHUT RI ke-81" in listing.output
    assert runner.invoke(args=["holiday", "remove", "2026-08-17"]).exit_code == 0
    assert date(2026, 8, 17) not in holidays(db_session)
    assert runner.invoke(args=["holiday", "add", "17-08-2026", "x"]).exit_code != 0
    assert runner.invoke(args=["holiday", "remove", "2026-08-18"]).exit_code != 0
