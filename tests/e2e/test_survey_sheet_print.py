"""The HTML sheet of QR posters, printed by a real browser: one A4 page per counter, and
the code on the page is the one qrcode made for the link."""

from __future__ import annotations

import re

from survey import qr

URL = "http://suara.test/s/AbCdEfGhIjKl.0123456789abcdefghijklmnopq"


def test_chromium_prints_the_html_sheet_as_one_a4_page_per_counter(browser, app_context):
    posters = [qr.Poster("Puskesmas Suka Maju", f"Loket {n}", f"{URL}{n}", "Dinas Kesehatan")
               for n in (1, 2, 3)]
    page = browser.new_page()
    try:
        page.set_content(qr.sheet_html(posters))
        pdf = page.pdf(prefer_css_page_size=True)
        sizes = page.evaluate(
            "[...document.querySelectorAll('.code svg')].map(s => s.getBoundingClientRect().width)")
    finally:
        page.close()
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf)) == 3
    boxes = re.findall(rb"/MediaBox \[ *0 0 ([\d.]+) ([\d.]+) *\]", pdf)
    assert all(abs(float(w) - 595.3) < 1.5 and abs(float(h) - 841.9) < 1.5 for w, h in boxes)
    # 120 mm at 96 px per inch: large enough to scan from a metre away.
    assert all(abs(width - 120 / 25.4 * 96) < 2 for width in sizes)
