"""``flask --app wsgi qr …``: survey links, QR images and printable sheets for counters and
officers; ``flask --app wsgi ratings import``: paper questionnaires."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from core import db
from core.cli import commit_or_fail
from core.services import counter_by_code, officer_by_identifier, unit_by_code
from survey import qr
from survey.services import current_code, reissue_code, survey_url

qr_cli = AppGroup("qr", help="Survey links and QR codes.")


def _code_for(session, counter_code: str | None, officer_nip: str | None):
    if bool(counter_code) == bool(officer_nip):
        raise click.UsageError("Give a COUNTER_CODE or --officer NIP (one of them).")
    if officer_nip:
        return current_code(session, officer=officer_by_identifier(session, officer_nip))
    return current_code(session, counter=counter_by_code(session, counter_code))


def _url(code) -> str:
    return survey_url(code, current_app.config["SECRET_KEY"], current_app.config["BASE_URL"])


@qr_cli.command("link")
@click.argument("counter_code", required=False)
@click.option("--officer", "officer_nip", help="An officer's NIP instead of a counter.")
def qr_link(counter_code, officer_nip) -> None:
    """Print the survey URL of a counter's (or an officer's) code, as the last line."""
    code = commit_or_fail(lambda s: _code_for(s, counter_code, officer_nip))
    click.echo(_url(code))


@qr_cli.command("reissue")
@click.argument("counter_code", required=False)
@click.option("--officer", "officer_nip", help="An officer's NIP instead of a counter.")
def qr_reissue(counter_code, officer_nip) -> None:
    """Revoke the current code and issue a new one; prints the new URL as the last line."""
    code = commit_or_fail(
        lambda s: reissue_code(s, _code_for(s, counter_code, officer_nip)),
        audit_as=lambda c: ("code.reissue", f"officer:{officer_nip}" if officer_nip
                            else f"counter:{counter_code}", {"issued": c.public_id}))
    click.echo(f"Kode lama dicabut. Kode baru:\n{_url(code)}")


OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


@qr_cli.command("image")
@click.argument("counter_code", required=False)
@click.option("--officer", "officer_nip", help="An officer's NIP instead of a counter.")
@click.option("-o", "--output", type=OUTPUT, required=True, help="FILE.png or FILE.svg.")
def qr_image(counter_code, officer_nip, output: Path) -> None:
    """Write the QR code of a counter's (or an officer's) survey link as PNG or SVG."""
    if output.suffix.lower() not in (".png", ".svg"):
        raise click.BadParameter("write a .png or .svg file", param_hint="-o")
    code = commit_or_fail(lambda s: _code_for(s, counter_code, officer_nip))
    url = _url(code)
    qr.write_image(url, output)
    click.echo(f"{output}\n{url}")


@qr_cli.command("sheet")
@click.argument("unit_code")
@click.option("-o", "--output", type=OUTPUT, required=True, help="FILE.pdf or FILE.html.")
def qr_sheet(unit_code, output: Path) -> None:
    """Write a printable A4 sheet for a unit: one poster per active counter (PDF or HTML)."""
    if output.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise click.BadParameter("write a .pdf or .html file", param_hint="-o")

    def posters(session):
        unit = unit_by_code(session, unit_code)
        return [
            qr.Poster(unit_name=unit.name, counter_label=counter.label,
                      url=_url(current_code(session, counter=counter)),
                      department_name=unit.department.name)
            for counter in unit.counters
            if counter.active
        ]

    found = commit_or_fail(posters)
    if not found:
        raise click.ClickException(f"Unit {unit_code} belum punya loket aktif.")
    qr.write_sheet(found, output)
    click.echo(f"{len(found)} poster ditulis ke {output}")


@qr_cli.command("tickets")
@click.argument("unit_code")
@click.option("--count", "-n", type=click.IntRange(1, 5000), required=True,
              help="How many single-use codes to print.")
@click.option("-o", "--output", type=OUTPUT, required=True, help="FILE.pdf or FILE.html.")
@click.option("--batch", default=None, help="A name for this batch (default: unit and time).")
def qr_tickets(unit_code, count, output: Path, batch) -> None:
    """Print N single-use codes for queue tickets or receipts; each is accepted once."""
    from survey import tickets

    if output.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise click.BadParameter("write a .pdf or .html file", param_hint="-o")

    def issue(session):
        unit = unit_by_code(session, unit_code)
        codes = tickets.issue_batch(session, unit, count, batch)
        printed = tickets.tickets_for(codes, unit, current_app.config["SECRET_KEY"],
                                      current_app.config["BASE_URL"])
        return printed, codes[0].batch

    printed, batch_name = commit_or_fail(issue)
    tickets.write_sheet(printed, output)
    click.echo(f"{len(printed)} kode sekali pakai (batch {batch_name}) ditulis ke {output}")


machine_cli = AppGroup("machine", help="Queue machines that fetch single-use codes by API.")
qr_cli.add_command(machine_cli)


@machine_cli.command("add")
@click.argument("unit_code")
@click.option("--name", default="", help="Where it stands, e.g. 'Mesin antrean lobi'.")
def machine_add(unit_code, name) -> None:
    """Register a queue machine; prints its API key once (only a hash is stored)."""
    from survey import tickets

    machine, key = commit_or_fail(
        lambda s: tickets.add_machine(s, unit_by_code(s, unit_code), name))
    click.echo(f"Mesin antrean #{machine.id} untuk {unit_code}. Simpan kunci ini; "
               f"tidak akan ditampilkan lagi:\n{key}")


@machine_cli.command("revoke")
@click.argument("machine_id", type=int)
def machine_revoke(machine_id) -> None:
    """Revoke a queue machine's key."""
    from survey import tickets
    from survey.models import QueueMachine

    def revoke(session):
        machine = session.get(QueueMachine, machine_id)
        if machine is None:
            raise click.ClickException(f"Mesin antrean #{machine_id} tidak ada.")
        tickets.revoke_machine(session, machine)
        return machine

    commit_or_fail(revoke)
    click.echo(f"Kunci mesin antrean #{machine_id} dicabut.")


