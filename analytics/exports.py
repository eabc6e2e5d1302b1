"""Files an office hands on: ratings (CSV, XLSX) without personal data, the unit's SKM
report laid out as offices report it (XLSX), and the officers' evaluation sheet (XLSX, CSV)
where officers below the minimum appear as "belum cukup penilaian", never as a number."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics import officers_read
from analytics.officers import BAND_LABELS, INSUFFICIENT
from analytics.officers_read import OfficerComponent
from analytics.periods import Period
from analytics.settings import ComponentSettings
from core.models import Counter, Officer, Unit
from core.scope import within
from survey import comment_text
from survey.elements import (
    ELEMENT_CODES,
)
from survey.models import Comment, Rating
from survey.moderation import mask_labels

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOT_ENOUGH = BAND_LABELS[INSUFFICIENT][0]
BOLD = Font(bold=True)


# A formula starts a cell: at the start of the text, or after any character a spreadsheet
# may split a CSV line on (comma, semicolon in Indonesian and European locales, tab, pipe,
# a line break), with blanks before it. Full-width signs count too: spreadsheets fold them.
FORMULA_START = re.compile(r"(^|[,;|\t\r\n])([ \t\u00a0]*)([=+\-@\uff1d\uff0b\uff0d\uff20])")


def safe_text(value: Any) -> Any:
    """Text a person typed, neutralised for spreadsheets: a ``'`` before every place where a
    formula could start, whatever its position (``ok;=1+1`` → ``ok;'=1+1``), so no cell of
    any export, in any locale's CSV split, is a live formula. Non-text passes unchanged."""
    if isinstance(value, str):
        return FORMULA_START.sub(r"\1\2'\3", value)
    return value


def csv_writer(out: TextIO):
    """Every CSV export's writer: every field quoted, so a separator inside typed text never
    splits a cell, in a comma or a semicolon locale."""
    return csv.writer(out, quoting=csv.QUOTE_ALL)


def _cell(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    return safe_text(value)


# --- ratings ----------------------------------------------------------------------------------

# Deliberately absent: the comment's contact and consent, the client hash, the body digest.
RATING_HEADER = [
    "rating_id", "unit", "counter", "officer", "channel", "service_day", "submitted_at_local",
    *ELEMENT_CODES, "gender", "age_band", "education", "occupation", "service_type",
    "flags", "flags_cleared", "comment_kind", "comment_category", "comment_element",
    "comment_status", "comment_text",
]


def rating_rows(session: Session, unit_ids: Iterable[int] | None, period: Period,
                batch_size: int = 1000) -> Iterator[list[Any]]:
    """One row per rating of these units in the period, oldest first, streamed."""
    query = (
        select(Rating, Unit.code, Unit.timezone, Counter.code, Officer.nip, Officer.employee_id,
               Comment.kind, Comment.category, Comment.element, Comment.status, Comment.text)
        .join(Unit, Unit.id == Rating.unit_id)
        .outerjoin(Counter, Counter.id == Rating.counter_id)
        .outerjoin(Officer, Officer.id == Rating.officer_id)
        .outerjoin(Comment, Comment.rating_id == Rating.id)
        .where(Rating.service_day.between(period.start, period.end))
        .order_by(Rating.service_day, Rating.submitted_at, Rating.id)
        .execution_options(yield_per=batch_size)
    )
    query = within(query, Rating.unit_id, unit_ids)
    labels = mask_labels()
    for (rating, unit_code, zone, counter_code, nip, employee_id, kind, category, element,
         status, text) in session.execute(query):
        yield [
            str(rating.id), unit_code, counter_code, nip or employee_id, rating.channel,
            rating.service_day.isoformat(),
            rating.submitted_at.astimezone(ZoneInfo(zone)).isoformat(timespec="seconds"),
            *(getattr(rating, code.lower()) for code in ELEMENT_CODES),
            rating.gender, rating.age_band, rating.education, rating.occupation,
            rating.service_type, rating.flags, rating.flags_cleared_at is not None,
            kind, category, element, status,
            # Personal data and profanity masked: a file travels further than a page.
            comment_text.mask(text, labels=labels) if text else text,
        ]


def ratings_csv(session: Session, unit_ids: Iterable[int] | None, period: Period,
                out: TextIO) -> int:
    """Write the ratings as CSV to ``out``; returns the number of ratings."""
    writer = csv_writer(out)
    writer.writerow(RATING_HEADER)
    count = 0
    for row in rating_rows(session, unit_ids, period):
        writer.writerow([safe_text(v) for v in row])
        count += 1
    return count


def ratings_xlsx(session: Session, unit_ids: Iterable[int] | None, period: Period) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Penilaian")
    sheet.append(RATING_HEADER)
    for row in rating_rows(session, unit_ids, period):
        sheet.append([_cell(v) for v in row])
    return _save(book)


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the unit's SKM report (laid out in analytics/reports.py) ------------------------------


PDF_MIMETYPE = "application/pdf"


def skm_report_xlsx(session: Session, unit: Unit, period: Period) -> bytes:
    """The unit's SKM report for the period (sheets "Laporan SKM" and "Profil Responden")."""
    from analytics import reports

    return reports.report_xlsx(reports.build_report(session, unit, period))


def skm_report_pdf(session: Session, unit: Unit, period: Period) -> bytes:
    """The same report as a printable A4 PDF (without a verification code)."""
    from analytics import reports

    return reports.report_pdf(reports.build_report(session, unit, period))


# --- officers' evaluation sheet ----------------------------------------------------------------

OFFICER_HEADER = [
    "Unit penilaian", "Urutan di unit", "NIP / ID", "Nama", "Jumlah penilaian",
    "Hari layanan", "Skor mentah", "Pembanding (rekan di unit)", "Selisih",
    "Interval selisih bawah", "Interval selisih atas", "Skor disesuaikan",
    "Jawaban sangat baik (4), bagian", "Kategori", "Unsur terlemah",
    "Ditandai, tidak dihitung (petugas)", "Ditandai, tidak dihitung (pembanding)",
    "Perubahan dari periode sebelumnya",
]


def officer_rows(components: Sequence[OfficerComponent]) -> list[list[Any]]:
    """Rows of the evaluation sheet, unit by unit, ranked inside each unit only; below the
    minimum, words instead of numbers and nothing that reveals the score."""
    rows = []
    for _code, _name, items in officers_read.group_by_unit(components):
        for item in items:
            score = item.score
            if score.enough:
                numbers = [score.raw, score.reference, score.difference, score.lower,
                           score.upper, score.adjusted, score.top_box]
            else:
                numbers = [NOT_ENOUGH, "", "", "", "", "", ""]
            rows.append([
                item.unit_code, item.rank or "", item.identifier, item.name, score.n,
                score.days, *numbers, score.band_label,
                score.weakest_element if score.enough else "", score.flagged_excluded,
                score.reference_flagged_excluded, "" if item.trend is None else item.trend,
            ])
    return rows


def settings_rows(settings: ComponentSettings, period: Period) -> list[list[str]]:
    return [["Periode", period.label()],
            *([label, value] for label, value in settings.describe()),
            ["Urutan", "hanya di dalam satu unit; petugas unit berbeda tidak diurutkan bersama"],
            ["Penilaian ditandai", "tidak dihitung di mana pun sampai dibersihkan kepala"]]


def officers_csv(components: Sequence[OfficerComponent], period: Period, out: TextIO,
                 settings: ComponentSettings) -> None:
    writer = csv_writer(out)
    writer.writerow(OFFICER_HEADER)
    for row in officer_rows(components):
        writer.writerow([safe_text(v) for v in row])
    writer.writerow([])
    writer.writerow(["Pengaturan"])
    writer.writerows(settings_rows(settings, period))


def officers_xlsx(components: Sequence[OfficerComponent], period: Period,
                  settings: ComponentSettings) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Komponen Petugas"
    sheet.append(OFFICER_HEADER)
    for cell in sheet[1]:
        cell.font = BOLD
    for row in officer_rows(components):
        sheet.append([_cell(v) for v in row])
    settings_sheet = book.create_sheet("Pengaturan")
    for row in settings_rows(settings, period):
        settings_sheet.append(row)
    settings_sheet.append([])
    settings_sheet.append([
        "Catatan", "Komponen ini adalah ringkasan masukan warga sebagai bahan umpan balik "
        "atasan (Berorientasi Pelayanan), bukan penilaian kinerja dengan sendirinya."])
    return _save(book)
