"""The officer's evidence sheet for the supervisor's continuous feedback on Berorientasi
Pelayanan: one A4 PDF per officer and period, read back as text (and rendered to PNG), with
the component as the officer page shows it, its evidence, the trend and a verification code;
below the minimum nothing that reveals the number; only those who may see the officer may
produce it (docs/reports.md, docs/officer-component.md)."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from analytics import documents, evidence
from analytics.models import IssuedDocument
from analytics.periods import Period
from analytics.settings import DEFAULTS
from survey import moderation
from tests.support.factories import at

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
MARCH_ARGS = {"from": "2026-03-01", "to": "2026-03-31"}
GENERATED = at(2026, 4, 2, 10, 30)
WEAK_U7 = {"U1": 3, "U2": 3, "U3": 3, "U4": 4, "U5": 3, "U6": 3, "U7": 1, "U8": 3, "U9": 3}
CITRA_NIP = "198703152010012004"


@pytest.fixture
def clinic(db_session, factory, rate, rate_days):
    """Puskesmas Mawar, March 2026, worked by hand:

    Citra: 30 ratings over 5 days, U3 = U6 = 3 and U7 = 1, so each rating scores
    (3 + 3 + 1) / 3 × 25 = 58.33; the rest of the unit: 30 ratings of 3 and Zainal's five
    4s, (30 × 75 + 5 × 100) / 35 = 78.57; difference −20.24, its interval wholly below −2.5:
    "di bawah ekspektasi". Weakest U7 (25.00). February (the previous 31 days) she scored
    75.00: down 16.67 points.
    Zainal: five perfect ratings on one day: "belum cukup penilaian" (his 100.00 must show
    nowhere)."""
    health = factory.department(name="Dinas Kesehatan Uji")
    unit = factory.unit(code="PKM-MAWAR", name="Puskesmas Mawar", department=health)
    citra = factory.officer(unit=unit, name="Citra Kirana", nip=CITRA_NIP,
                            position="Perawat pelaksana")
    zainal = factory.officer(unit=unit, name="Zainal Arifin")
    ratings = rate_days(unit, WEAK_U7, officer=citra)
    rate_days(unit, 3)
    rate_days(unit, 3, officer=citra, month=2, first=10)
    rate_days(unit, 3, month=2, first=10)
    few = rate(unit, 4, officer=zainal, times=5)
    factory.comment(ratings[0], kind="complaint", category="perilaku", element="U7",
                    text="Petugas membentak warga, hubungi saya di 081234567890",
                    created_at=at(2026, 3, 2, 10))
    hidden = factory.comment(ratings[1], kind="complaint", category="perilaku", element="U7",
                             text="Komentar yang disembunyikan kepala",
                             created_at=at(2026, 3, 2, 11))
    factory.comment(ratings[2], kind="praise", text="Dijelaskan dengan sabar sekali",
                    created_at=at(2026, 3, 3, 10))
    factory.comment(few[0], kind="praise", text="Terima kasih Pak Zainal",
                    created_at=at(2026, 3, 2, 10))
    factory.comment(few[1], kind="complaint", category="waktu", element="U3",
                    text="Lambat sekali pelayanannya", created_at=at(2026, 3, 2, 10))
    head = factory.user(role="head", department=health, display_name="Kepala Dinas Uji")
    moderation.hide(db_session, hidden, head, "Tidak pantas")
    db_session.flush()
    return {"unit": unit, "department": health, "citra": citra, "zainal": zainal,
            "head": head, "citra_user": factory.user(role="officer", officer=citra),
            "zainal_user": factory.user(role="officer", officer=zainal)}


@pytest.fixture
def in_app(app):
    with app.test_request_context("/"):
        yield


def sheet_of(db_session, officer):
    return evidence.build_sheet(db_session, officer, MARCH, settings=DEFAULTS, now=GENERATED)


def dec(value) -> str:
    return f"{value:.2f}".replace(".", ",")


def text_of(body: bytes) -> str:
    """Everything printed, the English lines too."""
    return " ".join("\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
                    .split())


ENGLISH_SIZE = 6.2  # the English lines under the Indonesian (analytics/reports.py)


def indonesian_of(body: bytes) -> str:
    """The Indonesian text only: the English lines are printed in a smaller size."""
    parts: list[str] = []
    for page in PdfReader(io.BytesIO(body)).pages:
        page.extract_text(visitor_text=lambda text, cm, tm, font, size: parts.append(text)
                          if size > ENGLISH_SIZE + 0.05 else None)
    return " ".join("".join(parts).split())


def test_the_sheet_carries_the_component_as_the_officer_page_shows_it(db_session, clinic,
                                                                      in_app):
    sheet = sheet_of(db_session, clinic["citra"])
    code, body = evidence.verified_pdf(db_session, sheet, base_url="http://suara.test")
    if os.environ.get("EVIDENCE_PDF"):  # to read it: EVIDENCE_PDF=/tmp/sheet.pdf
        with open(os.environ["EVIDENCE_PDF"], "wb") as out:
            out.write(body)
    reader = PdfReader(io.BytesIO(body))
    width, height = (float(x) for x in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    text = indonesian_of(body)
    s = sheet.score  # the interval and the shrunk score as the officer page prints them
    assert s.band == "below" and s.upper < -2.5
    interval = f"{dec(s.lower)} – {dec(s.upper)}"
    adjusted = dec(s.adjusted)
    unit_ikm = dec(sheet.unit_result.result.ikm_converted)
    for expected in (
        # who, where the numbers come from, when
        "Lembar bukti umpan balik berkelanjutan: Berorientasi Pelayanan",
        "Citra Kirana", CITRA_NIP, "Perawat pelaksana", "PKM-MAWAR — Puskesmas Mawar",
        "Dinas Kesehatan Uji", "1 Maret 2026 – 31 Maret 2026 (31 hari)", "02-04-2026 10:30 WIB",
        "Angka di lembar ini hanya berasal dari penilaian yang diberikan di unit Puskesmas "
        "Mawar.",
        # the component: scores, interval, n and days, band, the comparison, the method
        "Skor Anda (mentah) 58,33", "Rekan di unit (pembanding) 78,57",
        f"Selisih dan interval 95% -20,24 ({interval})",
        f"Skor disesuaikan {adjusted}",
        "Penilaian / hari layanan 30 / 5", 'Jawaban "sangat baik" (4) 0,0%',
        "Predikat di bawah ekspektasi",
        "Anda dibandingkan dengan rekan di unit Puskesmas Mawar pada periode yang sama: 35 "
        "penilaian lain dari 5 hari layanan",
        "Skor Anda 20,24 poin di bawah rekan di unit.",
        f"Mutu pelayanan unit Puskesmas Mawar pada periode ini: C (IKM {unit_ikm}).",
        # the settings
        "Unsur komponen petugas U3, U6, U7", "Minimum penilaian (petugas dan pembanding) 30",
        "Minimum hari layanan (petugas dan pembanding) 5",
        "95% t-Student, galat baku klaster (CR1) per hari layanan",
        "Penyusutan k (skor disesuaikan) 20",
        "Penilaian ditandai yang tidak dihitung 0 untuk Anda, 0 untuk pembanding",
        # the answer distribution (U7: thirty 1s; U3: thirty 3s)
        "Sebaran jawaban per unsur", "U7 Perilaku Pelaksana 30 0 0 0 25,00",
        "U3 Waktu Penyelesaian 0 0 30 0 75,00",
        # the weakest element with its development pointer and the comments about it
        "Unsur terlemah: U7 Perilaku Pelaksana (25,00)",
        "Saran pengembangan: Pelatihan komunikasi pelayanan dan etika pelayanan publik",
        "Petugas membentak warga, hubungi saya di",
        # praise
        "Pujian dari warga", "03-03-2026 Dijelaskan dengan sabar sekali",
        # the trend against the previous period of equal length
        "29 Januari 2026 – 28 Februari 2026 (31 hari): 30 penilaian",
        "Turun 16,67 poin (sebelumnya 75,00, kini 58,33)",
        # the verification, in the block and on every page's footer
        f"Kode verifikasi {code}", f"http://suara.test/verifikasi/{code}",
    ):
        assert expected in text, expected
    # English under the Indonesian, in smaller lines.
    everything = text_of(body)
    for english in ("Public feedback component", "below expectation", "Praise from citizens",
                    "Your score (raw)", "58.33", "Down 16.67 points"):
        assert english in everything and english not in text, english


def test_comments_are_masked_and_hidden_ones_stay_out(db_session, clinic, in_app):
    text = text_of(evidence.sheet_pdf(sheet_of(db_session, clinic["citra"])))
    assert "Petugas membentak warga, hubungi saya di [nomor telepon]" in text
    assert "081234567890" not in text
    assert "Komentar yang disembunyikan kepala" not in text
    # Another officer's words are not this officer's evidence.
    assert "Terima kasih Pak Zainal" not in text and "Lambat sekali" not in text


def test_below_the_minimum_the_sheet_reveals_no_number(db_session, clinic, in_app):
    sheet = sheet_of(db_session, clinic["zainal"])
    code, body = evidence.verified_pdf(db_session, sheet, base_url="http://suara.test")
    nip = clinic["zainal"].nip  # a code and a NIP may hold any digits
    everything = text_of(body).replace(code, "SL-KODE").replace(nip, "NIP")
    text = indonesian_of(body).replace(code, "SL-KODE")
    for expected in (
        "Predikat belum cukup penilaian", "Penilaian / hari layanan 5 / 1",
        "Belum cukup penilaian: 5 penilaian dari 1 hari layanan untuk Anda, dan 60 penilaian "
        "dari 5 hari layanan untuk rekan di unit Puskesmas Mawar (pembanding).",
        "Penilaian untuk Anda kurang dari 30.", "Penilaian untuk Anda berasal dari kurang dari "
        "5 hari layanan", "Sebaran jawaban ditampilkan setelah penilaian cukup.",
        "Unsur terlemah ditentukan setelah penilaian cukup.", "Tren belum dapat dihitung",
        "Terima kasih Pak Zainal",  # praise reveals no number and stays
    ):
        assert expected in text, expected
    # No score, reference, interval, adjusted score, top-box share, unit IKM or element
    # score, in either language: every one of them prints with a decimal comma (or point).
    text = everything
    assert re.findall(r"\d+[,.]\d{2}", text) == []
    assert "100" not in text and "%" not in text.replace("95%", "")
    for revealing in ("Skor Anda", "Rekan di unit (pembanding)", "Skor disesuaikan",
                      "sangat baik\" (4)", "Unsur terlemah:", "Saran pengembangan",
                      "Waktu Penyelesaian", "Kompetensi Pelaksana", "Perilaku Pelaksana",
                      "Lambat sekali", "Mutu pelayanan unit", "di atas ekspektasi",
                      "sesuai ekspektasi", "di bawah ekspektasi"):
        assert revealing not in text, revealing
    # What the public verification page certifies says no more than the sheet.
    subject = db_session.scalar(select(IssuedDocument.subject)
                                .where(IssuedDocument.code == code))
    assert "belum cukup penilaian" in subject and "5 penilaian dari 1 hari" in subject
    assert re.findall(r"\d+,\d{2}", subject) == []


def test_the_verification_url_confirms_the_untouched_sheet_and_refuses_an_altered_one(
        client, signed_in, clinic):
    own = signed_in(clinic["citra_user"])
    response = own.get(f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf",
                       query_string=MARCH_ARGS)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="lembar-bukti-{CITRA_NIP}-2026-03-01-2026-03-31.pdf"')
    body = response.data
    code = re.search(r"Kode verifikasi (SL-[0-9A-Z-]+)", text_of(body)).group(1)
    page = client.get(f"/verifikasi/{code}")
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert "Citra Kirana" in shown and "di bawah ekspektasi" in shown
    assert documents.digest(body) in shown
    confirmed = client.post(f"/verifikasi/{code}",
                            data={"file": (io.BytesIO(body), "lembar-bukti.pdf")},
                            content_type="multipart/form-data")
    assert confirmed.status_code == 200
    assert 'data-verification="valid"' in confirmed.get_data(as_text=True)
    altered = body.replace(b"58,33", b"88,33") if b"58,33" in body else body + b"\n%ubah"
    refused = client.post(f"/verifikasi/{code}",
                          data={"file": (io.BytesIO(altered), "lembar-bukti.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 409 and "TIDAK COCOK" in refused.get_data(as_text=True)
    wrong = client.get(f"/verifikasi/{code}", query_string={"sha256": "f" * 64})
    assert wrong.status_code == 409


def _issued(db_session) -> int:
    return db_session.scalar(select(func.count()).select_from(IssuedDocument)
                             .where(IssuedDocument.kind == evidence.KIND))


@pytest.mark.parametrize("who, status", [
    ("self", 200), ("head in scope", 200), ("supervisor in scope", 200), ("admin", 200),
    ("head out of scope", 404), ("supervisor out of scope", 404), ("another officer", 404),
])
def test_only_those_who_may_see_the_officer_produce_the_sheet(signed_in, factory, clinic,
                                                              db_session, who, status):
    other_department = factory.department(name="Dinas Lain")
    other_unit = factory.unit(department=other_department)
    users = {
        "self": lambda: clinic["citra_user"],
        "head in scope": lambda: clinic["head"],
        "supervisor in scope": lambda: factory.user("supervisor", unit_id=clinic["unit"].id),
        "admin": lambda: factory.user("admin"),
        "head out of scope": lambda: factory.user("head", department=other_department),
        "supervisor out of scope": lambda: factory.user("supervisor", unit_id=other_unit.id),
        "another officer": lambda: clinic["zainal_user"],
    }
    before = _issued(db_session)
    response = signed_in(users[who]()).get(
        f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf", query_string=MARCH_ARGS)
    assert response.status_code == status
    if status == 200:
        assert response.mimetype == "application/pdf"
        assert "Citra Kirana" in text_of(response.data)
        assert _issued(db_session) == before + 1
    else:
        # Refused like the officer page: not even the name, and nothing issued.
        assert "Citra Kirana" not in response.get_data(as_text=True)
        assert _issued(db_session) == before


def test_nobody_signed_in_gets_no_sheet(client, clinic, db_session):
    response = client.get(f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf",
                          query_string=MARCH_ARGS)
    assert response.status_code == 302  # to the sign-in page, as the officer page
    assert "next=" in response.headers["Location"]
    assert response.mimetype != "application/pdf"
    assert _issued(db_session) == 0


def test_a_malformed_period_is_refused_not_guessed(signed_in, clinic):
    response = signed_in(clinic["head"]).get(
        f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf",
        query_string={"from": "2026-13-45"})
    assert response.status_code == 400


def test_scope_follows_the_unit_the_ratings_were_given_in(signed_in, factory, clinic,
                                                          rate_days, db_session):
    """Citra moves to another department's unit and is rated there: her old head's sheet
    holds only the clinic's ratings, her new head's only the new unit's."""
    people = factory.department(name="Dinas Dukcapil Uji")
    registry = factory.unit(department=people, code="DKC-ANGGREK", name="Catatan Sipil Anggrek")
    rate_days(registry, 4, officer=clinic["citra"], first=20)
    clinic["citra"].unit_id = registry.id
    db_session.flush()
    url = f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf"
    old = text_of(signed_in(clinic["head"]).get(url, query_string=MARCH_ARGS).data)
    assert "PKM-MAWAR — Puskesmas Mawar" in old and "58,33" in old
    assert "Catatan Sipil Anggrek" not in old
    assert "Petugas ini kini bertugas di unit lain" in old
    new_head = factory.user("head", department=people)
    new = text_of(signed_in(new_head).get(url, query_string=MARCH_ARGS).data)
    assert "DKC-ANGGREK — Catatan Sipil Anggrek" in new
    assert "Puskesmas Mawar" not in new and "58,33" not in new
    # The new head cannot ask for the old unit's ratings.
    asked = signed_in(new_head).get(url, query_string={**MARCH_ARGS,
                                                       "unit": clinic["unit"].id})
    assert asked.status_code == 404


