"""The SKM report an office signs and publishes: a small unit worked by hand, matched cell by
cell in the XLSX and line by line in the A4 PDF (read back as text, and rendered to PNG)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from analytics import documents, participation, reports
from analytics.models import ReportSignatory
from analytics.periods import Period
from survey.services import active_questionnaire, issue_code
from tests.support.factories import at

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
GENERATED = at(2026, 4, 2, 10, 30)
ALL = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")


def answers(default: int, **overrides: int | None) -> dict[str, int]:
    values = {code: default for code in ALL}
    values.update(overrides)
    return {code: value for code, value in values.items() if value is not None}


@pytest.fixture
def small_unit(db_session, factory, rate):
    """Four ratings in March 2026 and one in February, worked by hand:

    element  March answers   sum  n  NRR    × 25    category
    U1       4 3 2 4         13   4  3.250  81.25   B
    U2       4 3 2 3         12   4  3.000  75.00   C
    U3       4 3 1 3         11   4  2.750  68.75   C
    U4       4 3 2 4         13   4  3.250  81.25   B
    U5       4 3 2 3         12   4  3.000  75.00   C
    U6       4 3 2 4         13   4  3.250  81.25   B
    U7       4 3 2 4         13   4  3.250  81.25   B
    U8       4 3 2 2         11   4  2.750  68.75   C
    U9       4 3 2 –          9   3  3.000  75.00   C
    IKM = 27.5 / 9 = 3.0556 → × 25 = 76.388… → 76.39, C (Kurang Baik)
    """
    department = factory.department(name="Dinas Kesehatan")
    unit = factory.unit(code="PKM-SM", name="Puskesmas Suka Maju", department=department,
                        annual_population=100)
    version = active_questionnaire(db_session).id
    single = issue_code(db_session, single_use_unit=unit)
    first = rate(unit, 4, day=(2026, 3, 2), gender="L", age_band="20-29", education="SMA",
                 occupation="swasta", service_type="KTP", questionnaire_id=version)
    second = rate(unit, 3, day=(2026, 3, 3), channel="kiosk", gender="P", age_band="30-39",
                  education="D4-S1", occupation="pns", service_type="KTP",
                  questionnaire_id=version)
    third = rate(unit, answers(2, U3=1), day=(2026, 3, 4), qr_code_id=single.id, gender="P",
                 age_band="<20", education="SD", occupation="pelajar", service_type="KK",
                 questionnaire_id=version)
    rate(unit, answers(4, U2=3, U3=3, U5=3, U8=2, U9=None), day=(2026, 3, 5),
         questionnaire_id=version)
    # The previous period (29 Jan – 28 Feb): U3 25.00 and U8 50.00 were the weakest.
    rate(unit, answers(4, U3=1, U8=2), day=(2026, 2, 10), questionnaire_id=version)
    factory.comment(third, kind="complaint", category="antrean", element="U3",
                    text="Antrean lama", status="selesai", created_at=at(2026, 3, 4, 10),
                    resolved_at=at(2026, 3, 20, 14))
    factory.comment(second, kind="suggestion", category="sarana", element="U9",
                    text="Tambah kursi", created_at=at(2026, 3, 3, 11))
    factory.comment(first, kind="praise", text="Ramah", created_at=at(2026, 3, 2, 10))
    participation.set_month(db_session, unit, date(2026, 3, 1), 40)
    db_session.add(ReportSignatory(unit_id=unit.id, place="Sleman",
                                   head_title="Kepala Puskesmas Suka Maju",
                                   head_name="dr. Ratna Dewi", head_nip="197805122005012003"))
    db_session.flush()
    return unit


@pytest.fixture
def report(db_session, small_unit):
    return reports.build_report(db_session, small_unit, MARCH, now=GENERATED)


def sheet_rows(book, name):
    return [row for row in book[name].iter_rows(values_only=True)]


def by_label(rows):
    return {row[0]: row[1:] for row in rows if row and row[0]}


def test_the_xlsx_report_matches_the_hand_worked_unit_cell_by_cell(report):
    book = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    rows = sheet_rows(book, "Laporan SKM")
    header = rows.index(("Unsur", "Nama unsur", "Jawaban", "Jumlah nilai", "NRR",
                         "NRR tertimbang", "NRR × 25", "Mutu", "Kinerja", "Peringkat",
                         "Prioritas", "Keluhan", "Saran"))
    elements = [row[:13] for row in rows[header + 1:header + 10]]
    # Weakest first (ties in element order), the weakest three and every C or D a priority.
    assert [row[0] for row in elements] == ["U3", "U8", "U2", "U5", "U9", "U1", "U4", "U6",
                                           "U7"]
    expected = {
        "U3": (4, 11, 2.75, 68.75, "C", "Kurang Baik", 1, "ya", 1, 0),
        "U8": (4, 11, 2.75, 68.75, "C", "Kurang Baik", 2, "ya", 0, 0),
        "U2": (4, 12, 3.0, 75.0, "C", "Kurang Baik", 3, "ya", 0, 0),
        "U5": (4, 12, 3.0, 75.0, "C", "Kurang Baik", 4, "ya", 0, 0),
        "U9": (3, 9, 3.0, 75.0, "C", "Kurang Baik", 5, "ya", 0, 1),
        "U1": (4, 13, 3.25, 81.25, "B", "Baik", 6, None, 0, 0),
        "U4": (4, 13, 3.25, 81.25, "B", "Baik", 7, None, 0, 0),
        "U6": (4, 13, 3.25, 81.25, "B", "Baik", 8, None, 0, 0),
        "U7": (4, 13, 3.25, 81.25, "B", "Baik", 9, None, 0, 0),
    }
    for row in elements:
        answers_n, total, nrr, converted, category, label, rank, priority, complaints, \
            suggestions = expected[row[0]]
        assert row[2:4] == (answers_n, total), row[0]
        assert row[4] == pytest.approx(nrr) and row[5] == pytest.approx(nrr / 9), row[0]
        assert row[6] == converted, row[0]
        assert row[7:] == (category, label, rank, priority, complaints, suggestions), row[0]
    # Number formats: NRR three decimals, converted values two, counts whole.
    sheet = book["Laporan SKM"]
    u3 = header + 2  # openpyxl rows count from 1
    assert [sheet.cell(u3, c).number_format for c in (3, 4, 5, 6, 7)] == [
        "#,##0", "#,##0", "0.000", "0.000", "0.00"]

    labels = by_label(rows)
    assert labels["Unit layanan"][0] == "PKM-SM — Puskesmas Suka Maju"
    assert labels["Dinas"][0] == "Dinas Kesehatan"
    assert labels["Periode"][0] == "1 Maret 2026 – 31 Maret 2026 (31 hari)"
    assert labels["Tanggal dibuat"][0] == "02-04-2026 10:30 WIB"
    assert "Asia/Jakarta (WIB, UTC+07:00)" in labels["Hari layanan"][0]
    assert labels["Versi kuesioner"][0] == "versi 1: 4"
    assert labels["Jumlah NRR tertimbang (IKM)"][0] == pytest.approx(27.5 / 9)
    assert labels["Nilai IKM konversi (IKM × 25)"][0] == 76.39
    assert labels["Mutu pelayanan"][0] == "C"
    assert labels["Kinerja unit pelayanan"][0] == "Kurang Baik"
    assert labels["Bobot per unsur"][0] == "1/9"
    assert "setengah ke atas" in labels["Aturan pembulatan"][0]
    # Survey method per channel, with the single-use codes apart from the standing QR codes.
    assert labels["Kode QR tetap di loket / pada petugas (ponsel warga)"][:2] == (2, 0.5)
    assert labels["Kode QR sekali pakai (tiket antrean / struk)"][:2] == (1, 0.25)
    assert labels["Tablet penilaian di loket (kios)"][:2] == (1, 0.25)
    assert labels["Kuesioner kertas (dientri petugas)"][:2] == (0, 0)
    # The threshold table.
    assert ("A", "Sangat Baik", "3,5324 – 4,00", "88,31 – 100,00") in [r[:4] for r in rows]
    assert ("D", "Tidak Baik", "1,00 – 2,5996", "25,00 – 64,99") in [r[:4] for r in rows]
    # The sample against Krejcie–Morgan: N = 100 → 80.
    assert labels["Jumlah responden (sampel)"][0] == 4
    assert labels["Populasi penerima layanan per tahun"][0] == 100
    assert labels["Sumber populasi"][0] == "ditetapkan administrator untuk unit ini"
    assert labels["Sampel minimum (Krejcie–Morgan)"][0] == 80
    assert labels["Sampel minimum tercapai"][0] == "tidak"
    assert "3,841" in labels["Parameter sampel"][0] and "d = 0,05" in labels["Parameter sampel"][0]
    assert labels["Penilaian bertanda yang tidak dihitung"][0] == 0
    # Participation: 4 ratings of 40 services in March.
    assert labels["Bulan penuh dalam periode"][0] == "2026-03"
    assert labels["Jumlah layanan (bulan yang tercatat)"][0] == 40
    assert labels["Partisipasi (penilaian ÷ layanan)"][0] == pytest.approx(0.1)
    assert sheet.cell(next(i for i, r in enumerate(rows, 1) if r[0] ==
                           "Partisipasi (penilaian ÷ layanan)"), 2).number_format == "0.00%"
    # The previous period of equal length: one rating, 86.11 (B).
    assert labels["Periode ini"][:4] == ("1 Maret 2026 – 31 Maret 2026 (31 hari)", 4, 76.39, "C")
    assert labels["Periode sebelumnya"][:4] == (
        "29 Januari 2026 – 28 Februari 2026 (31 hari)", 1, 86.11, "B")
    assert labels["Perubahan"][1:3] == (3, pytest.approx(-9.72))
    # Follow-up on last period's priorities (U3, U8, then U1): the closed complaint on U3.
    follow = rows.index(("Unsur", "Nama unsur", "Nilai periode lalu", "Nilai periode ini",
                         "Perubahan", "Keluhan diselesaikan", *([None] * 7)))
    assert [r[:6] for r in rows[follow + 1:follow + 4]] == [
        ("U3", "Waktu Penyelesaian", 25.0, 68.75, 43.75, 1),
        ("U8", "Penanganan Pengaduan, Saran dan Masukan", 50.0, 68.75, 18.75, 0),
        ("U1", "Persyaratan", 100.0, 81.25, -18.75, 0),
    ]
    # IKM per service type where the respondent gave one.
    assert labels["KTP"][:3] == (2, 87.5, "B")
    assert labels["KK"][:3] == (1, 47.22, "D")
    # The signature block.
    assert labels["Tempat, tanggal"][0] == "Sleman, 2 April 2026"
    assert labels["Jabatan"][0] == "Kepala Puskesmas Suka Maju"
    assert labels["Nama"][0] == "dr. Ratna Dewi"
    assert labels["NIP"][0] == "197805122005012003"


def test_the_respondent_profile_has_percentages_in_each_scales_natural_order(report):
    book = load_workbook(io.BytesIO(reports.report_xlsx(report)))
    rows = [r[:4] for r in sheet_rows(book, "Profil Responden") if r and r[0] in (
        "Jenis kelamin", "Usia", "Pendidikan terakhir")]
    gender = [r[1:] for r in rows if r[0] == "Jenis kelamin"]
    assert gender == [("Laki-laki", 1, 0.25), ("Perempuan", 2, 0.5), ("Tidak diisi", 1, 0.25)]
    ages = [r[1] for r in rows if r[0] == "Usia"]
    assert ages == ["Di bawah 20", "20–29", "30–39", "40–49", "50–59", "60 ke atas",
                    "Tidak diisi"]
    education = [(r[1], r[2]) for r in rows if r[0] == "Pendidikan terakhir"]
    assert education == [("SD", 1), ("SMP", 0), ("SMA/SMK", 1), ("D1–D3", 0), ("D4/S1", 1),
                         ("S2–S3", 0), ("Tidak diisi", 1)]


def test_flagged_ratings_are_counted_as_left_out_and_stay_out_of_the_profile(
        db_session, small_unit, rate):
    rate(small_unit, 1, day=(2026, 3, 6), flags="burst", gender="L", times=3)
    rate(small_unit, 1, day=(2026, 3, 6), flags="burst", flags_cleared_at=at(2026, 3, 7),
         gender="L")
    report = reports.build_report(db_session, small_unit, MARCH, now=GENERATED)
    assert report.flagged == 3
    # The cleared one counts: five respondents in the profile, two of them men.
    assert report.respondents == 5
    gender = report.profile[0]
    assert [(r.label, r.count) for r in gender.rows] == [("Laki-laki", 2), ("Perempuan", 2)]
    labels = by_label(sheet_rows(load_workbook(io.BytesIO(reports.report_xlsx(report))),
                                 "Laporan SKM"))
    assert labels["Penilaian bertanda yang tidak dihitung"][0] == 3


def pdf_text(body: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def test_the_pdf_carries_the_same_content_on_a4(report):
    body = reports.report_pdf(report)
    reader = PdfReader(io.BytesIO(body))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = " ".join(pdf_text(body).split())
    for expected in (
        "Laporan Survei Kepuasan Masyarakat", "PKM-SM — Puskesmas Suka Maju", "Dinas Kesehatan",
        "1 Maret 2026 – 31 Maret 2026 (31 hari)", "02-04-2026 10:30 WIB", "versi 1: 4",
        "Asia/Jakarta (WIB, UTC+07:00)",
        "Kode QR sekali pakai (tiket antrean / struk) 1 25,00 %",
        "U3 Waktu Penyelesaian 4 11 2,750 0,306 68,75 C Kurang Baik 1 ya 1 0",
        "U7 Perilaku Pelaksana 4 13 3,250 0,361 81,25 B Baik 9 0 0",
        "Nilai IKM konversi (IKM × 25) 76,39", "Jumlah NRR tertimbang (IKM) 3,056",
        "Mutu pelayanan C", "88,31 – 100,00", "Sampel minimum (Krejcie–Morgan) 80",
        "Partisipasi (penilaian ÷ layanan) 10,00 %", "Penilaian bertanda yang tidak dihitung 0",
        "U3 Waktu Penyelesaian 25,00 68,75 43,75 1", "KTP 2 87,50 B",
        "Laki-laki 1 25,00 %", "Sleman, 2 April 2026", "dr. Ratna Dewi",
        "197805122005012003",
    ):
        assert expected in text, expected


def test_a_page_renders_to_png(report, tmp_path):
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: `make test` installs it (make pdftools)")
        pytest.skip("pdftoppm is missing: run `make pdftools`")
    (tmp_path / "report.pdf").write_bytes(reports.report_pdf(report))
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    from PIL import Image

    with Image.open(png) as image:
        # A4 portrait at 50 dpi is about 413 × 585 pixels, with ink on it.
        width, height = image.size
        assert abs(width - 413) <= 1 and abs(height - 585) <= 1
        gray = image.convert("L")
        assert gray.getextrema()[0] < 80
        assert gray.histogram()[:128] and sum(gray.histogram()[:128]) > 2000


def test_a_verified_pdf_prints_its_code_and_its_hash_is_recorded(db_session, report):
    code, body = reports.verified_pdf(db_session, report, base_url="http://suara.test")
    text = " ".join(pdf_text(body).split())
    assert f"Kode verifikasi {code}" in text
    assert f"http://suara.test/verifikasi/{code}" in text
    checked = documents.verify(db_session, code, body=body)
    assert checked.matches is True
    assert "PKM-SM" in checked.document.subject and "76,39" in checked.document.subject
    assert documents.verify(db_session, code, body=body + b"%").matches is False


def test_the_report_without_ratings_says_so_and_keeps_its_blocks(db_session, factory):
    unit = factory.unit(code="KOSONG")
    report = reports.build_report(db_session, unit, MARCH, now=GENERATED)
    text = " ".join(pdf_text(reports.report_pdf(report)).split())
    assert "Tidak ada penilaian pada periode ini" in text
    assert "belum ada: isi populasi tahunan atau jumlah layanan per bulan" in text
    labels = by_label(sheet_rows(load_workbook(io.BytesIO(reports.report_xlsx(report))),
                                 "Laporan SKM"))
    assert labels["Nilai IKM konversi (IKM × 25)"][0] is None
    assert labels["NIP"][0].startswith("....")


def test_downloads_and_the_cli_produce_both_files(client, signed_in, factory, small_unit,
                                                  runner, tmp_path, db_session):
    supervisor = signed_in(factory.user("supervisor", unit_id=small_unit.id))
    query = "unit=PKM-SM&from=2026-03-01&to=2026-03-31"
    pdf = supervisor.get(f"/analytics/export/skm-report.pdf?{query}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.headers["Content-Disposition"].endswith(
        'filename="laporan-skm-PKM-SM-2026-03-01-2026-03-31.pdf"')
    assert "76,39" in pdf_text(pdf.data)
    xlsx = supervisor.get(f"/analytics/export/skm-report.xlsx?{query}")
    assert xlsx.status_code == 200
    outsider = signed_in(factory.user("supervisor", unit_id=factory.unit().id))
    assert outsider.get(f"/analytics/export/skm-report.pdf?{query}").status_code == 404
    result = runner.invoke(args=["report", "PKM-SM", "--from", "2026-03-01", "--to",
                                 "2026-03-31", "-o", str(tmp_path)])
    assert result.exit_code == 0, result.output
    stem = "PKM-SM-2026-03-01-2026-03-31"
    assert (tmp_path / f"laporan-skm-{stem}.xlsx").exists()
    body = (tmp_path / f"laporan-skm-{stem}.pdf").read_bytes()
    code = result.output.split("Kode verifikasi laporan PDF: ")[1].split()[0]
    assert documents.verify(db_session, code, body=body).matches is True

