"""No export cell holding text a person typed is a live formula, whatever the position: at the
start, after a comma or a semicolon (a semicolon-locale spreadsheet splits ``ok;=1+1`` into
``ok`` and ``=1+1``), a tab, a pipe or a line break, with blanks before it, and in full-width
signs. One test per export and field."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from analytics import exports, officers_read, reports
from analytics.models import ReportSignatory
from analytics.periods import Period
from analytics.settings import DEFAULTS

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31))
# Each at most 8 characters: the profile columns are that short on PostgreSQL.
PAYLOADS = ["=1+1", "ok;=1+1", "a, +1", "@SUM(1)", "x\t-1", "x\n=1", "ok; =1+1", "\uff1d1+1"]
ONE_CHARACTER = ["=", "+", "-", "@"]
SIGNS = "=+-@\uff1d\uff0b\uff0d\uff20"


def live_formulas(text: str) -> list[str]:
    """The pieces of ``text`` a spreadsheet would run, splitting on every separator any
    locale's CSV import uses (quotes ignored: the worst case)."""
    pieces = re.split(r"[,;\t|\r\n]", text)
    return [p for p in pieces if p.lstrip(" \t\u00a0")[:1] in set(SIGNS) and p.strip()]


def is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_csv(text: str, payload: str) -> None:
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert any(cell.replace("'", "") == payload for cell in cells), "payload not exported"
    for cell in cells:
        if not is_number(cell):
            assert live_formulas(cell) == [], cell
    # A semicolon-locale spreadsheet that ignores the quotes still finds no formula.
    for line in text.splitlines():
        for piece in line.split(";"):
            piece = piece.strip().strip('"')
            if not is_number(piece):
                assert live_formulas(piece) == [], piece


def check_xlsx(body: bytes, payload: str) -> None:
    book = load_workbook(io.BytesIO(body))
    values = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    values.append(cell.value)
                    assert live_formulas(cell.value) == [], cell.value
    assert any(value.replace("'", "") == payload for value in values), "payload not exported"


@pytest.fixture
def world(db_session, factory, rate):
    def make(*, department=None, unit=None, unit_code=None, counter=None, officer_name=None,
             employee_id=None, rating=None, comment=None, signatory=None):
        dept = factory.department(**({"name": department} if department else {}))
        fields = {"department": dept, "annual_population": 100}
        if unit:
            fields["name"] = unit
        if unit_code:
            fields["code"] = unit_code
        the_unit = factory.unit(**fields)
        the_counter = factory.counter(unit=the_unit, **({"code": counter} if counter else {}))
        officer_fields = {"unit": the_unit}
        if officer_name:
            officer_fields["name"] = officer_name
        if employee_id:
            officer_fields.update(nip=None, employee_id=employee_id)
        officer = factory.officer(**officer_fields)
        made = rate(the_unit, 3, day=(2026, 3, 2), officer=officer,
                    counter_id=the_counter.id, **(rating or {}))
        if comment:
            factory.comment(made, **{"kind": "complaint", "text": "biasa", **comment})
        if signatory:
            db_session.add(ReportSignatory(unit_id=the_unit.id, **signatory))
            db_session.flush()
        return the_unit

    return make


def ratings_csv(db_session, unit) -> str:
    out = io.StringIO()
    exports.ratings_csv(db_session, [unit.id], MARCH, out)
    return out.getvalue()