@machine_cli.command("list")
@click.argument("unit_code", required=False)
def machine_list(unit_code) -> None:
    """List queue machines (of one unit, if given)."""
    from survey import tickets

    def found(session):
        unit = unit_by_code(session, unit_code) if unit_code else None
        return [(m.id, m.unit.code, m.name, m.last_used_at, m.revoked_at)
                for m in tickets.machines(session, unit)]

    for machine_id, code, name, last_used, revoked in commit_or_fail(found):
        state = "dicabut" if revoked else (f"terakhir {last_used:%Y-%m-%d %H:%M}" if last_used
                                           else "belum dipakai")
        click.echo(f"#{machine_id}\t{code}\t{name}\t{state}")


ratings_cli = AppGroup("ratings", help="Ratings entered by staff (paper questionnaires).")


@ratings_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--by", "entered_by", required=True, metavar="NAME",
              help="Who entered the forms (written to the audit log with the time).")
def ratings_import(file: Path, entered_by: str) -> None:
    """Enter paper questionnaires from a CSV, all or nothing, idempotent by each row's id.

    Columns: id, unit, counter, officer, date (YYYY-MM-DD), time (HH:MM), U1…U9 (1–4 or
    empty), comment_kind, comment, category. See docs/ikm.md."""
    from survey.paper import PaperImportError, import_paper

    session = db.session()
    try:
        result = import_paper(session, file.read_text(encoding="utf-8"),
                              actor=f"cli:{entered_by.strip()[:100]}", source=file.name,
                              comment_max_length=current_app.config["COMMENT_MAX_LENGTH"],
                              due_working_days=current_app.config["COMPLAINT_DUE_WORKING_DAYS"])
    except PaperImportError as exc:
        session.rollback()
        for error in exc.errors:
            click.echo(error, err=True)
        raise click.ClickException(
            f"{len(exc.errors)} kesalahan; tidak ada penilaian yang disimpan.") from None
    except UnicodeDecodeError:
        session.rollback()
        raise click.ClickException("Berkas harus berupa teks UTF-8 (CSV).") from None
    session.commit()
    per_unit = ", ".join(f"{code}: {n}" for code, n in sorted(result.units.items()))
    click.echo(f"{len(result.created)} penilaian kertas disimpan"
               + (f" ({per_unit})" if per_unit else "")
               + f"; {result.already} sudah ada sebelumnya (dilewati).")


def register(app: Flask) -> None:
    app.cli.add_command(qr_cli)
    app.cli.add_command(ratings_cli)

