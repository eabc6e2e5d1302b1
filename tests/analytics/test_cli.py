"""`flask ikm`, `flask report` and `flask aggregates rebuild`."""

from __future__ import annotations

import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from analytics.models import DailyAggregate


@pytest.fixture
def unit(factory, rate):
    unit = factory.unit(code="DUKCAPIL-1", name="Disdukcapil Loket Utama",
                        annual_population=500)
    rate(unit, {"U1": 4, "U2": 3, "U3": 2, "U4": 4, "U5": 3, "U6": 3, "U7": 3, "U8": 3},
         times=4)
    return unit


def test_ikm_prints_the_elements_weakest_first_the_index_and_the_rounding_rule(runner, unit):
    result = runner.invoke(args=["ikm", "DUKCAPIL-1", "--from", "2026-03-01",
                                 "--to", "2026-03-31"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = [line for line in lines if line[:1] == "U" and line[1:2].isdigit()]
    assert [line.split()[0] for line in table] == ["U3", "U2", "U5", "U6", "U7", "U8", "U1", "U4"]
    assert table[0].split()[-2:] == ["50.00", "D"]
    # (4+3+2+4+3+3+3+3)/8 = 3.125 → 78.13 (78.125 rounded half up), B.
    assert "IKM 3.1250   konversi 78.13   mutu pelayanan B   kinerja unit Baik" in lines
    assert "Unsur tanpa jawaban (tidak dihitung): U9; bobot 1/8" in lines
    assert "Responden 4; populasi 500 → sampel minimum 217: belum tercapai" in lines
    assert any(line.startswith("Aturan pembulatan: ") for line in lines)


def test_ikm_prints_json_on_request(runner, unit):
    result = runner.invoke(args=["ikm", "DUKCAPIL-1", "--from", "2026-03-01",
                                 "--to", "2026-03-31", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert (body["ikm_converted"], body["category"], body["respondents"]) == (78.13, "B", 4)


def test_ikm_says_so_for_an_empty_period(runner, unit):
    result = runner.invoke(args=["ikm", "DUKCAPIL-1", "--from", "2025-01-01",
                                 "--to", "2025-01-31"])
    assert result.exit_code == 0
    assert "Tidak ada penilaian pada periode ini" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["ikm", "NOPE"], "Unit 'NOPE' tidak ditemukan"),
    (["ikm", "DUKCAPIL-1", "--from", "2026-31-01"], "YYYY-MM-DD"),
    (["ikm", "DUKCAPIL-1", "--from", "2026-03-31", "--to", "2026-03-01"], "tidak boleh sebelum"),
])
def test_ikm_refuses_bad_input_with_a_message(runner, unit, args, message):
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert message in result.output


def test_report_writes_the_offices_files_and_prints_the_settings(runner, unit, factory, rate,
                                                                 tmp_path):
    officer = factory.officer(unit=unit, name="Dewi Lestari")
    rate(unit, 3, officer=officer, times=5)
    result = runner.invoke(args=["report", "DUKCAPIL-1", "--from", "2026-03-01",
                                 "--to", "2026-03-31", "-o", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    stem = "DUKCAPIL-1-2026-03-01-2026-03-31"
    assert names == sorted([f"laporan-skm-{stem}.xlsx", f"laporan-skm-{stem}.pdf",
                            f"ikm-{stem}.json",
                            f"penilaian-{stem}.csv", f"penilaian-{stem}.xlsx",
                            f"komponen-petugas-{stem}.xlsx", f"komponen-petugas-{stem}.csv"])
    assert "Penyusutan k (skor disesuaikan): 20" in result.output
    assert "Minimum penilaian (petugas dan pembanding): 30" in result.output
    assert "Minimum hari layanan (petugas dan pembanding): 5" in result.output
    assert "Penilaian ditandai yang tidak dihitung (sampai dibersihkan kepala): 0" in result.output
    sheet = load_workbook(tmp_path / "out" / f"komponen-petugas-{stem}.xlsx")["Komponen Petugas"]
    assert [c.value for c in sheet[2]][:8] == ["DUKCAPIL-1", None, officer.nip, "Dewi Lestari",
                                               5, 1, "belum cukup penilaian", None]


def test_aggregates_rebuild_recomputes_every_unit(runner, unit, db_session):
    db_session.execute(DailyAggregate.__table__.delete())
    result = runner.invoke(args=["aggregates", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "dari 4 penilaian (semua unit)" in result.output
    rows = db_session.scalars(select(DailyAggregate).where(DailyAggregate.unit_id == unit.id))
    assert [r.ratings for r in rows] == [4]
    only = runner.invoke(args=["aggregates", "rebuild", "--unit", "DUKCAPIL-1"])
    assert "(DUKCAPIL-1)" in only.output
    assert runner.invoke(args=["aggregates", "rebuild", "--unit", "NOPE"]).exit_code == 1


def test_every_command_has_help(runner):
    for args in (["ikm", "--help"], ["report", "--help"], ["components", "--help"],
                 ["aggregates", "rebuild", "--help"]):
        result = runner.invoke(args=args)
        assert result.exit_code == 0 and "Usage" in result.output


def test_components_prints_each_officer_against_the_rest_of_the_unit_with_the_settings(
    runner, unit, factory, rate_days
):
    officer = factory.officer(unit=unit, name="Dewi Lestari")
    rate_days(unit, 4, officer=officer)
    rate_days(unit, 3)
    result = runner.invoke(args=["components", "DUKCAPIL-1", "--from", "2026-03-01",
                                 "--to", "2026-03-31"])
    assert result.exit_code == 0, result.output
    (line,) = [row for row in result.output.splitlines() if "Dewi Lestari" in row]
    assert line.split()[:1] == ["1"] and "100.00" in line and "di atas ekspektasi" in line
    assert "Unit DUKCAPIL-1" in result.output
    assert "Batas selisih yang berarti (δ): ±2.5 poin" in result.output
    as_json = runner.invoke(args=["components", "DUKCAPIL-1", "--from", "2026-03-01",
                                  "--to", "2026-03-31", "--json"])
    body = json.loads(as_json.output)
    assert body["officers"][0]["band"] == "di atas ekspektasi"
    assert body["settings"]["minimum_days"] == 5