def test_the_officer_page_and_the_heads_table_link_to_the_sheet(signed_in, clinic):
    path = f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf"
    own = signed_in(clinic["citra_user"]).get("/dasbor/saya", query_string=MARCH_ARGS)
    body = own.get_data(as_text=True)
    link = re.search(r'data-testid="evidence-sheet" href="([^"]+)"', body).group(1)
    assert link.startswith(path) and "from=2026-03-01" in link and "to=2026-03-31" in link
    assert signed_in(clinic["citra_user"]).get(link.replace("&amp;", "&")).status_code == 200
    dashboard = signed_in(clinic["head"]).get("/dasbor/", query_string=MARCH_ARGS)
    row = re.search(rf'<tr[^>]*data-officer="{clinic["citra"].id}".*?</tr>',
                    dashboard.get_data(as_text=True), re.S).group(0)
    assert path in row


def test_the_cli_writes_a_verifiable_sheet(runner, clinic, db_session, tmp_path):
    target = tmp_path / "citra.pdf"
    result = runner.invoke(args=["report", "evidence", CITRA_NIP, "--from", "2026-03-01",
                                 "--to", "2026-03-31", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "30 penilaian dari 5 hari layanan, di bawah ekspektasi" in result.output
    body = target.read_bytes()
    assert "Skor Anda (mentah) 58,33" in indonesian_of(body)
    code = result.output.split("Kode verifikasi lembar bukti: ")[1].split()[0]
    assert documents.verify(db_session, code, body=body).matches is True
    unknown = runner.invoke(args=["report", "evidence", "000000000000000000", "-o",
                                  str(tmp_path / "x.pdf")])
    assert unknown.exit_code == 1 and "tidak ditemukan" in unknown.output
    assert runner.invoke(args=["report", "evidence", "--help"]).exit_code == 0


def test_a_page_renders_to_png(db_session, clinic, in_app, tmp_path):
    if shutil.which("pdftoppm") is None:
        if os.environ.get("CI"):
            pytest.fail("pdftoppm is missing: `make test` installs it (make pdftools)")
        pytest.skip("pdftoppm is missing: run `make pdftools`")
    sheet = sheet_of(db_session, clinic["citra"])
    _code, body = evidence.verified_pdf(db_session, sheet, base_url="http://suara.test")
    (tmp_path / "sheet.pdf").write_bytes(body)
    subprocess.run(["pdftoppm", "-r", "50", "-png", "-f", "1", "-l", "1",
                    str(tmp_path / "sheet.pdf"), str(tmp_path / "page")], check=True)
    png = next(tmp_path.glob("page*.png"))
    if os.environ.get("EVIDENCE_PNG"):  # to look at it: EVIDENCE_PNG=/tmp/sheet.png
        shutil.copy(png, os.environ["EVIDENCE_PNG"])
    from PIL import Image

    with Image.open(png) as image:
        width, height = image.size  # A4 portrait at 50 dpi: about 413 × 585 pixels
        assert abs(width - 413) <= 1 and abs(height - 585) <= 1
        gray = image.convert("L")
        assert gray.getextrema()[0] < 80 and sum(gray.histogram()[:128]) > 2000



def test_an_english_reader_gets_the_same_indonesian_first_sheet(signed_in, clinic):
    response = signed_in(clinic["head"]).get(
        f"/dasbor/petugas/{clinic['citra'].id}/lembar-bukti.pdf",
        query_string={**MARCH_ARGS, "lang": "en"})
    text = indonesian_of(response.data)
    assert "Skor Anda (mentah) 58,33" in text and "Predikat di bawah ekspektasi" in text
    assert "hubungi saya di [nomor telepon]" in text
    assert "Your score (raw)" in text_of(response.data)
