"""The officer's evidence sheet (*lembar bukti*) for the supervisor's continuous feedback
(*umpan balik berkelanjutan*) on *Berorientasi Pelayanan*: one A4 PDF per officer, unit and
period with the component exactly as the officer page shows it, its evidence, the trend and
a verification code (``analytics.documents``) anyone can check at ``/verifikasi/<code>``.

Below the minimum the sheet says "belum cukup penilaian" with the counts and the reasons,
and nothing that reveals the number: ``ComponentScore`` does not even compute the score,
interval, distribution, element scores or weakest element then, and this module prints only
what the score carries. Every sentence is the officer page's own message, printed in
Indonesian with its English translation (the catalogue's) in a smaller line under it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from analytics import dashboard, ikm_read, officers_read
from analytics.ikm_read import UnitIkm
from analytics.officers import BAND_LABELS, CUSTOM, INSUFFICIENT
from analytics.officers_read import OfficerComponent
from analytics.periods import Period
from analytics.reports import (
    TEXT,
    ZONE_NAMES,
    Block,
    Value,
    blocks_pdf,
    period_text,
)
from analytics.settings import ComponentSettings
from core.models import Officer, Unit, utcnow

KIND = "officer-evidence"  # IssuedDocument.kind
SHEET = "Lembar bukti"

TITLE = _l("Lembar bukti umpan balik berkelanjutan: Berorientasi Pelayanan")


def bilingual(text: Callable[[], str]) -> Value:
    """A text in Indonesian with its English line (left out when it reads the same)."""
    with force_locale("id"):
        indonesian = str(text())
    with force_locale("en"):
        english = str(text())
    return Value(indonesian, TEXT, english if english != indonesian else "")


def number(value, places: int = 2) -> str:
    """As the officer page prints it, in the language being rendered."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0." + "0" * places if places else "#,##0")


def signed(value) -> str:
    return ("+" if value > 0 else "") + number(value)


@dataclass
class EvidenceSheet:
    officer: Officer
    component: OfficerComponent
    unit: Unit  # where the ratings were given (scope follows it), not necessarily home
    unit_result: UnitIkm | None
    generated_at: datetime
    verification_code: str | None = None
    verification_url: str | None = None

    @property
    def score(self):
        return self.component.score

    @property
    def period(self) -> Period:
        return self.component.period

    @property
    def weakest(self) -> str | None:
        """The weakest element, only when there are enough ratings (as on the page)."""
        return self.score.weakest_element if self.score.enough else None

    @property
    def local_generated(self) -> datetime:
        return self.generated_at.astimezone(ZoneInfo(self.unit.timezone))


def build_sheet(session: Session, officer: Officer, period: Period, *,
                settings: ComponentSettings, unit_ids: Iterable[int] | None = None,
                unit_id: int | None = None, now: datetime | None = None) -> EvidenceSheet:
    """The sheet of the ratings the reader may see (``unit_ids`` from
    ``dashboard.officer_in_scope``), in the unit the page would pick (``unit_id``)."""
    with force_locale("id"):  # the comments' masks in the sheet's language, like its text
        component = officers_read.officer_component(session, officer, period, settings,
                                                    unit_ids=unit_ids, unit_id=unit_id)
    unit = session.get(Unit, component.unit_id)
    return EvidenceSheet(officer, component, unit,
                         ikm_read.units_ikm(session, [unit], period)[0], now or utcnow())


# --- what the sheet contains ----------------------------------------------------------------


def _pairs(rows: Iterable[tuple[Value, Value]], title: Value | None = None) -> Block:
    return Block("pairs", title.value if title else "", rows=tuple(rows), sheet=SHEET,
                 title_en=title.en if title else "")


def _note(text: Value) -> Block:
    return Block("note", text.value, sheet=SHEET, title_en=text.en)


def _table(header: Iterable[str], rows, title: Value, widths: Iterable[float]) -> Block:
    return Block("table", title.value, tuple(header), tuple(tuple(r) for r in rows), SHEET,
                 tuple(widths), title_en=title.en)


