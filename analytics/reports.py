"""The unit's SKM report (Permenpan RB 14/2017) as an office signs and publishes it: one report
assembled once (``build_report``), laid out as a list of blocks, and written from those same
blocks as XLSX (``report_xlsx``) and as a printable A4 PDF (``report_pdf``), so both files carry
the same content.

Every number comes from ``analytics.ikm_read`` and ``analytics.complaint_trends`` (the IKM, the
previous period, service types, follow-up) and ``analytics.participation``; only the respondent
profile, the survey method and the questionnaire versions read the unit's ratings of the period
(one grouped query each).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from analytics import aggregates_read as agg
from analytics import complaint_trends, ikm_read
from analytics import participation as part
from analytics.ikm import CATEGORIES, ROUNDING_RULE, ElementScore, round_half_up
from analytics.ikm_read import UnitIkm
from analytics.models import ReportSignatory
from analytics.periods import Period
from core.localtime import local_day
from core.models import Unit, utcnow
from survey.elements import (
    AGE_BANDS,
    EDUCATION,
    ELEMENTS_BY_CODE,
    GENDERS,
    OCCUPATIONS,
)
from survey.models import QrCode, Questionnaire, Rating

EMPTY = "(tidak diisi)"
PRIORITY_COUNT = 3  # the weakest three elements are always improvement priorities
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
              "Asia/Jayapura": "WIT"}
MONTHS_ID = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus",
             "September", "Oktober", "November", "Desember")
PRIORITY_RULE = (f"Prioritas perbaikan: {PRIORITY_COUNT} unsur dengan nilai terendah, dan "
                 "setiap unsur bermutu C atau D.")
SAMPLE_PARAMETERS = ("Krejcie–Morgan: nilai chi-kuadrat 3,841 (1 derajat bebas, 95%), "
                     "P = Q = 0,5, d = 0,05")

# The survey method: how ratings reached the service, in the report's order.
METHODS = (
    ("qr", "Kode QR tetap di loket / pada petugas (ponsel warga)"),
    ("single", "Kode QR sekali pakai (tiket antrean / struk)"),
    ("kiosk", "Tablet penilaian di loket (kios)"),
    ("paper", "Kuesioner kertas (dientri petugas)"),
    ("api", "Aplikasi lain melalui API"),
)

PROFILE_SCALES = (
    ("gender", "Jenis kelamin", GENDERS),
    ("age_band", "Usia", AGE_BANDS),
    ("education", "Pendidikan terakhir", EDUCATION),
    ("occupation", "Pekerjaan utama", OCCUPATIONS),
)


def local_date_text(day: date) -> str:
    return f"{day.day} {MONTHS_ID[day.month - 1]} {day.year}"


def period_text(period: Period) -> str:
    return f"{local_date_text(period.start)} – {local_date_text(period.end)} ({period.days} hari)"


def zone_text(zone: str) -> str:
    offset = datetime.now(ZoneInfo(zone)).strftime("%z")
    return f"{zone} ({ZONE_NAMES.get(zone, zone)}, UTC{offset[:3]}:{offset[3:]})"


# --- what the report contains ---------------------------------------------------------------


@dataclass(frozen=True)
class ElementRow:
    rank: int | None  # 1 = weakest; None: nobody answered
    code: str
    name: str
    score: ElementScore | None
    priority: bool
    complaints: int
    suggestions: int


@dataclass(frozen=True)
class ProfileRow:
    label: str
    count: int
    share: Fraction | None


@dataclass(frozen=True)
class ProfileSection:
    title: str
    rows: tuple[ProfileRow, ...]  # the scale's natural order, then values outside it
    empty: int
    empty_share: Fraction | None


@dataclass(frozen=True)
class FollowUpRow:
    code: str
    name: str
    previous: Decimal | None
    current: Decimal | None
    closed: int  # complaints about the element closed in this period

    @property
    def change(self) -> Decimal | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous


@dataclass(frozen=True)
class Signatory:
    place: str
    title: str
    name: str
    nip: str
    day: date


@dataclass
class SkmReport:
    unit: Unit
    department: str
    period: Period
    generated_at: datetime
    zone: str
    questionnaires: list[tuple[str, int]]
    methods: list[tuple[str, int]]
    ikm: UnitIkm
    elements: list[ElementRow]
    profile: list[ProfileSection]
    respondents: int  # the ratings the profile and the method count (not flagged)
    population_source: str
    flagged: int
    previous: UnitIkm
    follow_up: list[FollowUpRow]
    service_types: list[ikm_read.ServiceIkm]
    participation: part.Participation
    signatory: Signatory
    verification_code: str | None = None  # printed on a verified PDF, with its URL
    verification_url: str | None = None

    @property
    def local_generated(self) -> datetime:
        return self.generated_at.astimezone(ZoneInfo(self.zone))


def _counted(unit: Unit, period: Period) -> list:
    """The unit's ratings of the period that count: not flagged, or flagged and cleared."""
    return [Rating.unit_id == unit.id, Rating.service_day.between(period.start, period.end),
            or_(Rating.flags.is_(None), Rating.flags == "", Rating.flags_cleared_at.is_not(None))]


