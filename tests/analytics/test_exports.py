"""Exports: no personal data, the SKM report as offices lay it out, the officers' sheet with
words (not numbers) below the minimum, downloads only in scope."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from analytics import exports, ikm_read, officers_read
from analytics.periods import Period
from analytics.settings import DEFAULTS
from survey.services import issue_code

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
SECRET_CONTACT = "0812-3456-7890 rahasia@example.id"


@pytest.fixture
def unit(factory, rate, db_session):
    unit = factory.unit(code="PKM-1", name="Puskesmas Suka Maju", annual_population=1000)
    officer = factory.officer(unit=unit, name="Siti Rahayu")
    rated = rate(unit, {"U1": 4, "U3": 2, "U7": 3}, officer=officer, gender="P",
                 age_band="30-39", client_hash="f" * 64)
    factory.comment(rated, kind="complaint", category="antrean", element="U3",
                    text="=HYPERLINK(\"http://x\") antrean lama", contact=SECRET_CONTACT,
                    contact_consent=True)
    single = issue_code(db_session, single_use_unit=unit)
    rate(unit, 4, qr_code_id=single.id, gender="L", education="SMA")
    rate(unit, 3, officer=officer, times=2)
    return unit


def ratings_csv_text(db_session, unit_ids):
    out = io.StringIO()
    count = exports.ratings_csv(db_session, unit_ids, MARCH, out)
    return count, out.getvalue()


def test_the_ratings_csv_has_answers_and_comments_but_no_contact_or_client_hash(db_session,
                                                                                  unit):
    count, text = ratings_csv_text(db_session, [unit.id])
    assert count == 4
    rows = list(csv.DictReader(io.StringIO(text)))
    assert "contact" not in rows[0] and "client_hash" not in rows[0]
    assert SECRET_CONTACT not in text and "f" * 64 not in text
    complaint = next(r for r in rows if r["comment_kind"] == "complaint")
    assert (complaint["U1"], complaint["U3"], complaint["U2"]) == ("4", "2", "")
    assert complaint["comment_category"] == "antrean"
    # A formula typed by a citizen stays text in a spreadsheet.
    assert complaint["comment_text"].startswith("'=HYPERLINK")


def test_the_ratings_xlsx_has_the_same_columns_and_no_personal_data(db_session, unit):
    book = load_workbook(io.BytesIO(exports.ratings_xlsx(db_session, [unit.id], MARCH)))
    values = [[c for c in row] for row in book["Penilaian"].iter_rows(values_only=True)]
    assert values[0] == exports.RATING_HEADER
    assert len(values) == 5
    flat = " ".join(str(v) for row in values for v in row)
    assert SECRET_CONTACT not in flat and "f" * 64 not in flat


def test_the_skm_report_is_laid_out_as_offices_report_it(db_session, unit):
    book = load_workbook(io.BytesIO(exports.skm_report_xlsx(db_session, unit, MARCH)))
    sheet = book["Laporan SKM"]
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    result = ikm_read.unit_ikm(db_session, unit, MARCH).result
    # U3 answers 2, 4, 3, 3: NRR 3, weighted 3/9, converted 75.00, C.
    assert rows["U3"][:6] == ("Waktu Penyelesaian", 4, 12, 3.0, pytest.approx(1 / 3), 75.0)
    assert rows["U3"][6] == "C"
    assert rows["Nilai IKM konversi (IKM × 25)"][0] == float(result.ikm_converted)
    assert rows["Mutu pelayanan"][0] == result.category
    assert rows["Kinerja unit pelayanan"][0] == result.label
    assert rows["Jumlah responden (sampel)"][0] == 4
    assert rows["Sampel minimum (Krejcie–Morgan)"][0] == 278
    assert rows["Sampel minimum tercapai"][0] == "tidak"
    assert rows["Penilaian melalui kode sekali pakai"][0] == 1
    assert "2 desimal" in rows["Aturan pembulatan"][0]
    profile = [row[:3] for row in book["Profil Responden"].iter_rows(values_only=True)]
    assert ("Jenis kelamin", "Perempuan", 1) in profile
    assert ("Jenis kelamin", "Laki-laki", 1) in profile
    assert ("Pendidikan terakhir", "SMA/SMK", 1) in profile


def test_the_officers_sheet_shows_words_not_numbers_below_the_minimum(db_session, unit, factory,
                                                                     rate_days):
    enough = factory.officer(unit=unit, name="Agus Salim")
    rate_days(unit, 4, officer=enough)
    rate_days(unit, 3)
    components = officers_read.officer_components(db_session, [unit.id], MARCH, DEFAULTS)
    out = io.StringIO()
    exports.officers_csv(components, MARCH, out, DEFAULTS)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == exports.OFFICER_HEADER
    column = {name: i for i, name in enumerate(exports.OFFICER_HEADER)}
    agus, siti = rows[1], rows[2]
    assert [agus[column[c]] for c in ("Unit penilaian", "Urutan di unit", "Nama",
                                      "Jumlah penilaian", "Hari layanan", "Skor mentah",
                                      "Kategori")] == [
        "PKM-1", "1", "Agus Salim", "30", "5", "100.00", "di atas ekspektasi"]
    assert float(agus[column["Pembanding (rekan di unit)"]]) < 100
    assert siti[column["Nama"]] == "Siti Rahayu" and siti[column["Jumlah penilaian"]] == "3"
    # Below the minimum: words, and nothing from which the score could be rebuilt.
    start = column["Skor mentah"]
    assert siti[start:start + 7] == ["belum cukup penilaian", "", "", "", "", "", ""]
    assert siti[column["Kategori"]] == "belum cukup penilaian"
    assert siti[column["Unsur terlemah"]] == "" and siti[column["Urutan di unit"]] == ""
    assert ["Minimum penilaian (petugas dan pembanding)", "30"] in rows
    assert ["Minimum hari layanan (petugas dan pembanding)", "5"] in rows
    book = load_workbook(io.BytesIO(exports.officers_xlsx(components, MARCH, DEFAULTS)))
    sheet_rows = list(book["Komponen Petugas"].iter_rows(values_only=True))
    assert sheet_rows[2][start] == "belum cukup penilaian"
    settings = list(book["Pengaturan"].iter_rows(values_only=True))
    assert ("Penyusutan k (skor disesuaikan)", "20") in settings
    assert ("Batas selisih yang berarti (δ)", "±2.5 poin") in settings


def test_the_officers_sheet_never_ranks_officers_of_different_units_together(
    db_session, unit, factory, rate_days
):
    other = factory.unit(code="PKM-2", name="Puskesmas Dua")
    first = factory.officer(unit=unit, name="Agus Salim")
    second = factory.officer(unit=other, name="Bayu Putra")
    rate_days(unit, 3, officer=first)
    rate_days(unit, 3)
    rate_days(other, 4, officer=second)
    rate_days(other, 2)
    components = officers_read.officer_components(db_session, [unit.id, other.id], MARCH, DEFAULTS)
    rows = [r for r in exports.officer_rows(components)]
    assert [(r[0], r[1], r[3]) for r in rows] == [
        ("PKM-1", 1, "Agus Salim"), ("PKM-1", "", "Siti Rahayu"), ("PKM-2", 1, "Bayu Putra")]


def test_downloads_are_for_signed_in_users_in_scope(client, signed_in, factory, unit):
    query = "unit=PKM-1&from=2026-03-01&to=2026-03-31"
    assert client.get(f"/analytics/export/ratings.csv?{query}").status_code in (302, 401)
    supervisor = signed_in(factory.user("supervisor", unit_id=unit.id))
    response = supervisor.get(f"/analytics/export/ratings.csv?{query}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith(
        'filename="penilaian-PKM-1-2026-03-01-2026-03-31.csv"')
    assert SECRET_CONTACT not in response.get_data(as_text=True)
    for path in ("ratings.xlsx", "skm-report.xlsx", "officers.xlsx", "officers.csv"):
        assert supervisor.get(f"/analytics/export/{path}?{query}").status_code == 200, path
    outsider = signed_in(factory.user("supervisor", unit_id=factory.unit().id))
    assert outsider.get(f"/analytics/export/ratings.csv?{query}").status_code == 404
    officer = signed_in(factory.user("officer"))
    assert officer.get(f"/analytics/export/ratings.csv?{query}").status_code == 403
    bad = supervisor.get("/analytics/export/ratings.csv?unit=PKM-1&from=2026-03-31&to=2026-03-01")
    assert bad.status_code == 400
    assert supervisor.get("/analytics/export/skm-report.xlsx").status_code == 400