def _plain(text: str) -> Value:
    return Value(text, TEXT)


def _element_label(code: str) -> str:
    return ("" if code == CUSTOM else code + " ") + dashboard.element_name(code)


def _comments(items, zone: str, title: Value, empty: Value, kinds: bool) -> list[Block]:
    if not items:
        return [_pairs([], title), _note(empty)] if title.value else [_note(empty)]
    labels = dashboard.kind_labels("id")
    rows = [(_plain(item.created_at.astimezone(ZoneInfo(zone)).strftime("%d-%m-%Y")),
             *((_plain(labels.get(item.kind, item.kind)),) if kinds else ()),
             _plain(item.text)) for item in items]
    header = ["Tanggal", *(["Jenis"] if kinds else []), "Komentar (data pribadi disamarkan)"]
    return [_table(header, rows, title, (1.2, *((1.2,) if kinds else ()), 7))]


def _component_blocks(sheet: EvidenceSheet) -> list[Block]:
    c, s = sheet.component, sheet.score
    p = s.settings.confidence_percent
    out: list[Block] = []
    band = BAND_LABELS[s.band]
    if s.enough:
        out.append(_pairs([
            (bilingual(lambda: _("Skor Anda (mentah)")), bilingual(lambda: number(s.raw))),
            (bilingual(lambda: _("Rekan di unit (pembanding)")),
             bilingual(lambda: number(s.reference))),
            (bilingual(lambda: _("Selisih dan interval %(p)s%%", p=p)),
             bilingual(lambda: f"{signed(s.difference)} ({number(s.lower)} – "
                               f"{number(s.upper)})")),
            (bilingual(lambda: _("Skor disesuaikan")), bilingual(lambda: number(s.adjusted))),
            (bilingual(lambda: _("Penilaian / hari layanan")), _plain(f"{s.n} / {s.days}")),
            *([(bilingual(lambda: _('Jawaban "sangat baik" (4)')),
                bilingual(lambda: f"{number(s.top_box * 100, 1)}% "
                                  f"({number(s.top_box_lower * 100, 1)}–"
                                  f"{number(s.top_box_upper * 100, 1)}%)"))]
              if s.top_box is not None else []),
            (bilingual(lambda: _("Predikat")), Value(band[0], TEXT, band[1])),
        ], bilingual(lambda: _("Komponen masukan publik"))))
        out.append(_note(bilingual(lambda: _("Dibandingkan dengan siapa?"))))
        out.append(_note(bilingual(lambda: _(
            "Anda dibandingkan dengan rekan di unit %(unit)s pada periode yang sama: %(rn)d "
            "penilaian lain dari %(rd)d hari layanan, yang diberikan kepada petugas lain atau "
            "tanpa petugas tertentu. Penilaian Anda sendiri tidak termasuk di dalam "
            "pembanding.", unit=c.unit_name, rn=s.reference_n, rd=s.reference_days))))
        out.append(_note(bilingual(lambda: _("Mengapa predikatnya ini?"))))
        if s.band == "above":
            why = bilingual(lambda: _(
                "Skor Anda %(d)s poin di atas rekan di unit. Seluruh rentang keyakinan %(p)s%% "
                "selisih itu (%(low)s sampai %(high)s poin) berada di atas +%(delta)s poin: "
                "perbedaannya nyata, dan cukup besar untuk berarti.", d=number(s.difference),
                p=p, low=number(s.lower), high=number(s.upper), delta=number(s.settings.delta,
                                                                              1)))
        elif s.band == "below":
            why = bilingual(lambda: _(
                "Skor Anda %(d)s poin di bawah rekan di unit. Seluruh rentang keyakinan "
                "%(p)s%% selisih itu (%(low)s sampai %(high)s poin) berada di bawah "
                "−%(delta)s poin: perbedaannya nyata, dan cukup besar untuk berarti. Ini "
                "bahan pembinaan, bukan hukuman: lihat unsur terlemah dan saran pengembangan "
                "di bawah.", d=number(-s.difference), p=p, low=number(s.lower),
                high=number(s.upper), delta=number(s.settings.delta, 1)))
        else:
            why = bilingual(lambda: _(
                "Selisih skor Anda dengan rekan di unit adalah %(d)s poin, dengan rentang "
                "keyakinan %(p)s%% dari %(low)s sampai %(high)s poin. Rentang itu tidak "
                "seluruhnya berada di luar ±%(delta)s poin, jadi selisih yang terlihat bisa "
                "saja kebetulan atau terlalu kecil untuk berarti: layanan Anda sejalan dengan "
                "rekan di unit.", d=number(s.difference), p=p, low=number(s.lower),
                high=number(s.upper), delta=number(s.settings.delta, 1)))
        out.append(_note(why))
        out.append(_note(bilingual(lambda: _("Apa yang dapat mengubahnya?"))))
        out.append(_note(bilingual(lambda: _(
            "Predikat berubah hanya bila seluruh rentang bergeser melewati +%(delta)s atau "
            "−%(delta)s poin: bila warga menilai layanan Anda lebih baik (atau lebih buruk) "
            "dibanding rekan di unit. Rentang menyempit bila penilaian datang dari lebih "
            "banyak hari layanan; banyak penilaian pada hari yang sama menambah sedikit "
            "kepastian, karena penilaian satu hari saling berkaitan (antrean, gangguan sistem "
            "yang sama).", delta=number(s.settings.delta, 1)))))
        unit_result = sheet.unit_result.result if sheet.unit_result else None
        if unit_result is not None and unit_result.category:
            out.append(_note(bilingual(lambda: _(
                "Mutu pelayanan unit %(unit)s pada periode ini: %(cat)s (IKM %(ikm)s). Itu "
                "urusan unit dan tidak ikut menentukan predikat Anda.", unit=c.unit_name,
                cat=unit_result.category, ikm=number(unit_result.ikm_converted)))))
        out.append(_note(bilingual(lambda: _("Cara menghitung"))))
        out.append(_note(bilingual(lambda: _(
            "Setiap penilaian diberi skor: rata-rata jawaban warga pada unsur tentang petugas "
            "(%(elements)s) dikali 25, pada skala 25–100 yang sama dengan IKM. Skor mentah "
            "adalah rata-rata skor itu. Skor disesuaikan adalah skor pembanding ditambah "
            "selisih yang diperkecil dengan faktor n/(n + %(k)d), agar beberapa penilaian "
            "ekstrem tidak terlalu menentukan. Bagian jawaban sangat baik menunjukkan berapa "
            "bagian jawaban Anda bernilai 4, karena skala berhenti di 4.",
            elements=", ".join(s.settings.elements), k=s.settings.k))))
    else:
        insufficient = BAND_LABELS[INSUFFICIENT]
        out.append(_pairs([
            (bilingual(lambda: _("Penilaian / hari layanan")), _plain(f"{s.n} / {s.days}")),
            (bilingual(lambda: _("Predikat")), Value(insufficient[0], TEXT, insufficient[1])),
        ], bilingual(lambda: _("Komponen masukan publik"))))
        out.append(_note(bilingual(lambda: _(
            "Belum cukup penilaian: %(n)d penilaian dari %(d)d hari layanan untuk Anda, dan "
            "%(rn)d penilaian dari %(rd)d hari layanan untuk rekan di unit %(unit)s "
            "(pembanding). Keduanya perlu minimal %(min)d penilaian dari minimal %(days)d "
            "hari layanan.", n=s.n, d=s.days, rn=s.reference_n, rd=s.reference_days,
            unit=c.unit_name, min=s.settings.minimum_n, days=s.settings.minimum_days))))
        minimum, days = s.settings.minimum_n, s.settings.minimum_days
        reasons = {
            "officer_n": lambda: _("Penilaian untuk Anda kurang dari %(min)d.", min=minimum),
            "officer_days": lambda: _(
                "Penilaian untuk Anda berasal dari kurang dari %(days)d hari layanan: "
                "penilaian satu hari saling berkaitan, jadi banyak penilaian dari sedikit "
                "hari belum cukup.", days=days),
            "reference_n": lambda: _("Penilaian lain di unit ini (pembanding) kurang dari "
                                     "%(min)d.", min=minimum),
            "reference_days": lambda: _("Penilaian lain di unit ini (pembanding) berasal dari "
                                        "kurang dari %(days)d hari layanan.", days=days),
        }
        for reason in s.reasons:
            text = bilingual(reasons[reason])
            out.append(_note(Value("• " + text.value, TEXT, text.en)))
        out.append(_note(bilingual(lambda: _(
            "Dengan sedikit penilaian, satu atau dua jawaban saja bisa sangat mengubah angka, "
            "jadi skor, sebaran jawaban dan unsur terlemah belum ditampilkan dan tidak "
            "dimasukkan ke urutan atau laporan."))))
    if s.flagged_excluded or s.reference_flagged_excluded:
        out.append(_note(bilingual(lambda: _(
            "Tidak dihitung: %(mine)d penilaian Anda dan %(theirs)d penilaian lain di unit ini "
            "yang ditandai mencurigakan, sampai kepala membersihkannya.",
            mine=s.flagged_excluded, theirs=s.reference_flagged_excluded))))
    return out


