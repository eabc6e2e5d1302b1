"""Participation: services delivered per month (entered by a supervisor, imported from CSV, or
counted from a queue machine's single-use codes), ratings ÷ services in every report, and the
year's count as the Krejcie–Morgan population when the unit has none set."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import ikm_read, participation
from analytics.models import ServiceCount
from analytics.periods import Period
from survey import tickets
from tests.support.factories import at

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))


def test_ratings_over_services_in_the_whole_months_of_a_period(db_session, factory, rate):
    unit = factory.unit()
    rate(unit, 3, day=(2026, 3, 2), times=3)
    rate(unit, 3, day=(2026, 4, 2), times=2)
    rate(unit, 3, day=(2026, 5, 30))  # May has no count: left out of both sides
    participation.set_month(db_session, unit, date(2026, 3, 1), 20)
    participation.set_month(db_session, unit, date(2026, 4, 15), 30)  # any day: its month
    # 10 Feb – 31 May: February is cut, so March, April and May are the whole months.
    share = participation.participation(db_session, unit, date(2026, 2, 10), date(2026, 5, 31))
    assert [m.month for m in share.months] == [date(2026, 3, 1), date(2026, 4, 1),
                                               date(2026, 5, 1)]
    assert (share.ratings, share.services) == (5, 50)
    assert share.percent == pytest.approx(10)
    assert share.missing == (date(2026, 5, 1),)
    # A period inside one month holds no whole month: no rate rather than a guess.
    assert participation.participation(db_session, unit, date(2026, 3, 5),
                                       date(2026, 3, 20)).rate is None


def test_a_month_without_a_count_uses_the_queue_machines_codes(db_session, factory, rate):
    unit = factory.unit(timezone="Asia/Makassar")
    machine, _key = tickets.add_machine(db_session, unit, "Mesin antrean")
    for moment in (at(2026, 3, 1, 0, 30, zone="Asia/Makassar"),  # 1 March in WITA
                   at(2026, 3, 15, zone="Asia/Makassar"),
                   at(2026, 3, 31, 23, 30, zone="Asia/Makassar"),
                   at(2026, 4, 1, 0, 10, zone="Asia/Makassar")):
        code = tickets.issue_for_machine(db_session, machine)
        code.created_at = moment
    tickets.issue_batch(db_session, unit, 5)  # printed by hand: not a count of services
    db_session.flush()
    months = participation.monthly_services(db_session, [unit], date(2026, 3, 1),
                                            date(2026, 4, 1))[unit.id]
    assert [(m.services, m.source) for m in months] == [(3, "antrean"), (1, "antrean")]
    # A count entered for the month wins over the codes.
    participation.set_month(db_session, unit, date(2026, 3, 1), 50)
    months = participation.monthly_services(db_session, [unit], date(2026, 3, 1),
                                            date(2026, 3, 1))[unit.id]
    assert [(m.services, m.source) for m in months] == [(50, "manual")]


def test_the_years_count_is_the_population_when_none_is_set(db_session, factory, rate):
    unit = factory.unit(annual_population=None)
    rate(unit, 3, day=(2026, 3, 2), times=2)
    assert ikm_read.unit_ikm(db_session, unit, MARCH).sample.minimum is None
    for month, count in ((1, 300), (2, 400), (3, 300)):
        participation.set_month(db_session, unit, date(2026, month, 1), count)
    participation.set_month(db_session, unit, date(2025, 12, 1), 9000)  # another year
    sample = ikm_read.unit_ikm(db_session, unit, MARCH).sample
    assert (sample.population, sample.minimum, sample.reached) == (1000, 278, False)
    assert ikm_read.units_ikm(db_session, [unit], MARCH)[0].sample.population == 1000
    # A population set for the unit wins.
    unit.annual_population = 100
    assert ikm_read.unit_ikm(db_session, unit, MARCH).sample.minimum == 80


def test_the_csv_import_stores_every_line_or_none(db_session, factory):
    first, second = factory.unit(code="UPT-A"), factory.unit(code="UPT-B")
    result = participation.import_csv(db_session, "unit;month;services\n"
                                      "UPT-A;2026-01;1.250\nUPT-B;2026-02;90\n")
    assert (result.stored, result.errors) == (2, [])
    assert db_session.get(ServiceCount, (first.id, date(2026, 1, 1))).services == 1250
    assert db_session.get(ServiceCount, (second.id, date(2026, 2, 1))).source == "csv"
    bad = participation.import_csv(db_session, "unit,month,services\nUPT-A,2026-03,10\n"
                                   "NOPE,2026-03,10\nUPT-B,2026-13,5\nUPT-B,2026-04,-1\n")
    assert bad.stored == 0
    assert [e.split(":")[0] for e in bad.errors] == ["Baris 3", "Baris 4", "Baris 5"]
    assert db_session.get(ServiceCount, (first.id, date(2026, 3, 1))) is None
    assert participation.import_csv(db_session, "a,b\n1,2\n").errors


def test_the_cli_imports_and_shows_the_year(runner, db_session, factory, rate, tmp_path):
    unit = factory.unit(code="UPT-C")
    rate(unit, 3, day=(2026, 2, 3), times=4)
    path = tmp_path / "layanan.csv"
    path.write_text("unit,month,services\nUPT-C,2026-02,40\n", encoding="utf-8")
    result = runner.invoke(args=["participation", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "1 jumlah layanan bulanan disimpan" in result.output
    shown = runner.invoke(args=["participation", "show", "UPT-C", "--year", "2026"])
    assert "2026-02        40  csv" in shown.output
    assert "Partisipasi 2026: 4 penilaian / 40 layanan = 10.00 %" in shown.output
    path.write_text("unit,month,services\nUPT-C,2026-02,x\n", encoding="utf-8")
    refused = runner.invoke(args=["participation", "import", str(path)])
    assert refused.exit_code != 0 and "Baris 2" in refused.output


def test_a_supervisor_enters_the_months_of_their_own_unit(client, signed_in, factory,
                                                          db_session):
    unit = factory.unit(code="UPT-D", name="UPT D")
    other = factory.unit(code="UPT-E")
    supervisor = signed_in(factory.user("supervisor", unit_id=unit.id))
    page = supervisor.get("/dasbor/jumlah-layanan?tahun=2026")
    assert page.status_code == 200 and "2026-03" in page.get_data(as_text=True)
    saved = supervisor.post("/dasbor/jumlah-layanan", data={
        "unit": "UPT-D", "tahun": "2026", "m-2026-03": "1.200", "m-2026-04": "75"})
    assert saved.status_code == 302
    assert db_session.get(ServiceCount, (unit.id, date(2026, 3, 1))).services == 1200
    refused = supervisor.post("/dasbor/jumlah-layanan", data={
        "unit": "UPT-D", "tahun": "2026", "m-2026-05": "banyak", "m-2026-06": "9"})
    assert refused.status_code == 302
    assert db_session.get(ServiceCount, (unit.id, date(2026, 6, 1))) is None
    # Another unit's code is not found: no write outside scope.
    outside = supervisor.post("/dasbor/jumlah-layanan", data={"unit": "UPT-E", "tahun": "2026",
                                                              "m-2026-07": "5"})
    assert outside.status_code == 404
    assert db_session.get(ServiceCount, (other.id, date(2026, 7, 1))) is None
    officer = signed_in(factory.user("officer"))
    assert officer.get("/dasbor/jumlah-layanan").status_code == 403


def test_every_report_shows_the_participation(db_session, factory, rate):
    from analytics import reports

    unit = factory.unit(annual_population=None)
    rate(unit, 3, day=(2026, 3, 2), times=3)
    participation.set_month(db_session, unit, date(2026, 3, 1), 12)
    report = reports.build_report(db_session, unit, MARCH)
    assert report.participation.percent == 25
    assert report.ikm.sample.population == 12
    assert report.population_source == "jumlah layanan tercatat tahun 2026 (1 dari 12 bulan)"


def test_the_ikm_command_prints_the_participation(runner, db_session, factory, rate):
    unit = factory.unit(code="UPT-F")
    rate(unit, 3, day=(2026, 3, 2), times=2)
    participation.set_month(db_session, unit, date(2026, 3, 1), 8)
    result = runner.invoke(args=["ikm", "UPT-F", "--from", "2026-03-01", "--to", "2026-03-31"])
    assert "Partisipasi: 2 penilaian / 8 layanan = 25.00 %" in result.output
    # The year's count is the population: N = 8 → minimum 8.
    assert "populasi 8 → sampel minimum 8" in result.output
