"""Command line, grouped by noun: ``flask --app wsgi <noun> <verb>``. Names are stable:
scripts call them."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from core import audit, db, services
from core.services import OrganisationError


def fail(message: str) -> None:
    raise click.ClickException(message)


def commit_or_fail(action, audit_as=None):
    """Run ``action(session)``, commit once, and turn domain errors into a clear message.
    ``audit_as(result)`` gives ``(action, target, detail)`` for the audit log (actor "cli")."""
    session = db.session()
    try:
        result = action(session)
        if audit_as is not None:
            audit.record(session, "cli", *audit_as(result))
        session.commit()
        return result
    except OrganisationError as exc:
        session.rollback()
        fail(str(exc))


db_cli = AppGroup("db", help="Database schema (Alembic migrations).")


@db_cli.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (run before starting the server)."""
    from core.migrate import upgrade

    upgrade(current_app.config["DATABASE_URL"], revision=revision)
    click.echo(f"Database at {revision}.")


department_cli = AppGroup("department", help="Departments (dinas/badan, OPD).")


@department_cli.command("add")
@click.argument("code")
@click.argument("name")
def department_add(code: str, name: str) -> None:
    """Add a department."""
    department = commit_or_fail(
        lambda s: services.add_department(s, code, name),
        audit_as=lambda d: ("department.create", f"department:{d.code}", {"name": d.name}))
    click.echo(f"Dinas {department.code}: {department.name}")


unit_cli = AppGroup("unit", help="Service units.")


@unit_cli.command("add")
@click.argument("code")
@click.argument("name")
@click.option("--department", "department_code", required=True, help="The department's code.")
@click.option("--timezone", default="Asia/Jakarta", show_default=True,
              help="Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT).")
@click.option("--population", type=int, default=None,
              help="Service recipients a year, for the minimum sample.")
def unit_add(code, name, department_code, timezone, population) -> None:
    """Add a service unit to a department."""
    unit = commit_or_fail(
        lambda s: services.add_unit(s, code, name, department_code, timezone, population),
        audit_as=lambda u: ("unit.create", f"unit:{u.code}", {"name": u.name,
                            "department": department_code, "timezone": u.timezone}),
    )
    click.echo(f"Unit {unit.code}: {unit.name}")


counter_cli = AppGroup("counter", help="Counters (loket).")


@counter_cli.command("add")
@click.argument("code")
@click.argument("label")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
def counter_add(code, label, unit_code) -> None:
    """Add a counter to a unit."""
    counter = commit_or_fail(
        lambda s: services.add_counter(s, code, label, unit_code),
        audit_as=lambda c: ("counter.create", f"counter:{c.code}", {"label": c.label,
                            "unit": unit_code}))
    click.echo(f"Loket {counter.code}: {counter.label}")


officer_cli = AppGroup("officer", help="Officers (petugas).")


@officer_cli.command("add")
@click.argument("nip")
@click.argument("name")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
@click.option("--no-nip", is_flag=True, help="NIP is another employee id (PPPK, honorer).")
@click.option("--position", default=None, help="Jabatan, e.g. 'Petugas Loket'.")
def officer_add(nip, name, unit_code, no_nip, position) -> None:
    """Add an officer by NIP (18 digits) or, with --no-nip, another id."""
    officer = commit_or_fail(
        lambda s: services.add_officer(s, nip, name, unit_code, has_nip=not no_nip,
                                       position=position),
        audit_as=lambda o: ("officer.create", f"officer:{o.identifier}", {"name": o.name,
                            "unit": unit_code}),
    )
    click.echo(f"Petugas {officer.identifier}: {officer.name}")


@officer_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def officer_import(file: Path) -> None:
    """Import or update officers from a CSV (nip or employee_id, name, unit[, position, active])."""
    session = db.session()
    try:
        result = services.import_officers(session, file.read_text(encoding="utf-8"))
    except OrganisationError as exc:
        session.rollback()
        fail(str(exc))
    if result.errors:
        session.rollback()
        for error in result.errors:
            click.echo(error, err=True)
        fail(f"{len(result.errors)} baris salah; tidak ada yang diimpor.")
    audit.record(session, "cli", "officer.import", file.name,
                 {"created": len(result.created), "updated": len(result.updated)})
    session.commit()
    click.echo(f"{len(result.created)} petugas baru, {len(result.updated)} diperbarui.")


shift_cli = AppGroup("shift", help="Officers signed in to counters.")


@shift_cli.command("start")
@click.argument("nip")
@click.argument("counter_code")
def shift_start(nip, counter_code) -> None:
    """Sign an officer in to a counter from now on."""
    shift = commit_or_fail(
        lambda s: services.start_shift(s, services.officer_by_identifier(s, nip),
                                       services.counter_by_code(s, counter_code))
    )
    click.echo(f"{shift.officer.name} bertugas di {shift.counter.code} sejak "
               f"{shift.started_at.isoformat(timespec='seconds')}")


@shift_cli.command("end")
@click.argument("nip")
def shift_end(nip) -> None:
    """End an officer's open shift now."""
    shift = commit_or_fail(
        lambda s: services.end_shift(s, services.officer_by_identifier(s, nip), reason="cli")
    )
    click.echo(f"{shift.officer.name} selesai bertugas di {shift.counter.code}.")


holiday_cli = AppGroup("holiday", help="Public holidays and cuti bersama (not working days).")