def _trend_blocks(sheet: EvidenceSheet) -> list[Block]:
    c, s = sheet.component, sheet.score
    previous = sheet.period.previous()
    rows = [(bilingual(lambda: _("Periode sebelumnya")),
             _plain(f"{period_text(previous)}: {c.previous.n if c.previous else 0} penilaian"))]
    if c.trend is not None:
        def change():
            if c.trend > 0:
                words = _("Naik %(d)s poin", d=number(c.trend))
            elif c.trend < 0:
                words = _("Turun %(d)s poin", d=number(-c.trend))
            else:
                words = _("Tidak berubah")
            return words + " " + _("(sebelumnya %(before)s, kini %(now)s)",
                                   before=number(c.previous.raw), now=number(s.raw))
        rows.append((bilingual(lambda: _("Perubahan")), bilingual(change)))
    out = [_pairs(rows, bilingual(lambda: _("Dibandingkan periode sebelumnya")))]
    if c.trend is None:
        out.append(_note(bilingual(lambda: _(
            "Tren belum dapat dihitung: kedua periode perlu masing-masing cukup penilaian "
            "(minimal %(min)d penilaian dari %(days)d hari layanan, untuk Anda dan untuk "
            "pembanding).", min=s.settings.minimum_n, days=s.settings.minimum_days))))
    return out


