"""``flask --app wsgi <noun> <verb>``: the organisation and survey links from the command line.
Scripts call these names, so their arguments, output and exit codes are part of the contract."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from core.models import Counter, Department, Officer, Shift, Unit
from survey.models import QrCode
from survey.services import current_code, survey_url
from tests.conftest import TEST_SECRET

NIP = "198503142010012003"


def ok(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code == 0, result.output
    return result.output


def refused(runner, *args, input=None):
    result = runner.invoke(args=list(args), input=input)
    assert result.exit_code != 0, result.output
    return result.output


@pytest.fixture
def organisation(runner):
    ok(runner, "department", "add", "DINKES", "Dinas Kesehatan")
    ok(runner, "unit", "add", "PKM-1", "Puskesmas Suka Maju", "--department", "DINKES")
    ok(runner, "counter", "add", "PKM-1-A", "Loket Pendaftaran", "--unit", "PKM-1")
    ok(runner, "officer", "add", NIP, "Siti Rahmawati", "--unit", "PKM-1")


def test_a_department_unit_counter_and_officer_added_from_the_command_line(
        runner, db_session, organisation):
    unit = db_session.scalars(select(Unit).where(Unit.code == "PKM-1")).one()
    assert unit.department.name == "Dinas Kesehatan"
    assert unit.timezone == "Asia/Jakarta"
    assert [c.label for c in unit.counters] == ["Loket Pendaftaran"]
    assert [o.nip for o in unit.officers] == [NIP]


def test_a_unit_in_wita_with_its_population(runner, db_session, organisation):
    ok(runner, "unit", "add", "KEL-PM", "Kelurahan Pulau Maju", "--department", "DINKES",
       "--timezone", "Asia/Makassar", "--population", "4000")
    unit = db_session.scalars(select(Unit).where(Unit.code == "KEL-PM")).one()
    assert (unit.timezone, unit.annual_population) == ("Asia/Makassar", 4000)


def test_an_unknown_time_zone_is_refused(runner, organisation, db_session):
    output = refused(runner, "unit", "add", "X", "X", "--department", "DINKES",
                     "--timezone", "Asia/Bandung")
    assert "Zona waktu" in output
    assert db_session.scalars(select(Unit).where(Unit.code == "X")).first() is None


def test_a_duplicate_code_is_refused_with_a_clear_message(runner, organisation, db_session):
    assert "sudah ada" in refused(runner, "department", "add", "DINKES", "Dinas Lain")
    assert "sudah ada" in refused(runner, "counter", "add", "PKM-1-A", "Loket", "--unit", "PKM-1")
    assert db_session.scalars(select(Department).where(Department.name == "Dinas Lain")).first() \
        is None


def test_a_unit_for_a_missing_department_is_refused(runner):
    assert "tidak ditemukan" in refused(runner, "unit", "add", "U", "Unit", "--department", "NOPE")


def test_an_officer_with_an_invalid_nip_is_refused_and_told_about_no_nip(runner, organisation):
    output = refused(runner, "officer", "add", "198513142010012003", "Salah Tanggal",
                     "--unit", "PKM-1")
    assert "tanggal lahir" in output and "--no-nip" in output


def test_an_honorer_without_a_nip_is_added_by_another_id(runner, db_session, organisation):
    ok(runner, "officer", "add", "HNR-017", "Eko Prasetyo", "--unit", "PKM-1", "--no-nip",
       "--position", "Tenaga Honorer")
    officer = db_session.scalars(select(Officer).where(Officer.employee_id == "HNR-017")).one()
    assert officer.nip is None and officer.position == "Tenaga Honorer"


def test_officer_import_adds_and_updates_all_or_nothing(runner, db_session, organisation,
                                                        tmp_path):
    good = tmp_path / "petugas.csv"
    good.write_text("nip,name,unit,position\n"
                    f"{NIP},Siti Rahmawati A.Md.Keb.,PKM-1,Bidan\n"
                    "199004022016032002,Lestari Anggraini,PKM-1,Bidan\n", encoding="utf-8")
    assert "1 petugas baru, 1 diperbarui" in ok(runner, "officer", "import", str(good))
    assert db_session.scalars(select(Officer).where(Officer.nip == NIP)).one().position == "Bidan"

    bad = tmp_path / "salah.csv"
    bad.write_text("nip,name,unit\n199208252014032003,Baru,PKM-1\n123,Salah,PKM-1\n",
                   encoding="utf-8")
    output = refused(runner, "officer", "import", str(bad))
    assert "baris 3" in output
    assert db_session.scalars(select(Officer).where(Officer.nip == "199208252014032003")).first() \
        is None


def test_shift_start_and_end_sign_an_officer_in_and_out(runner, db_session, organisation):
    assert "bertugas di PKM-1-A" in ok(runner, "shift", "start", NIP, "PKM-1-A")
    shift = db_session.scalars(select(Shift)).one()
    assert shift.ended_at is None
    assert "selesai bertugas" in ok(runner, "shift", "end", "1985 0314 2010 01 2 003")
    db_session.refresh(shift)
    assert shift.ended_at is not None and shift.end_reason == "cli"
    assert "tidak bertugas" in refused(runner, "shift", "end", NIP)


def test_qr_link_prints_the_counters_survey_url_as_its_last_line(runner, db_session,
                                                                 organisation):
    output = ok(runner, "qr", "link", "PKM-1-A")
    counter = db_session.scalars(select(Counter).where(Counter.code == "PKM-1-A")).one()
    url = survey_url(current_code(db_session, counter=counter), TEST_SECRET, "http://suara.test")
    assert output.strip().splitlines()[-1] == url
    # Asking again gives the same standing code, not a new one.
    assert ok(runner, "qr", "link", "PKM-1-A").strip().splitlines()[-1] == url


def test_qr_link_for_an_officer_badge(runner, db_session, organisation):
    url = ok(runner, "qr", "link", "--officer", NIP).strip().splitlines()[-1]
    code = db_session.scalars(select(QrCode).where(QrCode.kind == "officer")).one()
    assert code.officer.nip == NIP
    assert url == survey_url(code, TEST_SECRET, "http://suara.test")


def test_qr_link_needs_exactly_one_of_counter_or_officer(runner, organisation):
    assert "one of them" in refused(runner, "qr", "link")
    assert "one of them" in refused(runner, "qr", "link", "PKM-1-A", "--officer", NIP)


def test_qr_reissue_revokes_the_old_code_and_prints_a_working_new_one(
        runner, client, db_session, organisation):
    old = ok(runner, "qr", "link", "PKM-1-A").strip().splitlines()[-1]
    new = ok(runner, "qr", "reissue", "PKM-1-A").strip().splitlines()[-1]
    assert new != old and new.startswith("http://suara.test/s/")
    assert client.get(old.removeprefix("http://suara.test")).status_code == 403
    assert client.get(new.removeprefix("http://suara.test")).status_code == 200
    assert ok(runner, "qr", "link", "PKM-1-A").strip().splitlines()[-1] == new


@pytest.mark.parametrize("command", [
    ["db", "upgrade"], ["department", "add"], ["unit", "add"], ["counter", "add"],
    ["officer", "add"], ["officer", "import"], ["shift", "start"], ["shift", "end"],
    ["qr", "link"], ["qr", "reissue"], ["qr", "image"], ["qr", "sheet"], ["demo-data"],
])
def test_every_command_has_help(runner, command):
    output = ok(runner, *command, "--help")
    assert "Usage:" in output and len(output.splitlines()) >= 3