RATING_FIELDS = {
    "comment text": lambda p: {"comment": {"text": p}},
    "comment category": lambda p: {"comment": {"category": p}},
    "service type": lambda p: {"rating": {"service_type": p}},
    "age band": lambda p: {"rating": {"age_band": p}},
    "education": lambda p: {"rating": {"education": p}},
    "occupation": lambda p: {"rating": {"occupation": p}},
    "counter code": lambda p: {"counter": p},
    "unit code": lambda p: {"unit_code": p},
    "officer id": lambda p: {"employee_id": p},
    "flags": lambda p: {"rating": {"flags": p}},
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", RATING_FIELDS)
def test_the_ratings_csv_neutralises(db_session, world, field, payload):
    unit = world(**RATING_FIELDS[field](payload))
    check_csv(ratings_csv(db_session, unit), payload)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", RATING_FIELDS)
def test_the_ratings_xlsx_neutralises(db_session, world, field, payload):
    unit = world(**RATING_FIELDS[field](payload))
    check_xlsx(exports.ratings_xlsx(db_session, [unit.id], MARCH), payload)


@pytest.mark.parametrize("payload", ONE_CHARACTER)
def test_the_ratings_exports_neutralise_the_gender(db_session, world, payload):
    unit = world(rating={"gender": payload})
    check_csv(ratings_csv(db_session, unit), payload)
    check_xlsx(exports.ratings_xlsx(db_session, [unit.id], MARCH), payload)


REPORT_FIELDS = {
    "department name": lambda p: {"department": p},
    "unit name": lambda p: {"unit": p},
    "unit code": lambda p: {"unit_code": p},
    "service type": lambda p: {"rating": {"service_type": p}},
    "age band": lambda p: {"rating": {"age_band": p}},
    "education": lambda p: {"rating": {"education": p}},
    "occupation": lambda p: {"rating": {"occupation": p}},
    "signatory place": lambda p: {"signatory": {"place": p}},
    "signatory title": lambda p: {"signatory": {"head_title": p}},
    "head's name": lambda p: {"signatory": {"head_name": p}},
    "head's NIP": lambda p: {"signatory": {"head_nip": p}},
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", REPORT_FIELDS)
def test_the_skm_report_xlsx_neutralises(db_session, world, field, payload):
    unit = world(**REPORT_FIELDS[field](payload))
    body = reports.report_xlsx(reports.build_report(db_session, unit, MARCH))
    if field in EMBEDDED:
        # Shown inside a longer cell ("CODE — name", "place, date"): the cell is safe, and
        # the payload is in it.
        book = load_workbook(io.BytesIO(body))
        cells = [c for r in book["Laporan SKM"].iter_rows(values_only=True) for c in r
                 if isinstance(c, str)]
        assert any(payload in c.replace("'", "") for c in cells)
        check_xlsx_cells_only(body)
    else:
        check_xlsx(body, payload)


EMBEDDED = {"unit name", "unit code", "signatory place"}


def check_xlsx_cells_only(body: bytes) -> None:
    book = load_workbook(io.BytesIO(body))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f"
                if isinstance(cell.value, str):
                    assert live_formulas(cell.value) == [], cell.value


@pytest.mark.parametrize("payload", ONE_CHARACTER)
def test_the_skm_report_xlsx_neutralises_the_gender(db_session, world, payload):
    unit = world(rating={"gender": payload})
    check_xlsx(reports.report_xlsx(reports.build_report(db_session, unit, MARCH)), payload)


OFFICER_FIELDS = {
    "officer name": lambda p: {"officer_name": p},
    "officer id": lambda p: {"employee_id": p},
    "unit code": lambda p: {"unit_code": p},
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", OFFICER_FIELDS)
def test_the_officers_sheet_neutralises(db_session, world, field, payload):
    unit = world(**OFFICER_FIELDS[field](payload))
    components = officers_read.officer_components(db_session, [unit.id], MARCH, DEFAULTS)
    out = io.StringIO()
    exports.officers_csv(components, MARCH, out, DEFAULTS)
    check_csv(out.getvalue(), payload)
    check_xlsx(exports.officers_xlsx(components, MARCH, DEFAULTS), payload)


OPEN_DATA_FIELDS = {
    "unit name": lambda p: {"unit": p},
    "department name": lambda p: {"department": p},
    "unit code": lambda p: {"unit_code": p},
}


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("field", OPEN_DATA_FIELDS)
def test_the_open_data_csv_neutralises(client, world, field, payload):
    world(**OPEN_DATA_FIELDS[field](payload))
    response = client.get("/hasil/data.csv", query_string={"tahun": "2026"})
    assert response.status_code == 200
    check_csv(response.get_data(as_text=True).lstrip("\ufeff"), payload)


def test_text_keeps_its_words_and_numbers_stay_numbers():
    assert exports.safe_text("ok;=1+1") == "ok;'=1+1"
    assert exports.safe_text("Antrean lama - 2 jam") == "Antrean lama - 2 jam"
    assert exports.safe_text("2026-03-02T09:00:00+07:00") == "2026-03-02T09:00:00+07:00"
    assert exports.safe_text(-3) == -3