def _distribution_blocks(sheet: EvidenceSheet) -> list[Block]:
    s = sheet.score
    title = bilingual(lambda: _("Sebaran jawaban per unsur"))
    if not (s.enough and s.distribution):
        return [_pairs([], title),
                _note(bilingual(lambda: _("Sebaran jawaban ditampilkan setelah penilaian "
                                          "cukup.")))]
    with force_locale("id"):
        score_header = _("Nilai (×25)")
    rows = [(_plain(_element_label(code)), *(Value(n, "int") for n in counts),
             _plain(number_id(s.elements.get(code))))
            for code, counts in sorted(s.distribution.items())]
    return [_table(["Unsur", "1", "2", "3", "4", score_header], rows, title,
                   (5, 0.8, 0.8, 0.8, 0.8, 1.2)),
            _note(bilingual(lambda: _("1 = tidak baik … 4 = sangat baik, seperti wajah-wajah "
                                      "pada survei.")))]


def number_id(value, places: int = 2) -> str:
    with force_locale("id"):
        return number(value, places)


def _weakest_blocks(sheet: EvidenceSheet) -> list[Block]:
    c, s = sheet.component, sheet.score
    title = bilingual(lambda: _("Unsur terlemah dan saran pengembangan"))
    weakest = sheet.weakest
    if weakest is None:
        return [_pairs([], title), _note(bilingual(lambda: _(
            "Unsur terlemah ditentukan setelah penilaian cukup.")))]
    rows = [(bilingual(lambda: _("Unsur terlemah:")),
             bilingual(lambda: f"{_element_label(weakest)} ({number(s.elements.get(weakest))})"))]
    action = dashboard.DEVELOPMENT_ACTIONS.get(weakest)
    if action is not None:
        rows.append((bilingual(lambda: _("Saran pengembangan:")), bilingual(lambda: str(action))))
    return [_pairs(rows, title), *_comments(
        c.weakest_comments, sheet.unit.timezone,
        bilingual(lambda: _("Komentar warga tentang unsur ini")),
        bilingual(lambda: _("Tidak ada komentar tentang unsur ini pada periode ini.")),
        kinds=True)]


