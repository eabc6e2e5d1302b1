"""Command line for results: ``ikm`` (a unit's IKM as a table or JSON), ``components``
(its officers' components), ``report`` (the files an office hands on) and
``aggregates rebuild``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from analytics import aggregates, exports, fold, ikm_read, officers_read, periods
from analytics.ikm import IkmResult
from analytics.ikm_read import UnitIkm
from analytics.periods import AnalyticsError
from analytics.settings import current as current_settings
from core import db
from core.cli import fail
from core.localtime import local_today
from core.services import OrganisationError, unit_by_code
from survey import integrity
from survey.models import Rating
from survey.moderation import tag_untagged_comments

FROM = click.option("--from", "start", metavar="YYYY-MM-DD",
                    help="First service day (default: 90 days before --to).")
TO = click.option("--to", "end", metavar="YYYY-MM-DD", help="Last service day (default: today).")


def _unit_and_period(code: str, start: str | None, end: str | None):
    session = db.session()
    fold.ensure_folded(session, thresholds=integrity.Thresholds.from_config(current_app.config))
    try:
        unit = unit_by_code(session, code)
        return session, unit, periods.parse_period(start, end,
                                                   today=local_today(unit.timezone))
    except (OrganisationError, AnalyticsError) as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


def _number(value, places: int = 4) -> str:
    return "—" if value is None else f"{float(value):.{places}f}"


def ikm_table(result: UnitIkm, share=None) -> str:
    """The unit's IKM as the plain-text table the ``ikm`` command prints (with the
    participation, ``analytics.participation.Participation``, when given)."""
    ikm: IkmResult = result.result
    lines = [f"Unit {result.unit_code} — {result.unit_name}",
             f"Periode {result.period.label()}", ""]
    if ikm.empty:
        lines.append("Tidak ada penilaian pada periode ini: IKM tidak dapat dihitung.")
    else:
        lines.append(f"{'Unsur':<6}{'Nama':<42}{'Jawaban':>8}{'NRR':>9}{'Tertimbang':>12}"
                     f"{'Konversi':>10}  Mutu")
        for e in ikm.elements:
            lines.append(f"{e.code:<6}{e.name[:40]:<42}{e.answers:>8}{_number(e.nrr):>9}"
                         f"{_number(e.weighted):>12}{e.converted:>10}  {e.category}")
        lines += [
            "",
            f"IKM {_number(ikm.ikm)}   konversi {ikm.ikm_converted}   "
            f"mutu pelayanan {ikm.category}   kinerja unit {ikm.label}",
        ]
        if ikm.unanswered:
            lines.append(f"Unsur tanpa jawaban (tidak dihitung): {', '.join(ikm.unanswered)}; "
                         f"bobot 1/{ikm.weight.denominator}")
    sample = result.sample
    line = f"Responden {ikm.respondents}"
    if sample.minimum is not None:
        line += (f"; populasi {sample.population} → sampel minimum {sample.minimum}: "
                 + ("tercapai" if sample.reached else "belum tercapai"))
    else:
        line += "; populasi tahunan belum diisi (sampel minimum tidak dihitung)"
    lines += [line,
              f"Penilaian ditandai yang tidak dihitung (sampai dibersihkan kepala): "
              f"{result.flagged_excluded}"]
    if result.paper is not None:
        lines.append(f"Penilaian dari kuesioner kertas (ikut dihitung): {result.paper}")
    lines.append(f"Aturan pembulatan: {ikm.rounding_rule}")
    if share is not None:
        lines.append("Partisipasi: " + ("jumlah layanan belum tercatat untuk bulan penuh "
                                        "periode ini" if share.rate is None else
                                        f"{share.ratings} penilaian / {share.services} layanan "
                                        f"= {share.percent} %"))
    return "\n".join(lines)


def components_table(components, settings) -> str:
    """The officers' components of one unit as the ``components`` command prints them:
    ranked inside the unit only; below the minimum, words and counts only."""
    lines = []
    for code, name, items in officers_read.group_by_unit(components):
        lines += [f"Unit {code} — {name}",
                  f"{'No':>3}  {'Petugas':<32}{'n':>5}{'hari':>6}{'mentah':>9}{'pembanding':>12}"
                  f"{'selisih (interval)':>26}{'disesuaikan':>13}  predikat"]
        for item in items:
            s = item.score
            head = f"{item.rank or '–':>3}  {item.name[:31]:<32}{s.n:>5}{s.days:>6}"
            if s.enough:
                interval = f"{s.difference:+.2f} ({s.lower:.2f} – {s.upper:.2f})"
                head += f"{s.raw:>9.2f}{s.reference:>12.2f}{interval:>26}{s.adjusted:>13.2f}"
            else:
                head += f"{'':>9}{'':>12}{'':>26}{'':>13}"
            flagged = (f"  [ditandai tidak dihitung: {s.flagged_excluded} petugas, "
                       f"{s.reference_flagged_excluded} pembanding]"
                       if s.flagged_excluded or s.reference_flagged_excluded else "")
            lines.append(f"{head}  {s.band_label}{flagged}")
        lines.append("")
    if not components:
        lines += ["Tidak ada petugas.", ""]
    lines.append("Pengaturan komponen petugas:")
    lines += [f"  {label}: {value}" for label, value in settings.describe()]
    return "\n".join(lines)


@click.command("components")
@click.argument("unit_code")
@FROM
@TO
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def components_command(unit_code: str, start: str | None, end: str | None,
                       as_json: bool) -> None:
    """Print the officers' public-input components of UNIT_CODE for a period."""
    session, unit, period = _unit_and_period(unit_code, start, end)
    settings = current_settings()
    found = officers_read.officer_components(session, [unit.id], period, settings)
    if as_json:
        click.echo(json.dumps({"unit": unit.code, "period": period.as_dict(),
                               "settings": settings.as_dict(),
                               "officers": [c.as_dict() for c in found]},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(components_table(found, settings))


@click.command("ikm")
@click.argument("unit_code")
@FROM
@TO
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def ikm_command(unit_code: str, start: str | None, end: str | None, as_json: bool) -> None:
    """Print UNIT_CODE's IKM (SKM, Permenpan RB 14/2017) for a period."""
    session, unit, period = _unit_and_period(unit_code, start, end)
    result = ikm_read.unit_ikm(session, unit, period)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        from analytics.participation import participation

        click.echo(ikm_table(result, participation(session, unit, period.start, period.end)))


class ReportGroup(AppGroup):
    """``report UNIT_CODE …`` writes a unit's files (the ``unit`` command, the default, so
    the old spelling keeps working); ``report evidence NIP …`` an officer's evidence sheet."""

    def resolve_command(self, ctx, args):
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            return "unit", self.commands["unit"], args
        return super().resolve_command(ctx, args)


report_cli = ReportGroup("report", help="The files an office hands on: `report UNIT_CODE …` "
                         "(the unit's reports) or `report evidence NIP …` (an officer's "
                         "evidence sheet).")


@report_cli.command("unit")
@click.argument("unit_code")
@FROM
@TO
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder to write the files into.")
@with_appcontext
def report_command(unit_code: str, start: str | None, end: str | None, folder: Path) -> None:
    """Write UNIT_CODE's SKM report (XLSX and a verifiable A4 PDF), ratings and officers'
    evaluation sheet for a period."""
    session, unit, period = _unit_and_period(unit_code, start, end)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{unit.code}-{period.start}-{period.end}"
    settings = current_settings()
    components: list = []

    def ratings_csv(path: Path):
        with path.open("w", newline="", encoding="utf-8-sig") as out:
            exports.ratings_csv(session, [unit.id], period, out)

    def officers_csv(path: Path):
        with path.open("w", newline="", encoding="utf-8-sig") as out:
            exports.officers_csv(components, period, out, settings)

    def report_pdf(path: Path):
        from flask import current_app

        from analytics import reports

        code, body = reports.verified_pdf(session, reports.build_report(session, unit, period),
                                          base_url=current_app.config["BASE_URL"],
                                          issued_by_name="flask report (CLI)")
        session.commit()
        path.write_bytes(body)
        codes.append(code)

    codes: list[str] = []
    steps = [
        (f"laporan-skm-{stem}.xlsx",
         lambda p: p.write_bytes(exports.skm_report_xlsx(session, unit, period))),
        (f"laporan-skm-{stem}.pdf", report_pdf),
        (f"ikm-{stem}.json", lambda p: p.write_text(json.dumps(
            ikm_read.unit_ikm(session, unit, period).as_dict(), ensure_ascii=False, indent=2),
            encoding="utf-8")),
        (f"penilaian-{stem}.csv", ratings_csv),
        (f"penilaian-{stem}.xlsx",
         lambda p: p.write_bytes(exports.ratings_xlsx(session, [unit.id], period))),
        (None, lambda _p: components.extend(
            officers_read.officer_components(session, [unit.id], period, settings))),
        (f"komponen-petugas-{stem}.xlsx",
         lambda p: p.write_bytes(exports.officers_xlsx(components, period, settings))),
        (f"komponen-petugas-{stem}.csv", officers_csv),
    ]
    written = []
    with click.progressbar(steps, label="Menulis laporan", item_show_func=lambda s:
                           s[0] if s and s[0] else None) as bar:
        for name, write in bar:
            path = folder / name if name else None
            write(path)
            if path:
                written.append(path)
    click.echo(ikm_table(ikm_read.unit_ikm(session, unit, period)))
    click.echo("Pengaturan komponen petugas:")
    for label, value in settings.describe():
        click.echo(f"  {label}: {value}")
    for path in written:
        click.echo(str(path))
    for code in codes:
        click.echo(f"Kode verifikasi laporan PDF: {code}")


@report_cli.command("evidence")
@click.argument("identifier", metavar="NIP")
@FROM
@TO
@click.option("--unit", "unit_code", metavar="CODE",
              help="The unit the ratings were given in (default: the officer's own unit, "
                   "else the unit they were rated in most).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF to write (default: lembar-bukti-NIP-FROM-TO.pdf here).")
def evidence_command(identifier: str, start: str | None, end: str | None,
                     unit_code: str | None, output: Path | None) -> None:
    """Write the officer's evidence sheet (an A4 PDF with a verification code) for the
    supervisor's continuous feedback on Berorientasi Pelayanan."""
    from flask import current_app

    from analytics import evidence
    from core.services import officer_by_identifier

    session = db.session()
    fold.ensure_folded(session, thresholds=integrity.Thresholds.from_config(current_app.config))
    try:
        officer = officer_by_identifier(session, identifier)
        unit_id = unit_by_code(session, unit_code).id if unit_code else None
        period = periods.parse_period(start, end, today=local_today(officer.unit.timezone))
        sheet = evidence.build_sheet(session, officer, period, settings=current_settings(),
                                     unit_id=unit_id)
    except (OrganisationError, AnalyticsError) as exc:
        fail(str(getattr(exc, "message", exc)))
    code, body = evidence.verified_pdf(session, sheet, base_url=current_app.config["BASE_URL"],
                                       issued_by_name="flask report evidence (CLI)")
    session.commit()
    path = output or Path(evidence.filename(sheet))
    path.write_bytes(body)
    s = sheet.score
    click.echo(f"{officer.name} ({officer.identifier}) — unit {sheet.component.unit_code}, "
               f"periode {period.label()}: {s.n} penilaian dari {s.days} hari layanan, "
               f"{s.band_label}")
    click.echo(str(path))
    click.echo(f"Kode verifikasi lembar bukti: {code}")


aggregates_cli = AppGroup("aggregates", help="Daily aggregates behind reports and dashboards.")


@aggregates_cli.command("rebuild")
@click.option("--unit", "unit_codes", multiple=True, metavar="CODE",
              help="Only this unit (repeatable); all units when left out.")
def aggregates_rebuild(unit_codes: tuple[str, ...]) -> None:
    """Recompute the daily aggregates from the stored ratings."""
    session = db.session()
    try:
        unit_ids = [unit_by_code(session, code).id for code in unit_codes] or None
    except OrganisationError as exc:
        fail(str(exc))
    count = select(func.count()).select_from(Rating).where(Rating.folded_at.is_not(None))
    if unit_ids is not None:
        count = count.where(Rating.unit_id.in_(unit_ids))
    total = session.scalar(count) or 0
    with click.progressbar(length=total, label="Membangun ulang agregat") as bar:
        read = aggregates.rebuild(session, unit_ids, progress=bar.update)
    tagged = tag_untagged_comments(session, unit_ids=unit_ids)
    session.commit()
    scope = "semua unit" if unit_ids is None else ", ".join(unit_codes)
    click.echo(f"Agregat harian dibangun ulang dari {read} penilaian ({scope}).")
    click.echo(f"Komentar yang baru diberi tag: {tagged}.")


participation_cli = AppGroup("participation",
                             help="Services delivered per unit and month (participation).")


@participation_cli.command("import")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
def participation_import(csv_file) -> None:
    """Import monthly counts from CSV_FILE with the columns unit,month,services
    (month as YYYY-MM; comma or semicolon). Nothing is stored if any line is wrong."""
    from analytics import participation

    session = db.session()
    result = participation.import_csv(session, csv_file.read())
    if result.errors:
        session.rollback()
        fail("Tidak ada yang disimpan:\n" + "\n".join(result.errors))
    session.commit()
    click.echo(f"{result.stored} jumlah layanan bulanan disimpan.")


@participation_cli.command("show")
@click.argument("unit_code")
@click.option("--year", type=click.IntRange(2000, 2099), default=lambda: date.today().year,
              show_default="this year", help="Calendar year.")
def participation_show(unit_code: str, year: int) -> None:
    """Print UNIT_CODE's services per month, where each count came from, and the year's
    participation (ratings ÷ services)."""
    from analytics import participation

    session = db.session()
    try:
        unit = unit_by_code(session, unit_code)
    except OrganisationError as exc:
        fail(str(exc))
    months = participation.monthly_services(session, [unit], date(year, 1, 1),
                                            date(year, 12, 1))[unit.id]
    for month in months:
        count = "—" if month.services is None else str(month.services)
        click.echo(f"{month.month:%Y-%m}  {count:>8}  {month.source or ''}")
    share = participation.participation(session, unit, date(year, 1, 1), date(year, 12, 31))
    rate = "—" if share.percent is None else f"{share.percent} %"
    click.echo(f"Partisipasi {year}: {share.ratings} penilaian / {share.services} layanan = {rate}")


def register(app: Flask) -> None:
    app.cli.add_command(participation_cli)
    from analytics.fold_cli import register as register_fold

    register_fold(app)
    app.cli.add_command(ikm_command)
    app.cli.add_command(report_cli)
    app.cli.add_command(components_command)
    app.cli.add_command(aggregates_cli)
    from analytics.alerts_cli import register as register_alerts

    register_alerts(app)  # `alert …` (analytics/alerts_cli.py)