def _share(count: int, total: int) -> Fraction | None:
    return Fraction(count, total) if total else None


def _profile(session: Session, unit: Unit, period: Period) -> tuple[list[ProfileSection], int]:
    where = _counted(unit, period)
    total = session.scalar(select(func.count()).select_from(Rating).where(*where)) or 0
    sections = []
    for column_name, title, scale in PROFILE_SCALES:
        column = getattr(Rating, column_name)
        counts = {value: n for value, n in session.execute(
            select(column, func.count()).where(*where).group_by(column))}
        empty = counts.pop(None, 0) + counts.pop("", 0)
        rows = [ProfileRow(labels[0], counts.pop(code, 0), None) for code, labels in
                scale.items()]
        rows += [ProfileRow(str(value), n, None) for value, n in sorted(counts.items())]
        rows = [ProfileRow(r.label, r.count, _share(r.count, total)) for r in rows]
        sections.append(ProfileSection(title, tuple(rows), empty, _share(empty, total)))
    return sections, int(total)


def _methods(session: Session, unit: Unit, period: Period) -> list[tuple[str, int]]:
    where = _counted(unit, period)
    channels = dict(session.execute(select(Rating.channel, func.count()).where(*where)
                                    .group_by(Rating.channel)).all())
    single = session.scalar(select(func.count()).select_from(Rating)
                            .join(QrCode, QrCode.id == Rating.qr_code_id)
                            .where(*where, QrCode.kind == "single")) or 0
    counts = {**channels, "single": single}
    counts["qr"] = counts.get("qr", 0) - single
    known = {code for code, _label in METHODS}
    rows = [(label, int(counts.get(code, 0))) for code, label in METHODS]
    rows += [(f"Saluran {code}", int(n)) for code, n in channels.items() if code not in known]
    return rows


def _questionnaires(session: Session, unit: Unit, period: Period) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Questionnaire.version, func.count()).select_from(Rating)
        .outerjoin(Questionnaire, Questionnaire.id == Rating.questionnaire_id)
        .where(*_counted(unit, period)).group_by(Questionnaire.version)
        .order_by(Questionnaire.version)).all()
    return [(f"versi {version}" if version is not None else "versi tidak tercatat", int(n))
            for version, n in rows]


def _flagged(session: Session, unit: Unit, period: Period) -> int:
    rows = agg.summed(session, period.start, period.end, unit_ids=[unit.id],
                      group_by=["flagged"], columns=())
    return sum(int(r["ratings"]) for r in rows if r["flagged"])


def _comment_counts(session: Session, unit: Unit, period: Period, kind: str) -> dict[str, int]:
    frame = complaint_trends.complaint_counts(session, [unit.id], period, freq="M", kinds=(kind,))
    counts: dict[str, int] = defaultdict(int)
    for element, count in zip(frame["element"], frame["count"], strict=True):
        counts[element or "—"] += int(count)
    return counts


