"""``flask --app wsgi qr …``: survey links and QR codes for counters and officers."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from core.cli import commit_or_fail
from core.services import counter_by_code, officer_by_identifier
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
    code = commit_or_fail(lambda s: reissue_code(s, _code_for(s, counter_code, officer_nip)))
    click.echo(f"Kode lama dicabut. Kode baru:\n{_url(code)}")


def register(app: Flask) -> None:
    app.cli.add_command(qr_cli)