def _parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise click.BadParameter(f"'{value}' bukan tanggal YYYY-MM-DD.") from None


@holiday_cli.command("add")
@click.argument("day")
@click.argument("name")
def holiday_add(day: str, name: str) -> None:
    """Add (or rename) one holiday: DATE as YYYY-MM-DD."""
    from core.models import Holiday

    when = _parse_day(day)
    session = db.session()
    session.merge(Holiday(day=when, name=name.strip()[:200]))
    session.commit()
    click.echo(f"{when.isoformat()} {name.strip()}")


@holiday_cli.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def holiday_load(file: Path) -> None:
    """Load a year's holidays from a CSV with columns date,name (YYYY-MM-DD); all or nothing."""
    import csv

    from core.models import Holiday

    rows, errors = [], []
    with file.open(encoding="utf-8-sig", newline="") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            header = row and row[0].strip().lower() in ("date", "tanggal")
            if not row or not "".join(row).strip() or header:
                continue
            if len(row) < 2 or not row[1].strip():
                errors.append(f"baris {number}: perlu dua kolom: tanggal,nama")
                continue
            try:
                rows.append((date.fromisoformat(row[0].strip()), row[1].strip()[:200]))
            except ValueError:
                errors.append(f"baris {number}: '{row[0]}' bukan tanggal YYYY-MM-DD")
    if errors:
        for error in errors:
            click.echo(error, err=True)
        fail(f"{len(errors)} baris salah; tidak ada yang dimuat.")
    session = db.session()
    for when, name in rows:
        session.merge(Holiday(day=when, name=name))
    session.commit()
    click.echo(f"{len(rows)} hari libur dimuat.")


@holiday_cli.command("list")
@click.option("--year", type=int, default=None, help="Only this year.")
def holiday_list(year: int | None) -> None:
    """List the loaded holidays."""
    from sqlalchemy import select

    from core.models import Holiday

    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(Holiday.day.between(date(year, 1, 1), date(year, 12, 31)))
    for holiday in db.session().scalars(query):
        click.echo(f"{holiday.day.isoformat()}\t{holiday.name}")


@holiday_cli.command("remove")
@click.argument("day")
def holiday_remove(day: str) -> None:
    """Remove one holiday."""
    from core.models import Holiday

    session = db.session()
    holiday = session.get(Holiday, _parse_day(day))
    if holiday is None:
        fail(f"Tidak ada hari libur pada {day}.")
    session.delete(holiday)
    session.commit()
    click.echo(f"{day} dihapus.")


@click.command("purge")
@with_appcontext
@click.option("--dry-run", is_flag=True, help="Only count what would be removed.")
def purge_command(dry_run: bool) -> None:
    """Remove contact details and address hashes older than RETENTION_MONTHS (and comment
    text older than TEXT_RETENTION_MONTHS, if set). Run it daily."""
    from core import audit, retention

    config = current_app.config
    session = db.session()
    steps = retention.registered_steps(current_app)
    result = retention.purge(session, steps, months=config["RETENTION_MONTHS"],
                             text_months=config["TEXT_RETENTION_MONTHS"], dry_run=dry_run)
    verb = "akan dihapus" if dry_run else "dihapus"
    cutoff = result.contact_cutoff.date().isoformat() if result.contact_cutoff else "tidak pernah"
    click.echo(f"Batas kontak dan hash alamat: sebelum {cutoff} "
               f"(RETENTION_MONTHS={config['RETENTION_MONTHS']})")
    if result.text_cutoff:
        click.echo(f"Batas teks komentar: sebelum {result.text_cutoff.date().isoformat()} "
                   f"(TEXT_RETENTION_MONTHS={config['TEXT_RETENTION_MONTHS']})")
    for step in steps:  # each area's counts, in its own words
        for name, label in step.labels.items():
            click.echo(f"{label} {verb}: {result.counts.get(name, 0)}")
    if dry_run:
        session.rollback()
        return
    audit.record(session, "cli", "privacy.purge", "", {
        **result.counts,
        "retention_months": config["RETENTION_MONTHS"],
        "text_retention_months": config["TEXT_RETENTION_MONTHS"]})
    session.commit()


config_cli = AppGroup("config", help="The settings this deployment runs with.")


@config_cli.command("show")
@with_appcontext
def config_show() -> None:
    """Every setting, one per line: variable, where its value came from (default,
    environment, override) and the effective value, secrets masked."""
    from core import settings

    rows = settings.effective(current_app.config)
    width = max(len(variable) for variable, _, _ in rows)
    for variable, source, value in rows:
        click.echo(f"{variable:<{width}}  {source:<11}  {value}")


@config_cli.command("docs")
@with_appcontext
def config_docs() -> None:
    """The table of every setting, as docs/configuration.md shows it (Markdown)."""
    from core import settings

    settings_in_use = [setting for setting, _ in current_app.config["SETTINGS_SOURCES"].values()]
    click.echo(settings.markdown_table(settings_in_use))


def read_secret_from_stdin_or_prompt(prompt: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def register(app: Flask) -> None:
    for group in (db_cli, department_cli, unit_cli, counter_cli, officer_cli, shift_cli):
        app.cli.add_command(group)
    app.cli.add_command(holiday_cli)
    app.cli.add_command(purge_command)
    app.cli.add_command(config_cli)