def priorities(result) -> set[str]:
    """The elements marked as improvement priorities (see ``PRIORITY_RULE``)."""
    return {e.code for rank, e in enumerate(result.elements, start=1)
            if rank <= PRIORITY_COUNT or e.category in ("C", "D")}


def _elements(session: Session, unit: Unit, ikm: UnitIkm) -> list[ElementRow]:
    complaints = _comment_counts(session, unit, ikm.period, "complaint")
    suggestions = _comment_counts(session, unit, ikm.period, "suggestion")
    marked = priorities(ikm.result)
    rows = [ElementRow(rank, e.code, e.name, e, e.code in marked, complaints.get(e.code, 0),
                       suggestions.get(e.code, 0))
            for rank, e in enumerate(ikm.result.elements, start=1)]
    rows += [ElementRow(None, code, ELEMENTS_BY_CODE[code].name, None, False,
                        complaints.get(code, 0), suggestions.get(code, 0))
             for code in ikm.result.unanswered if code in ELEMENTS_BY_CODE]
    return rows


def _follow_up(session: Session, unit: Unit, current: UnitIkm, previous: UnitIkm
               ) -> list[FollowUpRow]:
    """Last period's priority elements: the complaints about them closed in this period and
    how the element moved from last period to this one."""
    closed: dict[str, int] = defaultdict(int)
    for effect in complaint_trends.follow_up_effects(session, [unit.id], current.period):
        closed[effect.element] += effect.resolved
    rows = []
    for element in previous.result.elements:
        if element.code not in priorities(previous.result):
            continue
        now = current.result.element(element.code)
        rows.append(FollowUpRow(element.code, element.name, element.converted,
                                now.converted if now else None, closed.get(element.code, 0)))
    return rows


def _signatory(session: Session, unit: Unit, day: date) -> Signatory:
    row = session.get(ReportSignatory, unit.id)
    if row is None:
        return Signatory("", f"Kepala {unit.name}", "", "", day)
    return Signatory(row.place, row.head_title or f"Kepala {unit.name}", row.head_name,
                     row.head_nip, day)


def build_report(session: Session, unit: Unit, period: Period, *,
                 now: datetime | None = None) -> SkmReport:
    generated = now or utcnow()
    current = ikm_read.unit_ikm(session, unit, period)
    previous = ikm_read.unit_ikm(session, unit, period.previous())
    profile, respondents = _profile(session, unit, period)
    year = part.year_populations(session, [unit], period.end.year)[unit.id]
    if unit.annual_population:
        source = "ditetapkan administrator untuk unit ini"
    elif current.sample.population:
        source = year.describe()
    else:
        source = "belum ada: isi populasi tahunan atau jumlah layanan per bulan"
    return SkmReport(
        unit=unit, department=unit.department.name, period=period, generated_at=generated,
        zone=unit.timezone, questionnaires=_questionnaires(session, unit, period),
        methods=_methods(session, unit, period), ikm=current,
        elements=_elements(session, unit, current), profile=profile, respondents=respondents,
        population_source=source, flagged=_flagged(session, unit, period), previous=previous,
        follow_up=_follow_up(session, unit, current, previous),
        service_types=[s for s in ikm_read.service_ikm(session, [unit.id], period)
                       if s.service_type],
        participation=part.participation(session, unit, period.start, period.end),
        signatory=_signatory(session, unit, local_day(generated, unit.timezone)),
    )


# --- the layout both files share ------------------------------------------------------------

# Cell formats: how a value is shown (XLSX number formats; the PDF rounds half up the same).
INT, NRR, DEC2, PCT, TEXT = "int", "nrr", "dec2", "pct", "text"
NUMBER_FORMATS = {INT: "#,##0", NRR: "0.000", DEC2: "0.00", PCT: "0.00%", TEXT: "@"}


@dataclass(frozen=True)
class Value:
    value: Any
    kind: str = TEXT
    en: str = ""  # an English line printed smaller under the text (PDF only)


def v(value: Any, kind: str | None = None) -> Value:
    if kind is None:
        kind = INT if isinstance(value, int) and not isinstance(value, bool) else TEXT
    return Value(value, kind)


