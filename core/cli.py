"""Command line, grouped by noun: ``flask --app wsgi <noun> <verb>``. Names are stable:
scripts call them."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from core import db, services
from core.services import OrganisationError


def fail(message: str) -> None:
    raise click.ClickException(message)


def commit_or_fail(action):
    """Run ``action(session)``, commit once, and turn domain errors into a clear message."""
    session = db.session()
    try:
        result = action(session)
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
    department = commit_or_fail(lambda s: services.add_department(s, code, name))
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
        lambda s: services.add_unit(s, code, name, department_code, timezone, population)
    )
    click.echo(f"Unit {unit.code}: {unit.name}")


counter_cli = AppGroup("counter", help="Counters (loket).")


@counter_cli.command("add")
@click.argument("code")
@click.argument("label")
@click.option("--unit", "unit_code", required=True, help="The unit's code.")
def counter_add(code, label, unit_code) -> None:
    """Add a counter to a unit."""
    counter = commit_or_fail(lambda s: services.add_counter(s, code, label, unit_code))
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
                                       position=position)
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


def read_secret_from_stdin_or_prompt(prompt: str) -> str:
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\n")


def register(app: Flask) -> None:
    from core.admin.cli import user_cli

    for group in (db_cli, department_cli, unit_cli, counter_cli, officer_cli, shift_cli,
                  user_cli):
        app.cli.add_command(group)
