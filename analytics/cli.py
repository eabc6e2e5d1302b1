"""Command line for results: ``ikm`` (a unit's IKM as a table or JSON), ``report`` (the
files an office hands on) and ``aggregates rebuild``."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import func, select

from analytics import aggregates, exports, fold, services
from analytics.ikm import IkmResult
from analytics.services import AnalyticsError, UnitIkm
from analytics.settings import current as current_settings
from core import db
from core.cli import fail
from core.services import OrganisationError, unit_by_code
from survey.models import Rating

FROM = click.option("--from", "start", metavar="YYYY-MM-DD",
                    help="First service day (default: 90 days before --to).")
TO = click.option("--to", "end", metavar="YYYY-MM-DD", help="Last service day (default: today).")


def _unit_and_period(code: str, start: str | None, end: str | None):
    session = db.session()
    fold.ensure_folded(session)
    try:
        unit = unit_by_code(session, code)
        return session, unit, services.parse_period(start, end, today=date.today())
    except (OrganisationError, AnalyticsError) as exc:
        fail(str(exc))
        raise  # unreachable: fail() raises


def _number(value, places: int = 4) -> str:
    return "—" if value is None else f"{float(value):.{places}f}"


def ikm_table(result: UnitIkm) -> str:
    """The unit's IKM as the plain-text table the ``ikm`` command prints."""
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
    lines += [line, f"Aturan pembulatan: {ikm.rounding_rule}"]
    return "\n".join(lines)


@click.command("ikm")
@click.argument("unit_code")
@FROM
@TO
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@with_appcontext
def ikm_command(unit_code: str, start: str | None, end: str | None, as_json: bool) -> None:
    """Print UNIT_CODE's IKM (SKM, Permenpan RB 14/2017) for a period."""
    session, unit, period = _unit_and_period(unit_code, start, end)
    result = services.unit_ikm(session, unit, period)
    if as_json:
        click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(ikm_table(result))


@click.command("report")
@click.argument("unit_code")
@FROM
@TO
@click.option("-o", "--output", "folder", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Folder to write the files into.")
@with_appcontext
def report_command(unit_code: str, start: str | None, end: str | None, folder: Path) -> None:
    """Write UNIT_CODE's SKM report, ratings and officers' evaluation sheet for a period."""
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

    steps = [
        (f"laporan-skm-{stem}.xlsx",
         lambda p: p.write_bytes(exports.skm_report_xlsx(session, unit, period))),
        (f"ikm-{stem}.json", lambda p: p.write_text(json.dumps(
            services.unit_ikm(session, unit, period).as_dict(), ensure_ascii=False, indent=2),
            encoding="utf-8")),
        (f"penilaian-{stem}.csv", ratings_csv),
        (f"penilaian-{stem}.xlsx",
         lambda p: p.write_bytes(exports.ratings_xlsx(session, [unit.id], period))),
        (None, lambda _p: components.extend(
            services.officer_components(session, [unit.id], period, settings))),
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
    click.echo(ikm_table(services.unit_ikm(session, unit, period)))
    click.echo("Pengaturan komponen petugas:")
    for label, value in settings.describe():
        click.echo(f"  {label}: {value}")
    for path in written:
        click.echo(str(path))


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
    session.commit()
    scope = "semua unit" if unit_ids is None else ", ".join(unit_codes)
    click.echo(f"Agregat harian dibangun ulang dari {read} penilaian ({scope}).")


def register(app: Flask) -> None:
    from analytics.fold_cli import register as register_fold

    register_fold(app)
    app.cli.add_command(ikm_command)
    app.cli.add_command(report_command)
    app.cli.add_command(aggregates_cli)