@dataclass(frozen=True)
class Block:
    """``heading``, ``pairs`` (label, value rows), ``table`` (header + rows) or ``note``."""

    kind: str
    title: str = ""
    header: tuple[str, ...] = ()
    rows: tuple[tuple[Value, ...], ...] = ()
    sheet: str = "Laporan SKM"
    widths: tuple[float, ...] = ()  # relative column widths in the PDF
    title_en: str = ""  # the title's English line, printed smaller (PDF only)


def heading(title: str, sheet: str = "Laporan SKM") -> Block:
    return Block("heading", title, sheet=sheet)


def pairs(rows: Iterable[tuple[str, Value]], title: str = "", sheet: str = "Laporan SKM") -> Block:
    return Block("pairs", title, rows=tuple((Value(label), value) for label, value in rows),
                 sheet=sheet)


def table(header: Iterable[str], rows: Iterable[Iterable[Value]], title: str = "",
          sheet: str = "Laporan SKM", widths: Iterable[float] = ()) -> Block:
    return Block("table", title, tuple(header), tuple(tuple(r) for r in rows), sheet,
                 tuple(widths))


def signature(rows: Iterable[tuple[str, Value]]) -> Block:
    """The signature block: label/value rows in the XLSX, a signing space in the PDF."""
    return Block("signature", "Pengesahan",
                 rows=tuple((Value(label), value) for label, value in rows))


def note(text: str, sheet: str = "Laporan SKM") -> Block:
    return Block("note", text, sheet=sheet)


def _optional(value, kind):
    return Value(None, TEXT) if value is None else Value(value, kind)


def _reached(reached: bool | None) -> str:
    return {True: "ya", False: "tidak", None: "—"}[reached]


