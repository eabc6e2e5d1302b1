"""Paper questionnaires entered with `flask ratings import FILE.csv`: all or nothing,
idempotent by id, channel "paper", counted like every other rating, never judged for bursts
or service hours, audited with who and when, a bad row reported by line and column."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from analytics import ikm_read, officers_read, periods
from analytics.models import DailyAggregate
from analytics.settings import DEFAULTS
from core.models import AuditEntry
from survey.models import Comment, Rating
from survey.services import active_questionnaire
from tests.support.factories import at, fold

MARCH = periods.Period(date(2026, 3, 1), date(2026, 3, 31))
HEADER = ("id,unit,counter,officer,date,time,U1,U2,U3,U4,U5,U6,U7,U8,U9,"
          "comment_kind,comment,category")


@pytest.fixture
def office(factory):
    unit = factory.unit(code="KEC-LAMA", name="Kecamatan Lama")
    counter = factory.counter(unit=unit, code="KL-1")
    officer = factory.officer(unit=unit, name="Rina Wulandari")
    return unit, counter, officer


def row(unit="KEC-LAMA", counter="", officer="", day="2026-03-08", time="", answers="4" * 9,
        kind="", comment="", category="", rating_id=None):
    values = ",".join(answers) if len(answers) == 9 else answers
    return (f"{rating_id or uuid.uuid4()},{unit},{counter},{officer},{day},{time},{values},"
            f"{kind},{comment},{category}")


def write(tmp_path, *rows, name="kertas.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def count(db_session, **where):
    query = select(func.count()).select_from(Rating)
    for key, value in where.items():
        query = query.where(getattr(Rating, key) == value)
    return db_session.scalar(query)


def test_paper_forms_count_like_every_other_rating_and_every_report_says_how_many(
        runner, db_session, office, tmp_path, client):
    unit, _counter, officer = office
    unit.published = True
    # A Sunday, 25 forms at one moment: a kiosk would be flagged twice over; paper is not.
    rows = [row(officer=officer.nip, time="10:00", answers="333433334") for _ in range(25)]
    rows.append(row(answers="2,2,2,2,,2,2,2,2", kind="complaint", comment="Antrean lama",
                    category="antrean"))
    result = runner.invoke(args=["ratings", "import", str(write(tmp_path, *rows)),
                                 "--by", "Budi (staf TU)"])
    assert result.exit_code == 0, result.output
    assert "26 penilaian kertas disimpan (KEC-LAMA: 26)" in result.output
    fold(db_session)  # stored raw, like every rating; the fold counts them and never flags
    stored = list(db_session.scalars(select(Rating).where(Rating.unit_id == unit.id)))
    assert len(stored) == 26 and {r.channel for r in stored} == {"paper"}
    assert not any(r.flags for r in stored)
    assert sum(r.officer_id == officer.id for r in stored) == 25
    assert {r.service_day for r in stored} == {date(2026, 3, 8)}
    assert {r.questionnaire_id for r in stored} == {active_questionnaire(db_session).id}
    (complaint,) = db_session.scalars(select(Comment).where(Comment.unit_id == unit.id))
    assert (complaint.kind, complaint.category, complaint.element, complaint.status) == (
        "complaint", "antrean", "U3", "baru")

    ikm = ikm_read.unit_ikm(db_session, unit, MARCH)
    assert (ikm.result.respondents, ikm.paper, ikm.flagged_excluded) == (26, 26, 0)
    body = client.get("/api/v1/units/KEC-LAMA/ikm?from=2026-03-01&to=2026-03-31").json
    assert body["paper_ratings"] == 26 and body["respondents"] == 26
    cli = runner.invoke(args=["ikm", "KEC-LAMA", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert "Penilaian dari kuesioner kertas (ikut dihitung): 26" in cli.output
    score = officers_read.officer_component(db_session, officer, MARCH, DEFAULTS,
                                            evidence=False).score
    assert (score.n, score.days, score.reference_n) == (25, 1, 1)

    entry = db_session.scalars(select(AuditEntry).where(
        AuditEntry.action == "rating.paper_import")).one()
    assert entry.actor == "cli:Budi (staf TU)" and entry.target == "kertas.csv"
    assert entry.detail["created"] == 26 and entry.at is not None and entry.detail["at"]


def test_importing_the_same_file_again_stores_nothing_twice(runner, db_session, office,
                                                            tmp_path):
    unit, _counter, _officer = office
    path = write(tmp_path, row(), row(answers="333333333"))
    assert runner.invoke(args=["ratings", "import", str(path), "--by", "staf"]).exit_code == 0
    again = runner.invoke(args=["ratings", "import", str(path), "--by", "staf"])
    assert again.exit_code == 0, again.output
    assert "0 penilaian kertas disimpan; 2 sudah ada sebelumnya" in again.output
    assert count(db_session, unit_id=unit.id) == 2
    fold(db_session)
    ratings = db_session.scalar(select(func.sum(DailyAggregate.ratings))
                                .where(DailyAggregate.unit_id == unit.id))
    assert ratings == 2


def test_a_bad_row_is_reported_by_line_and_column_and_nothing_is_stored(
        runner, db_session, office, tmp_path):
    unit, _counter, _officer = office
    path = write(tmp_path, row(), row(answers="3,3,5,3,3,3,3,3,3"), row(day="2026-13-01"),
                 row(unit="TIDAK-ADA"), row(kind="complaint", comment="Lama"),
                 row(counter="KL-9"))
    result = runner.invoke(args=["ratings", "import", str(path), "--by", "staf"])
    assert result.exit_code != 0
    output = result.output
    assert "baris 3, kolom U3: harus 1, 2, 3, 4 atau kosong" in output
    assert "baris 4, kolom date: harus berformat YYYY-MM-DD" in output
    assert "baris 5, kolom unit: unit 'TIDAK-ADA' tidak dikenal" in output
    assert "baris 6, kolom category:" in output
    assert "baris 7, kolom counter: loket 'KL-9' tidak dikenal" in output
    assert "5 kesalahan; tidak ada penilaian yang disimpan." in output
    assert count(db_session, unit_id=unit.id) == 0
    assert db_session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "rating.paper_import")) == 0


def test_an_id_already_used_by_another_rating_is_refused(runner, db_session, office, factory,
                                                         tmp_path):
    unit, _counter, _officer = office
    taken = factory.rating(unit=unit)
    path = write(tmp_path, row(rating_id=taken.id))
    result = runner.invoke(args=["ratings", "import", str(path), "--by", "staf"])
    assert result.exit_code != 0
    assert "baris 2, kolom id: sudah dipakai oleh penilaian lain" in result.output
    missing = tmp_path / "tanpa-tanggal.csv"
    missing.write_text("id,unit\n", encoding="utf-8")
    result = runner.invoke(args=["ratings", "import", str(missing), "--by", "staf"])
    assert "baris 1: kolom wajib tidak ada: date" in result.output


def test_a_form_with_counter_and_time_goes_to_whoever_was_signed_in_then(
        runner, db_session, office, factory, tmp_path):
    unit, counter, officer = office
    shift = factory.shift(officer=officer, counter=counter, started_at=at(2026, 3, 9, 8),
                          ended_at=at(2026, 3, 9, 12))
    path = write(tmp_path, row(counter="KL-1", day="2026-03-09", time="09:30"),
                 row(counter="KL-1", day="2026-03-09", time="13:30"),
                 row(counter="KL-1", day="2026-03-09"))
    assert runner.invoke(args=["ratings", "import", str(path), "--by", "staf"]).exit_code == 0
    stored = sorted(db_session.scalars(select(Rating).where(Rating.unit_id == unit.id)),
                    key=lambda r: r.submitted_at)
    # 09:30 in the shift; 12:00 (no time on the form: noon, never attributed) and 13:30 not.
    assert [(r.officer_id, r.shift_id) for r in stored] == [
        (officer.id, shift.id), (None, None), (None, None)]
    assert all(r.counter_id == counter.id for r in stored)


def test_the_import_command_explains_itself_and_needs_to_know_who_entered_the_forms(
        runner, tmp_path):
    help_text = runner.invoke(args=["ratings", "import", "--help"]).output
    assert "Usage" in help_text and "--by" in help_text and "comment_kind" in help_text
    result = runner.invoke(args=["ratings", "import", str(write(tmp_path, row()))])
    assert result.exit_code != 0 and "--by" in result.output
