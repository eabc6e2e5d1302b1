"""Single-use survey codes: one rating per service without identifying anyone.

A unit prints a batch on queue tickets or receipts (``flask --app wsgi qr tickets``), or a
queue machine fetches them one at a time from the API with its own key (stored only as a
hash). Each code is accepted once; ``record_rating`` refuses it afterwards and the citizen
sees the friendly "already rated" page. ``single_use_share`` tells reports how many ratings
came through such codes.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Unit, utcnow
from core.scope import within
from survey import qr
from survey.models import QrCode, QueueMachine, Rating
from survey.services import issue_code, survey_url

MAX_BATCH = 5000
KEY_PREFIX = "qm_"


class InvalidMachineKey(Exception):
    status, code = 401, "unauthorized"
    message = _l("Kunci mesin antrean tidak dikenal atau sudah dicabut.")


# --- issuing ----------------------------------------------------------------------------------


def new_batch_name(unit: Unit, now=None) -> str:
    stamp = (now or utcnow()).strftime("%Y%m%d-%H%M")
    return f"{unit.code[:20]}-{stamp}-{secrets.token_hex(2)}"


def issue_batch(session: Session, unit: Unit, count: int, batch: str | None = None) -> list[QrCode]:
    """``count`` new single-use codes of the unit, one batch. Flushes; the caller commits."""
    if not 1 <= count <= MAX_BATCH:
        raise ValueError(f"count must be between 1 and {MAX_BATCH}")
    batch = (batch or new_batch_name(unit))[:40]
    return [issue_code(session, single_use_unit=unit, batch=batch) for _ in range(count)]


# --- queue machines ---------------------------------------------------------------------------


def digest(key: str) -> str:
    # The key is 256 random bits: a fast hash is enough and lets us find the machine by it.
    return hashlib.sha256(key.encode()).hexdigest()


def add_machine(session: Session, unit: Unit, name: str = "") -> tuple[QueueMachine, str]:
    """A new queue machine for the unit and its API key (shown once, stored as a hash)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    machine = QueueMachine(unit_id=unit.id, name=name[:120], key_hash=digest(key))
    session.add(machine)
    session.flush()
    return machine, key


def machine_by_key(session: Session, key: str | None) -> QueueMachine:
    if not key or len(key) > 200 or not key.startswith(KEY_PREFIX):
        raise InvalidMachineKey()
    machine = session.scalars(
        select(QueueMachine).where(QueueMachine.key_hash == digest(key))
    ).first()
    if machine is None or machine.revoked_at is not None:
        raise InvalidMachineKey()
    return machine


def revoke_machine(session: Session, machine: QueueMachine) -> None:
    machine.revoked_at = machine.revoked_at or utcnow()


def machines(session: Session, unit: Unit | None = None) -> list[QueueMachine]:
    query = select(QueueMachine).order_by(QueueMachine.id)
    if unit is not None:
        query = query.where(QueueMachine.unit_id == unit.id)
    return list(session.scalars(query))


def issue_for_machine(session: Session, machine: QueueMachine) -> QrCode:
    """One code for the next ticket the machine prints."""
    now = utcnow()
    machine.last_used_at = now
    unit = session.get(Unit, machine.unit_id)
    assert unit is not None
    return issue_code(session, single_use_unit=unit, batch=f"machine-{machine.id}")


# --- reporting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SingleUseShare:
    ratings: int
    single_use: int

    @property
    def share(self) -> float | None:
        """The fraction of ratings that came through single-use codes; ``None`` without any."""
        return self.single_use / self.ratings if self.ratings else None


def single_use_share(
    session: Session, unit_ids: Iterable[int] | None, start: date, end: date
) -> SingleUseShare:
    """Ratings of these units (``None``: all) with a service day in ``[start, end]``, and how
    many of them came through a single-use code."""
    single = func.count(QrCode.id).filter(QrCode.kind == "single")
    query = (
        select(func.count(Rating.id), single)
        .select_from(Rating)
        .outerjoin(QrCode, QrCode.id == Rating.qr_code_id)
        .where(Rating.service_day >= start, Rating.service_day <= end)
    )
    query = within(query, Rating.unit_id, unit_ids)
    total, through_single = session.execute(query).one()
    return SingleUseShare(ratings=total or 0, single_use=through_single or 0)