def blocks(report: SkmReport) -> list[Block]:
    """The report, in order. Labels are Indonesian: the report is filed in Indonesia."""
    r = report.ikm.result
    sample = report.ikm.sample
    out: list[Block] = [
        heading("Laporan Survei Kepuasan Masyarakat (Permenpan RB No. 14 Tahun 2017)"),
        pairs([
            ("Unit layanan", v(f"{report.unit.code} — {report.unit.name}")),
            ("Dinas", v(report.department)),
            ("Periode", v(period_text(report.period))),
            ("Tanggal dibuat", v(report.local_generated.strftime("%d-%m-%Y %H:%M ")
                                 + ZONE_NAMES.get(report.zone, report.zone))),
            ("Hari layanan", v("tanggal kalender pukul 00.00–24.00 waktu setempat "
                               f"{zone_text(report.zone)}; penilaian dihitung pada hari "
                               "warga menilai")),
            ("Versi kuesioner", v(", ".join(f"{label}: {n}" for label, n in
                                            report.questionnaires) or "—")),
        ]),
        table(["Metode survei", "Jumlah penilaian", "Persentase"],
              [(v(label), v(n), _optional(_share(n, report.respondents), PCT))
               for label, n in report.methods], title="Metode survei", widths=(5, 1.6, 1.4)),
    ]
    if r.empty:
        out.append(note("Tidak ada penilaian pada periode ini: IKM tidak dapat dihitung."))
    out.append(table(
        ["Unsur", "Nama unsur", "Jawaban", "Jumlah nilai", "NRR", "NRR tertimbang",
         "NRR × 25", "Mutu", "Kinerja", "Peringkat", "Prioritas", "Keluhan", "Saran"],
        [(v(e.code), v(e.name),
          *((v(e.score.answers), v(e.score.total), Value(e.score.nrr, NRR),
             Value(e.score.weighted, NRR), Value(e.score.converted, DEC2), v(e.score.category),
             v(e.score.label)) if e.score else
            (v(0), v(0), v("tidak ada jawaban"), v(None), v(None), v(None), v(None))),
          _optional(e.rank, INT), v("ya" if e.priority else ""), v(e.complaints),
          v(e.suggestions))
         for e in report.elements],
        title="Nilai per unsur, terlemah lebih dulu",
        widths=(0.8, 3.0, 1.2, 1.0, 0.9, 1.3, 1.0, 0.8, 1.5, 1.2, 1.1, 1.2, 0.9)))
    out.append(note(PRIORITY_RULE + " Keluhan dan saran dihitung per unsur menurut "
                    "kategorinya, pada hari dibuat."))
    out.append(pairs([
        ("Jumlah NRR tertimbang (IKM)", _optional(r.ikm, NRR)),
        ("Nilai IKM konversi (IKM × 25)", _optional(r.ikm_converted, DEC2)),
        ("Mutu pelayanan", v(r.category or "—")),
        ("Kinerja unit pelayanan", v(r.label or "—")),
        ("Bobot per unsur", v("—" if r.weight is None else f"1/{r.weight.denominator}")),
        ("Unsur tanpa jawaban (tidak dihitung)", v(", ".join(r.unanswered) or "—")),
        ("Aturan pembulatan", v(ROUNDING_RULE)),
    ], title="Indeks Kepuasan Masyarakat"))
    out.append(table(
        ["Mutu", "Kinerja unit", "Nilai interval (IKM)", "Nilai konversi (IKM × 25)"],
        [(v(c.letter), v(c.label), v(interval), v(converted)) for c, (interval, converted) in
         zip(CATEGORIES, (("3,5324 – 4,00", "88,31 – 100,00"), ("3,0644 – 3,532", "76,61 – 88,30"),
                          ("2,60 – 3,064", "65,00 – 76,60"), ("1,00 – 2,5996", "25,00 – 64,99")),
             strict=True)],
        title="Tabel mutu pelayanan (ditentukan dari nilai konversi yang dibulatkan)",
        widths=(1, 2, 2.5, 2.5)))
    out.append(pairs([
        ("Jumlah responden (sampel)", v(r.respondents)),
        ("Populasi penerima layanan per tahun", _optional(sample.population, INT)),
        ("Sumber populasi", v(report.population_source)),
        ("Sampel minimum (Krejcie–Morgan)", _optional(sample.minimum, INT)),
        ("Sampel minimum tercapai", v(_reached(sample.reached))),
        ("Parameter sampel", v(SAMPLE_PARAMETERS)),
        ("Penilaian melalui kode sekali pakai",
         v(next((n for label, n in report.methods if "sekali pakai" in label), 0))),
        ("Penilaian bertanda yang tidak dihitung", v(report.flagged)),
    ], title="Sampel"))
    out.append(note("Penilaian bertanda (mis. rentetan dari satu perangkat) tidak masuk angka "
                    "mana pun yang dilaporkan sampai diperiksa dan dibersihkan pimpinan."))
    p = report.participation
    out.append(pairs([
        ("Bulan penuh dalam periode", v(", ".join(m.month.strftime("%Y-%m") for m in p.months)
                                        or "tidak ada")),
        ("Jumlah layanan (bulan yang tercatat)", v(p.services) if p.rate is not None else v("—")),
        ("Jumlah penilaian pada bulan yang sama", v(p.ratings) if p.rate is not None else v("—")),
        ("Partisipasi (penilaian ÷ layanan)", _optional(p.rate, PCT)),
        ("Bulan tanpa data jumlah layanan", v(", ".join(m.strftime("%Y-%m") for m in p.missing)
                                              or "—")),
    ], title="Partisipasi"))
    prev = report.previous.result
    change = (None if prev.empty or r.empty else r.ikm_converted - prev.ikm_converted)
    out.append(table(
        ["", "Periode", "Responden", "IKM konversi", "Mutu"],
        [(v("Periode ini"), v(period_text(report.period)), v(r.respondents),
          _optional(r.ikm_converted, DEC2), v(r.category or "—")),
         (v("Periode sebelumnya"), v(period_text(report.previous.period)), v(prev.respondents),
          _optional(prev.ikm_converted, DEC2), v(prev.category or "—")),
         (v("Perubahan"), v(""), v(r.respondents - prev.respondents), _optional(change, DEC2),
          v(""))],
        title="Perbandingan dengan periode sebelumnya (panjang sama)",
        widths=(1.8, 4, 1.2, 1.4, 0.8)))
    out.append(table(
        ["Unsur", "Nama unsur", "Nilai periode lalu", "Nilai periode ini", "Perubahan",
         "Keluhan diselesaikan"],
        [(v(f.code), v(f.name), _optional(f.previous, DEC2), _optional(f.current, DEC2),
          _optional(f.change, DEC2), v(f.closed)) for f in report.follow_up],
        title="Tindak lanjut atas unsur terlemah periode lalu",
        widths=(0.8, 4, 1.4, 1.4, 1.2, 1.4)))
    if not report.follow_up:
        out.append(note("Periode lalu tidak memiliki penilaian: belum ada unsur untuk "
                        "ditindaklanjuti."))
    out.append(table(
        ["Jenis layanan", "Responden", "IKM konversi", "Mutu"],
        [(v(s.service_type), v(s.result.respondents), _optional(s.result.ikm_converted, DEC2),
          v(s.result.category or "—")) for s in report.service_types],
        title="IKM per jenis layanan (bila responden menyebutkannya)", widths=(5, 1.2, 1.4, 0.8)))
    if not report.service_types:
        out.append(note("Tidak ada responden yang menyebutkan jenis layanan."))
    for section in report.profile:
        out.append(table(
            ["Profil", "Jawaban", "Jumlah", "Persentase"],
            [*((v(section.title), v(row.label), v(row.count), _optional(row.share, PCT))
               for row in section.rows),
             (v(section.title), v("Tidak diisi"), v(section.empty),
              _optional(section.empty_share, PCT))],
            title=f"Profil responden: {section.title.lower()}", sheet="Profil Responden",
            widths=(2.5, 3, 1.2, 1.4)))
    out.append(note(f"Persentase dari {report.respondents} responden yang dihitung.",
                    sheet="Profil Responden"))
    s = report.signatory
    out.append(signature([
        ("Tempat, tanggal", v(f"{s.place or '..................'}, {local_date_text(s.day)}")),
        ("Jabatan", v(s.title)),
        ("Tanda tangan", v("")),
        ("Nama", v(s.name or "..............................")),
        ("NIP", v(s.nip or "..............................")),
    ]))
    if report.verification_code:
        out.append(pairs([
            ("Kode verifikasi", v(report.verification_code)),
            ("Periksa keaslian", v(f"{report.verification_url} — halaman itu menunjukkan isi "
                                   "yang disahkan dan menolak berkas yang diubah.")),
        ], title="Verifikasi dokumen"))
    return out