def _settings_blocks(sheet: EvidenceSheet) -> list[Block]:
    s = sheet.score
    with force_locale("id"):
        indonesian = s.settings.describe()
    with force_locale("en"):
        english = s.settings.describe()
    def printable(text: str) -> str:  # the PDF's font has no Greek letters
        return text.replace("δ", "delta")

    rows = [(Value(printable(label), TEXT, printable(label_en)),
             Value(value, TEXT, value_en if value_en != value else ""))
            for (label, value), (label_en, value_en) in zip(indonesian, english, strict=True)]
    rows.append((bilingual(lambda: _("Penilaian ditandai yang tidak dihitung")),
                 bilingual(lambda: _("%(mine)d untuk Anda, %(theirs)d untuk pembanding",
                                     mine=s.flagged_excluded,
                                     theirs=s.reference_flagged_excluded))))
    return [_pairs(rows, bilingual(lambda: _("Pengaturan yang dipakai"))),
            _note(bilingual(lambda: _(
                "Penilaian yang ditandai mencurigakan tidak dihitung di mana pun (juga tidak di "
                "IKM unit) sampai dibersihkan oleh kepala. Suara Layanan tidak memberi nilai "
                "kinerja: ini ringkasan masukan warga sebagai bahan umpan balik atasan tentang "
                "Berorientasi Pelayanan.")))]


def blocks(sheet: EvidenceSheet) -> list[Block]:
    """The sheet, in order: who and where from, the component, the trend, the distribution,
    the weakest element, the praise, the settings, the verification."""
    c, officer = sheet.component, sheet.officer
    zone = sheet.unit.timezone
    source = bilingual(lambda: _("Angka di lembar ini hanya berasal dari penilaian yang "
                                 "diberikan di unit %(unit)s.", unit=c.unit_name)
                       + (" " + _("Petugas ini kini bertugas di unit lain; penilaian dari "
                                  "unit itu tidak termasuk di sini.") if c.moved else ""))
    identity = [
        (bilingual(lambda: _("Petugas")), _plain(officer.name)),
        (bilingual(lambda: _("NIP / nomor pegawai")), _plain(officer.identifier or "–")),
        (bilingual(lambda: _("Jabatan")), _plain(officer.position or "Petugas")),
        (bilingual(lambda: _("Unit tempat dinilai")), _plain(f"{c.unit_code} — {c.unit_name}")),
        (bilingual(lambda: _("Dinas")), _plain(sheet.unit.department.name)),
        (bilingual(lambda: _("Periode")), _plain(period_text(sheet.period))),
        (bilingual(lambda: _("Tanggal dibuat")),
         _plain(sheet.local_generated.strftime("%d-%m-%Y %H:%M ") + ZONE_NAMES.get(zone, zone))),
        (bilingual(lambda: _("Sumber angka")), source),
    ]
    if len(c.units) > 1:
        identity.append((bilingual(lambda: _("Unit tempat petugas ini dinilai:")),
                         _plain(" · ".join(f"{name} ({count} penilaian)"
                                           for _id, _code, name, count in c.units))))
    out: list[Block] = [
        _heading(bilingual(lambda: str(TITLE))),
        _pairs(identity),
        *_component_blocks(sheet),
        *_trend_blocks(sheet),
        *_distribution_blocks(sheet),
        *_weakest_blocks(sheet),
        *_comments(c.praise, zone, bilingual(lambda: _("Pujian dari warga")),
                   bilingual(lambda: _("Belum ada pujian pada periode ini.")), kinds=False),
        *_settings_blocks(sheet),
    ]
    if sheet.verification_code:
        out.append(_pairs([
            (bilingual(lambda: _("Kode verifikasi")), _plain(sheet.verification_code)),
            (bilingual(lambda: _("Periksa keaslian")), bilingual(lambda: _(
                "%(url)s — halaman itu menunjukkan isi yang disahkan dan menolak berkas yang "
                "diubah.", url=sheet.verification_url))),
        ], bilingual(lambda: _("Verifikasi dokumen"))))
    return out


