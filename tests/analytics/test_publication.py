"""The public results never show an index from too few respondents as if it were solid, round
NRR half up like the converted value, label trend points by the days they cover, and offer
open data (CSV and JSON, listed in the OpenAPI document). Issued documents are verified at a
public URL."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from analytics import documents, publication, reports
from analytics.models import ReportSignatory
from analytics.periods import Period

YEAR = {"from": "2026-01-01", "to": "2026-06-30"}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


@pytest.fixture
def small(factory, rate):
    unit = factory.unit(code="KEL-A", name="Kelurahan Asri", annual_population=100)
    rate(unit, 4, day=(2026, 3, 2), times=3)
    return unit


def test_below_the_floor_the_index_is_withheld(client, small):
    index = text_of(client.get("/hasil/", query_string=YEAR))
    assert "Belum ditampilkan (3 dari minimal 5 responden)" in index
    assert "100,00" not in index
    page = client.get("/hasil/KEL-A", query_string=YEAR)
    assert page.status_code == 200
    body = text_of(page)
    assert "Belum ditampilkan: baru 3 responden, kurang dari 5" in body
    assert 'data-testid="ikm"' not in page.get_data(as_text=True)
    assert "100,00" not in body.split("Per bulan")[0]


def test_below_the_minimum_sample_it_is_shown_with_a_notice(make_app, small):
    client = make_app(PUBLIC_MINIMUM_RESPONDENTS=2).test_client()
    index = text_of(client.get("/hasil/", query_string=YEAR))
    assert "100,00" in index and "sementara: di bawah sampel minimum 80" in index
    page = client.get("/hasil/KEL-A", query_string=YEAR).get_data(as_text=True)
    assert 'data-status="provisional"' in page
    assert "Hasil sementara: 3 responden, belum memenuhi sampel minimum 80" in text_of_html(page)
    assert "memenuhi sampel minimum (80" not in text_of_html(page)


def text_of_html(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_without_a_population_the_sample_cannot_be_checked(make_app, factory, rate):
    unit = factory.unit(code="KEL-B", annual_population=None)
    rate(unit, 3, day=(2026, 3, 2), times=6)
    page = make_app().test_client().get("/hasil/KEL-B", query_string=YEAR)
    assert "belum diketahui: kecukupan sampel (6 responden) belum dapat diperiksa" in \
        text_of(page)


def test_a_sample_that_reaches_the_minimum_is_shown_plainly(client, factory, rate):
    unit = factory.unit(code="KEL-C", annual_population=10)  # Krejcie–Morgan: 10
    rate(unit, 3, day=(2026, 3, 2), times=10)
    page = client.get("/hasil/KEL-C", query_string=YEAR)
    html = page.get_data(as_text=True)
    assert 'data-status="solid"' in html and "notice" not in html.split("Per bulan")[0]
    assert "memenuhi sampel minimum (10" in text_of(page)


def test_nrr_is_rounded_half_up_like_the_converted_value(client, factory, rate):
    # U1: thirteen 3s and three 2s = 45/16 = 2.8125 → 2.813 (half up), not 2.812 (half even).
    unit = factory.unit(code="KEL-D", annual_population=10)
    rate(unit, 3, day=(2026, 3, 2), times=13)
    rate(unit, {"U1": 2, "U2": 3, "U3": 3, "U4": 3, "U5": 3, "U6": 3, "U7": 3, "U8": 3,
                "U9": 3}, day=(2026, 3, 3), times=3)
    body = text_of(client.get("/hasil/KEL-D", query_string=YEAR))
    assert "U1 · Persyaratan 70,31 2,813 70,31" in body
    assert "2,812" not in body
    assert publication.nrr_text(__import__("fractions").Fraction(45, 16)) == \
        __import__("decimal").Decimal("2.813")


def test_trend_points_are_labelled_by_the_days_they_cover(client, factory, rate):
    unit = factory.unit(code="KEL-E", annual_population=10)
    rate(unit, 3, day=(2026, 3, 12), times=10)
    rate(unit, 4, day=(2026, 5, 2), times=2)
    html = client.get("/hasil/KEL-E", query_string={"from": "2026-03-10",
                                                    "to": "2026-05-20"}).get_data(as_text=True)
    trend = text_of_html(html.split('id="trend-title"')[1].split("</table>")[0])
    assert "10–31 Mar 2026 10 75,00" in trend
    assert "1–30 Apr 2026 0 –" in trend
    assert "1–20 Mei 2026 2 belum ditampilkan" in trend
    assert not re.search(r"(?<!\d)1 Mar", trend)  # never a day outside the period
    assert publication.day_label(date(2025, 12, 29), date(2026, 1, 4)) == \
        "29 Des 2025 – 4 Jan 2026"


def test_open_data_per_month_and_quarter_as_csv_and_json(client, factory, rate, small):
    hidden = factory.unit(code="KEL-X", published=False)
    rate(hidden, 1, day=(2026, 3, 2), times=9)
    solid = factory.unit(code="KEL-F", name="Kelurahan Fajar", annual_population=10)
    rate(solid, 3, day=(2026, 2, 2), times=10)
    response = client.get("/hasil/data.json", query_string={"per": "kuartal", "tahun": "2026"})
    assert response.status_code == 200
    data = response.json
    assert data["per"] == "quarter" and data["minimum_respondents_shown"] == 5
    assert "setengah ke atas" in data["rounding_rule"] and "Krejcie" in data["method"]
    rows = {(r["unit_code"], r["period"]): r for r in data["rows"]}
    assert {code for code, _ in rows} == {"KEL-A", "KEL-F"}
    q1 = rows[("KEL-F", "2026-Q1")]
    assert (q1["from"], q1["to"], q1["days_label"]) == ("2026-01-01", "2026-03-31",
                                                      "1 Jan – 31 Mar 2026")
    assert (q1["respondents"], q1["status"], q1["ikm"], q1["ikm_converted"], q1["U3_nrr"]) \
        == (10, "solid", 3.0, 75.0, 3.0)
    withheld = rows[("KEL-A", "2026-Q1")]
    assert withheld["status"] == "withheld" and withheld["ikm_converted"] is None
    assert withheld["U1_nrr"] is None and withheld["respondents"] == 3

    monthly = client.get("/hasil/KEL-F/data.csv", query_string={"tahun": "2026"})
    assert monthly.status_code == 200 and monthly.mimetype == "text/csv"
    lines = list(csv.DictReader(io.StringIO(monthly.get_data(as_text=True).lstrip("\ufeff"))))
    february = next(r for r in lines if r["period"] == "2026-02")
    assert (february["days_label"], february["respondents"], february["ikm_converted"]) == (
        "1–28 Feb 2026", "10", "75.0")
    assert "setengah ke atas" in february["rounding_rule"] and february["method"]
    assert {r["unit_code"] for r in lines} == {"KEL-F"}

    assert client.get("/hasil/KEL-X/data.json").status_code == 404
    assert client.get("/hasil/data.csv?per=minggu").status_code == 400
    assert client.get("/hasil/data.json?tahun=1999").status_code == 400
    assert client.get("/hasil/data.json?tahun=").status_code == 400


def test_the_open_data_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/hasil/data.csv", "/hasil/data.json", "/hasil/{code}/data.csv",
                 "/hasil/{code}/data.json"):
        assert path in paths
        names = {p["name"] for p in paths[path]["get"]["parameters"]}
        assert {"per", "tahun"} <= names


# --- verification of issued documents ----------------------------------------------------


@pytest.fixture
def issued(db_session, small):
    report = reports.build_report(db_session, small, Period(date(2026, 3, 1),
                                                            date(2026, 3, 31)))
    code, body = reports.verified_pdf(db_session, report, base_url="http://suara.test",
                                      issued_by_name="Admin Dinas")
    return code, body


def test_the_verification_url_confirms_an_untouched_report(client, issued):
    code, body = issued
    page = client.get(f"/verifikasi/{code}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Laporan SKM unit KEL-A" in text and "3 responden" in text and "Admin Dinas" in text
    assert documents.digest(body) in text
    match = client.get(f"/verifikasi/{code}", query_string={"sha256": documents.digest(body)})
    assert match.status_code == 200 and 'data-verification="valid"' in match.get_data(
        as_text=True)
    upload = client.post(f"/verifikasi/{code}",
                         data={"file": (io.BytesIO(body), "laporan.pdf")},
                         content_type="multipart/form-data")
    assert upload.status_code == 200 and "Cocok" in text_of(upload)


def test_the_verification_url_refuses_an_altered_copy(client, issued):
    code, body = issued
    altered = body.replace(b"Kurang Baik", b"Sangat Baik") if b"Kurang Baik" in body else \
        body + b"\n%altered"
    refused = client.post(f"/verifikasi/{code}",
                          data={"file": (io.BytesIO(altered), "laporan.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 409 and "TIDAK COCOK" in text_of(refused)
    wrong = client.get(f"/verifikasi/{code}", query_string={"sha256": "0" * 64})
    assert wrong.status_code == 409
    assert client.get("/verifikasi/SL-0000-0000-0000").status_code == 404
    assert client.get("/verifikasi/bukan-kode").status_code == 404


def test_only_an_administrator_sets_who_signs_the_report(client, signed_in, factory,
                                                         db_session, small):
    admin = signed_in(factory.user("admin"))
    assert admin.get("/dasbor/penandatangan-laporan").status_code == 200
    saved = admin.post("/dasbor/penandatangan-laporan", data={
        "unit": "KEL-A", "place": "Bantul", "head_title": "Lurah Asri",
        "head_name": "Budi Santoso", "head_nip": "197001011990031001"})
    assert saved.status_code == 302
    row = db_session.get(ReportSignatory, small.id)
    assert (row.place, row.head_name, row.head_nip) == ("Bantul", "Budi Santoso",
                                                        "197001011990031001")
    supervisor = signed_in(factory.user("supervisor", unit_id=small.id))
    assert supervisor.get("/dasbor/penandatangan-laporan").status_code == 403
    assert supervisor.post("/dasbor/penandatangan-laporan",
                           data={"unit": "KEL-A", "head_name": "X"}).status_code == 403


def test_the_public_api_says_how_the_pages_show_the_result(client, small):
    data = client.get("/api/v1/units/KEL-A/ikm", query_string=YEAR).json
    assert data["publication"] == {"status": "withheld", "minimum_respondents_shown": 5}