# --- printable sheets -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ticket:
    unit_name: str
    url: str
    number: int


INSTRUCTION = "Pindai untuk menilai layanan kami"
ONCE = "Kode ini hanya berlaku untuk satu kali penilaian."

# A4 at 150 dpi, 3 × 4 tickets a page: cut along the lines, staple one to each queue ticket.
COLUMNS, ROWS = 3, 4


def tickets_for(codes: list[QrCode], unit: Unit, secret_key: str, base_url: str) -> list[Ticket]:
    return [Ticket(unit_name=unit.name, number=n, url=survey_url(code, secret_key, base_url))
            for n, code in enumerate(codes, start=1)]


def sheet_html(tickets: list[Ticket]) -> str:
    items = [{"ticket": t, "svg": Markup(qr.svg_text(t.url, standalone=False))}  # noqa: S704
             for t in tickets]
    return current_app.jinja_env.get_template("survey/ticket_sheet.html").render(
        items=items, instruction=INSTRUCTION, once=ONCE, columns=COLUMNS)


def _font(size: int):
    return ImageFont.load_default(size=size)


def _ticket_image(ticket: Ticket, width: int, height: int) -> Image.Image:
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline="#999999")
    y = 14
    for text, size in ((ticket.unit_name, 22), (INSTRUCTION, 20)):
        line = text if draw.textlength(text, font=_font(size)) < width - 20 else text[:34] + "…"
        draw.text(((width - draw.textlength(line, font=_font(size))) / 2, y), line,
                  font=_font(size), fill="black")
        y += size + 10
    box = max((height - y - 50) // len(qr.modules(ticket.url)), 1)
    code = qr.png_image(ticket.url, box_size=box).convert("L")
    image.paste(code, ((width - code.width) // 2, y))
    footer = f"No. {ticket.number} · {ONCE}".replace("·", "-")
    size = 14
    draw.text(((width - draw.textlength(footer, font=_font(size))) / 2, height - 30), footer,
              font=_font(size), fill="#333333")
    return image


def sheet_pdf(tickets: list[Ticket]) -> bytes:
    page_width, page_height = qr.A4_PIXELS
    margin = 40
    cell_w = (page_width - 2 * margin) // COLUMNS
    cell_h = (page_height - 2 * margin) // ROWS
    pages = []
    per_page = COLUMNS * ROWS
    for start in range(0, len(tickets), per_page):
        page = Image.new("RGB", qr.A4_PIXELS, "white")
        for i, ticket in enumerate(tickets[start:start + per_page]):
            x = margin + (i % COLUMNS) * cell_w
            y = margin + (i // COLUMNS) * cell_h
            page.paste(_ticket_image(ticket, cell_w, cell_h), (x, y))
        pages.append(page)
    out = io.BytesIO()
    pages[0].save(out, format="PDF", resolution=qr.A4_DPI, save_all=True,
                  append_images=pages[1:], title="Kode QR sekali pakai")
    return out.getvalue()


def write_sheet(tickets: list[Ticket], path: Path) -> None:
    """PDF or HTML, by the file's extension."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        path.write_bytes(sheet_pdf(tickets))
    elif suffix in (".html", ".htm"):
        path.write_text(sheet_html(tickets), encoding="utf-8")
    else:
        raise ValueError("Pilih berkas .pdf atau .html.")


__all__ = [
    "InvalidMachineKey", "SingleUseShare", "Ticket", "add_machine", "issue_batch",
    "issue_for_machine", "machine_by_key", "machines", "revoke_machine", "single_use_share",
    "tickets_for", "write_sheet",
]
