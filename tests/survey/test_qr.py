"""QR images and printable sheets: what a counter prints is the code of its survey link."""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from survey import qr
from survey.services import current_code, survey_url
from tests.conftest import TEST_SECRET

URL = "http://suara.test/s/AbCdEfGhIjKl.0123456789abcdefghijklmnopq"


def matrix_from_png(data: bytes, box_size: int = 10) -> list[list[bool]]:
    """Read the modules back from the pixels: the centre of each box, dark or light."""
    image = Image.open(io.BytesIO(data)).convert("L")
    side = image.width // box_size
    return [
        [image.getpixel((x * box_size + box_size // 2, y * box_size + box_size // 2)) < 128
         for x in range(side)]
        for y in range(side)
    ]


def pdf_page_count(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", data))


def test_a_png_is_a_black_and_white_square_of_whole_modules():
    data = qr.png_bytes(URL)
    image = Image.open(io.BytesIO(data))
    side = len(qr.modules(URL))
    assert image.format == "PNG"
    assert image.mode == "1"
    assert image.size == (side * 10, side * 10)


def test_the_png_encodes_exactly_the_survey_url():
    # No pure-Python QR decoder is installed, so read the modules back from the pixels and
    # compare them with qrcode's own matrix for the URL (quiet zone included).
    expected = qr.modules(URL)
    assert matrix_from_png(qr.png_bytes(URL)) == expected
    assert matrix_from_png(qr.png_bytes(URL + "x")) != expected


def test_an_svg_is_valid_xml_with_the_codes_modules():
    svg = qr.svg_text(URL)
    root = ET.fromstring(svg.encode())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    side = len(qr.modules(URL))
    assert root.get("viewBox") == f"0 0 {side} {side}"
    assert root.find("{http://www.w3.org/2000/svg}path") is not None


def test_an_inline_svg_has_no_xml_declaration():
    assert qr.svg_text(URL, standalone=False).lstrip().startswith("<svg")


def posters(n: int) -> list[qr.Poster]:
    return [qr.Poster("Puskesmas Suka Maju", f"Loket {i} — Pendaftaran", f"{URL}{i}",
                      "Dinas Kesehatan") for i in range(1, n + 1)]


def test_a_pdf_sheet_has_one_a4_page_per_counter():
    data = qr.sheet_pdf(posters(3))
    assert data.startswith(b"%PDF-")
    assert pdf_page_count(data) == 3
    # A4 is 210 × 297 mm = 595 × 842 points; every page's MediaBox says so.
    boxes = re.findall(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", data)
    assert len(boxes) == 3
    assert all(abs(float(w) - 595.3) < 1 and abs(float(h) - 841.9) < 1 for w, h in boxes)


def test_a_poster_page_carries_the_code_large_enough_to_scan_at_arms_length():
    page = qr.poster_page(posters(1)[0])
    assert page.size == qr.A4_PIXELS
    # The code's finder pattern sits in the page's middle band: dark pixels at its centre row.
    middle = [page.getpixel((x, 1000)) for x in range(0, page.width, 5)]
    assert any(pixel == (0, 0, 0) for pixel in middle)


def test_an_html_sheet_is_print_ready_and_self_contained(app_context):
    html = qr.sheet_html(posters(2))
    assert "@page" in html and "size: A4" in html
    assert html.count("<svg") == 2
    assert qr.INSTRUCTION_ID in html
    assert "Loket 2 — Pendaftaran" in html
    # Nothing loaded from elsewhere: no stylesheet links, scripts or remote images.
    assert not re.search(r"<(link|script)\b|src=\"http", html)


def test_a_sheet_needs_at_least_one_poster():
    with pytest.raises(ValueError):
        qr.sheet_pdf([])


# --- the CLI ----------------------------------------------------------------------------


def test_qr_image_writes_a_png_of_the_counters_link(runner, db_session, factory, tmp_path):
    counter = factory.counter(code="PKM-L1")
    out = tmp_path / "loket.png"
    result = runner.invoke(args=["qr", "image", "PKM-L1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    url = survey_url(current_code(db_session, counter=counter), TEST_SECRET, "http://suara.test")
    assert result.output.strip().splitlines()[-1] == url
    assert matrix_from_png(out.read_bytes()) == qr.modules(url)


def test_qr_image_writes_an_svg_for_an_officers_badge(runner, db_session, factory, tmp_path):
    officer = factory.officer(nip="198503142010012003")
    out = tmp_path / "badge.svg"
    result = runner.invoke(args=["qr", "image", "--officer", "1985 0314 2010 01 2 003",
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    url = survey_url(current_code(db_session, officer=officer), TEST_SECRET, "http://suara.test")
    assert result.output.strip().splitlines()[-1] == url
    ET.fromstring(out.read_bytes())


def test_qr_image_refuses_other_file_types(runner, factory, tmp_path):
    factory.counter(code="PKM-L2")
    result = runner.invoke(args=["qr", "image", "PKM-L2", "-o", str(tmp_path / "x.jpg")])
    assert result.exit_code != 0
    assert ".png or .svg" in result.output
    assert not (tmp_path / "x.jpg").exists()


def test_qr_sheet_writes_one_page_per_active_counter(runner, factory, tmp_path):
    unit = factory.unit(code="PKM-SM", name="Puskesmas Suka Maju")
    for n in (1, 2, 3):
        factory.counter(code=f"PKM-SM-{n}", label=f"Loket {n}", unit=unit)
    factory.counter(code="PKM-SM-OLD", label="Loket lama", unit=unit, active=False)
    out = tmp_path / "sheet.pdf"
    result = runner.invoke(args=["qr", "sheet", "PKM-SM", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert pdf_page_count(out.read_bytes()) == 3


def test_qr_sheet_as_html_names_the_unit_and_each_counter(runner, factory, tmp_path):
    unit = factory.unit(code="KEC-1", name="Kantor Kecamatan Suka Maju Utara")
    factory.counter(code="KEC-1-A", label="Loket Pelayanan Umum", unit=unit)
    factory.counter(code="KEC-1-B", label="Loket PATEN", unit=unit)
    out = tmp_path / "sheet.html"
    result = runner.invoke(args=["qr", "sheet", "KEC-1", "-o", str(out)])
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert html.count("Kantor Kecamatan Suka Maju Utara") >= 2
    assert "Loket Pelayanan Umum" in html and "Loket PATEN" in html
    assert html.count("<svg") == 2


def test_qr_sheet_for_an_unknown_unit_says_so(runner, tmp_path):
    result = runner.invoke(args=["qr", "sheet", "NOPE", "-o", str(tmp_path / "s.pdf")])
    assert result.exit_code != 0
    assert "NOPE" in result.output and "tidak ditemukan" in result.output