def _heading(title: Value) -> Block:
    return Block("heading", title.value, sheet=SHEET, title_en=title.en)


def sheet_pdf(sheet: EvidenceSheet) -> bytes:
    verification = ((sheet.verification_code, sheet.verification_url)
                    if sheet.verification_code else None)
    name = f"{sheet.officer.identifier or sheet.officer.name}"
    with force_locale("id"):  # Indonesian first, whatever the reader's language
        content = blocks(sheet)
    return blocks_pdf(content, title=f"Lembar bukti {name} {sheet.period.label()}",
                      footer=f"Lembar bukti Berorientasi Pelayanan · {sheet.officer.name} · "
                             f"{sheet.component.unit_code} · {sheet.period.label()} · "
                             "Suara Layanan", verification=verification)


def subject(sheet: EvidenceSheet) -> str:
    """What a verified sheet certifies (shown at its public verification URL). Below the
    minimum only the counts and the words, as on the sheet itself."""
    c, s = sheet.component, sheet.score
    with force_locale("id"):
        if s.enough:
            result = (f"skor mentah {number(s.raw)}, pembanding {number(s.reference)}, selisih "
                      f"{signed(s.difference)} ({number(s.lower)} – {number(s.upper)}), "
                      f"predikat {s.band_label}")
            weakest = f"; unsur terlemah {_element_label(sheet.weakest)}" if sheet.weakest else ""
        else:
            result, weakest = "belum cukup penilaian", ""
    return (f"Lembar bukti umpan balik Berorientasi Pelayanan: {sheet.officer.name} "
            f"({sheet.officer.identifier or '–'}), penilaian di unit {c.unit_code} — "
            f"{c.unit_name}, periode {period_text(sheet.period)}: {s.n} penilaian dari {s.days} "
            f"hari layanan, {result}{weakest}; dibuat "
            f"{sheet.local_generated.strftime('%d-%m-%Y %H:%M')} "
            f"{ZONE_NAMES.get(sheet.unit.timezone, sheet.unit.timezone)}.")


def verified_pdf(session: Session, sheet: EvidenceSheet, *, base_url: str,
                 issued_by: int | None = None, issued_by_name: str = "") -> tuple[str, bytes]:
    """The sheet as a PDF with a verification code, recorded as an issued document.
    Returns (code, PDF). Flushes; the caller commits."""
    from analytics import documents

    def render(code: str, url: str) -> bytes:
        sheet.verification_code, sheet.verification_url = code, url
        return sheet_pdf(sheet)

    document, body = documents.issue(session, kind=KIND, subject=subject(sheet),
                                     base_url=base_url, render=render,
                                     unit_id=sheet.component.unit_id, issued_by=issued_by,
                                     issued_by_name=issued_by_name)
    return document.code, body


def filename(sheet: EvidenceSheet) -> str:
    who = re.sub(r"[^0-9A-Za-z._-]+", "-", sheet.officer.identifier or str(sheet.officer.id))
    return f"lembar-bukti-{who}-{sheet.period.start}-{sheet.period.end}.pdf"


__all__ = ["EvidenceSheet", "KIND", "blocks", "build_sheet", "filename", "sheet_pdf",
           "subject", "verified_pdf"]