# --- XLSX -----------------------------------------------------------------------------------


def _xlsx_value(value: Value) -> Any:
    from analytics.exports import safe_text

    raw = value.value
    if isinstance(raw, (Fraction, Decimal)):
        return float(raw)
    return safe_text(raw)


def report_xlsx(report: SkmReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from analytics.exports import _save

    bold = Font(bold=True)
    book = Workbook()
    book.remove(book.active)
    sheets: dict[str, Any] = {}

    def sheet_for(name: str):
        if name not in sheets:
            sheet = book.create_sheet(name)
            sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
            sheet.page_setup.orientation = "landscape"
            sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
            sheet.sheet_properties.pageSetUpPr.fitToPage = True
            sheet.column_dimensions["A"].width = 38
            sheet.column_dimensions["B"].width = 44
            for letter in "CDEFGHIJKLM":
                sheet.column_dimensions[letter].width = 14
            sheets[name] = sheet
        return sheets[name]

    def write(sheet, values: Iterable[Value], font=None):
        sheet.append([_xlsx_value(x) for x in values])
        for cell, value in zip(sheet[sheet.max_row], values, strict=False):
            if value.value is not None and value.kind != TEXT:
                cell.number_format = NUMBER_FORMATS[value.kind]
            if font is not None:
                cell.font = font

    for block in blocks(report):
        sheet = sheet_for(block.sheet)
        if block.kind == "heading":
            write(sheet, [Value(block.title)], Font(bold=True, size=13))
            continue
        if block.kind == "note":
            write(sheet, [Value(block.title)])
            sheet.cell(row=sheet.max_row, column=1).alignment = Alignment(wrap_text=False)
            sheet.append([])
            continue
        if block.title:
            write(sheet, [Value(block.title)], bold)
        if block.kind == "table":
            write(sheet, [Value(h) for h in block.header], bold)
        for row in block.rows:
            write(sheet, list(row))
            if block.kind in ("pairs", "signature"):
                sheet.cell(row=sheet.max_row, column=1).font = bold
        sheet.append([])
    return _save(book)


# --- PDF ------------------------------------------------------------------------------------


def number_text(value: Value) -> str:
    """A value as printed: half-up rounding (as the index itself), Indonesian separators."""
    raw = value.value
    if raw is None:
        return "—"
    if value.kind == TEXT or isinstance(raw, str):
        return str(raw)
    if value.kind == INT:
        return f"{int(raw):,}".replace(",", ".")
    places = {NRR: 3, DEC2: 2, PCT: 2}[value.kind]
    number = Fraction(raw) * (100 if value.kind == PCT else 1)
    text = f"{round_half_up(number, places):,.{places}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text + (" %" if value.kind == PCT else "")


_FONTS_READY = False


def _fonts() -> tuple[str, str]:
    """Bitstream Vera, shipped inside reportlab: every letter the report uses (–, ×, ≥, ²),
    the same on every machine."""
    global _FONTS_READY
    if not _FONTS_READY:
        import os

        import reportlab
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
        pdfmetrics.registerFont(TTFont("Vera", os.path.join(folder, "Vera.ttf")))
        pdfmetrics.registerFont(TTFont("Vera-Bold", os.path.join(folder, "VeraBd.ttf")))
        _FONTS_READY = True
    return "Vera", "Vera-Bold"


def report_pdf(report: SkmReport) -> bytes:
    verification = ((report.verification_code, report.verification_url)
                    if report.verification_code else None)
    return blocks_pdf(blocks(report),
                      title=f"Laporan SKM {report.unit.code} {report.period.label()}",
                      footer=f"Laporan SKM {report.unit.code} · {report.period.label()} · "
                             "Suara Layanan", verification=verification)


def blocks_pdf(content: Iterable[Block], *, title: str, footer: str,
               verification: tuple[str, str | None] | None = None) -> bytes:
    """Blocks laid out on A4 (the SKM report, the officer's evidence sheet): the footer line
    and, with ``verification`` (code, URL), the verification line on every page."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    base = ParagraphStyle("base", fontName=regular, fontSize=8, leading=10)
    small = ParagraphStyle("small", parent=base, fontSize=7, leading=8.5)
    title_style = ParagraphStyle("title", parent=base, fontName=bold, fontSize=13, leading=16,
                                 spaceAfter=4)
    section = ParagraphStyle("section", parent=base, fontName=bold, fontSize=9.5, leading=12,
                             spaceBefore=6, spaceAfter=3)
    header_style = ParagraphStyle("header", parent=small, fontName=bold, fontSize=6.5,
                                  leading=8)
    label_style = ParagraphStyle("label", parent=base, fontName=bold)
    english = ParagraphStyle("english", parent=small, fontName=regular, fontSize=6.2,
                             leading=8, textColor=colors.HexColor("#5b6472"))
    width = A4[0] - 30 * mm

    def markup(text: str, en: str = "") -> str:
        out = escape(text)
        if en:
            out += (f'<br/><font name="{regular}" size="{english.fontSize}" '
                    f'color="#5b6472">{escape(en)}</font>')
        return out

    def para(text: str, style=base, en: str = ""):
        return Paragraph(markup(text, en), style)

    def heading_parts(block: Block, style) -> list:
        if not block.title:
            return []
        parts = [para(block.title, style)]
        if block.title_en:
            parts.append(para(block.title_en, english))
        return parts

    def cell(value: Value, style=small):
        text = number_text(value)
        if value.kind != TEXT and value.value is not None:
            return Paragraph(markup(text, value.en),
                             ParagraphStyle("num", parent=style, alignment=2))
        return Paragraph(markup(text, value.en), style)

    grid = TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a94a3")),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6ebf2")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5), ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
    ])
    story: list[Any] = []
    for block in content:
        if block.kind == "heading":
            story += heading_parts(block, title_style)
        elif block.kind == "note":
            story.append(para(block.title, small, block.title_en))
            story.append(Spacer(1, 2))
        elif block.kind == "signature":
            lines = {label.value: number_text(value) for label, value in block.rows}
            signing = [para(lines["Tempat, tanggal"]), para(lines["Jabatan"]),
                       Spacer(1, 20 * mm), para(lines["Nama"], label_style),
                       para("NIP " + lines["NIP"])]
            t = Table([["", signing]], colWidths=[width * 0.55, width * 0.45])
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
            story.append(KeepTogether([para(block.title, section), t]))
        elif block.kind == "pairs":
            rows = [[para(label.value, label_style, label.en),
                     para(number_text(value), base, value.en)]
                    for label, value in block.rows]
            if not rows:  # a section heading whose content follows as notes
                story += heading_parts(block, section)
                continue
            t = Table(rows, colWidths=[width * 0.36, width * 0.64], hAlign="LEFT")
            t.setStyle(TableStyle([
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9ced6")),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]))
            story.append(KeepTogether([*heading_parts(block, section), t]))
        else:
            weights = block.widths or (1,) * len(block.header)
            total = sum(weights)
            rows = [[para(h, header_style) for h in block.header],
                    *([cell(x) for x in row] for row in block.rows)]
            t = Table(rows, colWidths=[width * w / total for w in weights], repeatRows=1,
                      hAlign="LEFT")
            t.setStyle(grid)
            parts = heading_parts(block, section)
            if len(rows) < 15:
                story.append(KeepTogether([*parts, t]))
            else:
                story += [*parts, t]

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont(regular, 7)
        canvas.drawString(15 * mm, 10 * mm, footer)
        canvas.drawRightString(A4[0] - 15 * mm, 10 * mm, f"Halaman {doc.page}")
        if verification:
            code, url = verification
            canvas.drawString(15 * mm, 6.5 * mm, f"Kode verifikasi {code}: {url}")
        canvas.restoreState()

    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=14 * mm, bottomMargin=16 * mm, title=title,
                            author="Suara Layanan", invariant=True)
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def subject(report: SkmReport) -> str:
    """What a verified report certifies, in one sentence (shown at its verification URL)."""
    r = report.ikm.result
    result = ("tanpa penilaian" if r.empty else
              f"IKM konversi {number_text(Value(r.ikm_converted, DEC2))}, mutu {r.category} "
              f"({r.label})")
    return (f"Laporan SKM unit {report.unit.code} — {report.unit.name} ({report.department}), "
            f"periode {period_text(report.period)}: {r.respondents} responden, {result}; "
            f"dibuat {report.local_generated.strftime('%d-%m-%Y %H:%M')} "
            f"{ZONE_NAMES.get(report.zone, report.zone)}.")


def verified_pdf(session: Session, report: SkmReport, *, base_url: str,
                 issued_by: int | None = None, issued_by_name: str = "") -> tuple[str, bytes]:
    """The report as a PDF with a verification code, recorded as an issued document.
    Returns (code, PDF). Flushes; the caller commits."""
    from analytics import documents

    def render(code: str, url: str) -> bytes:
        report.verification_code, report.verification_url = code, url
        return report_pdf(report)

    document, body = documents.issue(session, kind="skm-report", subject=subject(report),
                                     base_url=base_url, render=render, unit_id=report.unit.id,
                                     issued_by=issued_by, issued_by_name=issued_by_name)
    return document.code, body


__all__ = [
    "Block", "ElementRow", "FollowUpRow", "Value", "blocks_pdf", "heading", "note", "pairs",
    "table", "v", "METHODS", "PRIORITY_RULE", "ProfileSection",
    "Signatory", "SkmReport", "blocks", "build_report", "number_text", "priorities",
    "report_pdf", "report_xlsx", "subject", "verified_pdf",
]
