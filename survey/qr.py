"""QR images of survey links, and printable A4 sheets: one poster per counter (loket) with the
unit's name, the counter's label, the code and a one-line instruction in Bahasa Indonesia.

Plain functions of a URL (or a list of ``Poster``) to bytes or text; the CLI decides where they
go. PDFs are drawn with Pillow and its built-in scalable font, so printing needs no system
fonts; HTML sheets carry their CSS and SVG inline, so they print from any browser offline.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
import qrcode.image.svg
from flask import current_app
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont

INSTRUCTION_ID = "Pindai kode ini untuk menilai layanan kami"
INSTRUCTION_EN = "Scan this code to rate our service"
FOOTNOTE = "Tanpa nama, tanpa nomor telepon. Hanya 1 menit."

# Medium error correction survives a scuffed or partly covered sticker at a counter while
# keeping the modules large enough to scan from a phone held at arm's length.
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
BORDER = 4  # the quiet zone the standard asks for, in modules

# A4 at 150 dpi: sharp enough for a laser printer, small enough to mail.
A4_DPI = 150
A4_PIXELS = (1240, 1754)


@dataclass(frozen=True)
class Poster:
    unit_name: str
    counter_label: str
    url: str
    department_name: str = ""


def qr_code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code


def modules(url: str) -> list[list[bool]]:
    """The code's dark/light modules, quiet zone included (what a scanner reads)."""
    return qr_code(url).get_matrix()


def png_image(url: str, box_size: int = 10) -> Image.Image:
    """A black-and-white (mode "1") image, ``box_size`` pixels per module."""
    code = qr_code(url)
    code.box_size = box_size
    return code.make_image().get_image()


def png_bytes(url: str, box_size: int = 10) -> bytes:
    out = io.BytesIO()
    png_image(url, box_size).save(out, format="PNG")
    return out.getvalue()


def svg_text(url: str, *, standalone: bool = True) -> str:
    """The code as one SVG path; ``standalone=False`` omits the XML declaration (for inlining)."""
    image = qr_code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    if not svg.lstrip().startswith("<?xml") and standalone:
        svg = '<?xml version="1.0" encoding="UTF-8"?>\n' + svg
    if not standalone and svg.lstrip().startswith("<?xml"):
        svg = svg.split("?>", 1)[1].lstrip()
    return svg


def write_image(url: str, path: Path) -> None:
    """PNG or SVG, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".png":
        path.write_bytes(png_bytes(url))
    elif suffix == ".svg":
        path.write_text(svg_text(url), encoding="utf-8")
    else:
        raise ValueError("Pilih berkas .png atau .svg.")


# --- sheets -----------------------------------------------------------------------------


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if current and draw.textlength(candidate, font=font) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines or [""]


# Pillow's built-in font has no long dashes; a printed poster should not show a tofu box.
PRINTABLE = str.maketrans({"\u2014": "-", "\u2013": "-", "\u2019": "'", "\u00b7": "-"})


def _centred(draw, y: int, text: str, font, width: int, page_width: int, fill="black") -> int:
    """Draw wrapped, centred text from ``y``; return the y below it."""
    text = text.translate(PRINTABLE)
    for line in _wrap(draw, text, font, width):
        left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
        draw.text(((page_width - (right - left)) / 2 - left, y), line, font=font, fill=fill)
        y += int((bottom - top) * 1.35) + 4
    return y


def poster_page(poster: Poster) -> Image.Image:
    """One A4 page (portrait, 150 dpi, white) for one counter."""
    page_width, page_height = A4_PIXELS
    margin = 110
    text_width = page_width - 2 * margin
    page = Image.new("RGB", A4_PIXELS, "white")
    draw = ImageDraw.Draw(page)
    # A dark band at the top: the brand, and what this paper is for, at a glance.
    draw.rectangle((0, 0, page_width, 150), fill="#0b5cad")
    _centred(draw, 45, "Survei Kepuasan Masyarakat", _font(52), text_width, page_width, "white")

    y = 200
    if poster.department_name:
        y = _centred(draw, y, poster.department_name, _font(34), text_width, page_width, "#333333")
    y = _centred(draw, y + 6, poster.unit_name, _font(60), text_width, page_width)
    y = _centred(draw, y + 10, poster.counter_label, _font(48), text_width, page_width, "#0b5cad")

    # Whole pixels per module, so every module prints the same size.
    box_size = 780 // len(modules(poster.url))
    code = png_image(poster.url, box_size=box_size).convert("L")
    qr_side = code.width
    qr_top = max(y + 30, 560)
    page.paste(code, ((page_width - qr_side) // 2, qr_top))

    y = qr_top + qr_side + 30
    y = _centred(draw, y, INSTRUCTION_ID, _font(50), text_width, page_width)
    y = _centred(draw, y + 4, INSTRUCTION_EN, _font(34), text_width, page_width, "#333333")
    y = _centred(draw, y + 24, FOOTNOTE, _font(30), text_width, page_width, "#333333")
    # The link itself, small, for anyone whose phone cannot scan.
    _centred(draw, page_height - 120, poster.url, _font(22), text_width, page_width, "#333333")
    return page


def sheet_pdf(posters: list[Poster]) -> bytes:
    """A multi-page A4 PDF, one page per poster."""
    if not posters:
        raise ValueError("Tidak ada loket untuk dicetak.")
    pages = [poster_page(p) for p in posters]
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=A4_DPI, save_all=True,
                  append_images=pages[1:], title="Kode QR Survei Kepuasan Masyarakat")
    return out.getvalue()


def sheet_html(posters: list[Poster]) -> str:
    """A print-ready HTML document (A4 pages, inline SVG codes, no external assets).

    Rendered from the app's templates, so it needs an application context (not a request:
    the CLI writes sheets)."""
    if not posters:
        raise ValueError("Tidak ada loket untuk dicetak.")
    items = [
        {"poster": p, "svg": Markup(svg_text(p.url, standalone=False))}  # noqa: S704 - made here
        for p in posters
    ]
    return current_app.jinja_env.get_template("survey/qr_sheet.html").render(
        items=items, instruction_id=INSTRUCTION_ID,
        instruction_en=INSTRUCTION_EN, footnote=FOOTNOTE,
    )


def write_sheet(posters: list[Poster], path: Path) -> None:
    """PDF or HTML, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        path.write_bytes(sheet_pdf(posters))
    elif suffix in (".html", ".htm"):
        path.write_text(sheet_html(posters), encoding="utf-8")
    else:
        raise ValueError("Pilih berkas .pdf atau .html.")


__all__ = [
    "INSTRUCTION_ID",
    "Poster",
    "modules",
    "png_bytes",
    "png_image",
    "poster_page",
    "sheet_html",
    "sheet_pdf",
    "svg_text",
    "write_image",
    "write_sheet",
]
