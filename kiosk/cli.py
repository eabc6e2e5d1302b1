"""Kiosk commands: ``kiosk pair|devices|revoke``, ``officer set-pin`` and
``shift close-expired`` (for cron), on the core groups where the noun already lives."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from core import audit, db
from core.cli import commit_or_fail, fail, officer_cli, read_secret_from_stdin_or_prompt, shift_cli
from core.db import begin_write
from core.models import Officer
from core.services import counter_by_code, officer_by_identifier
from kiosk import services
from kiosk.models import KioskDevice

kiosk_cli = AppGroup("kiosk", help="Counter tablets: pairing, listing, revoking.")


@kiosk_cli.command("pair")
@click.argument("counter_code")
def kiosk_pair(counter_code: str) -> None:
    """Print a pairing code for COUNTER_CODE (last line; single use, valid 15 minutes)."""

    def action(session):
        row, code = services.create_pairing_code(session, counter_by_code(session, counter_code))
        audit.record(session, "cli", "kiosk.pairing_code", f"counter:{counter_code}")
        return row, code

    row, code = commit_or_fail(action)
    minutes = int(services.PAIRING_LIFETIME.total_seconds() // 60)
    click.echo(f"Kode pemasangan untuk loket {row.counter.code}, berlaku {minutes} menit "
               f"(sampai {row.expires_at.isoformat(timespec='seconds')}), sekali pakai.")
    click.echo("Buka /kiosk/ di tablet dan masukkan kode ini:")
    click.echo(code)


@kiosk_cli.command("devices")
@click.option("--all", "show_all", is_flag=True, help="Include revoked tablets.")
def kiosk_devices(show_all: bool) -> None:
    """List tablets: id, counter, name, last contact, queued ratings, state."""
    rows = services.devices(db.session())
    shown = 0
    for device in rows:
        if device.revoked_at is not None and not show_all:
            continue
        shown += 1
        seen = device.last_seen_at.isoformat(timespec="seconds") if device.last_seen_at else "-"
        state = ("dicabut " + device.revoked_at.isoformat(timespec="seconds")
                 if device.revoked_at else "aktif")
        queued = "-" if device.queued_ratings is None else str(device.queued_ratings)
        click.echo(f"{device.id}\t{device.counter.code}\t{device.name or '-'}\t{seen}\t"
                   f"antre {queued}\t{state}")
    if not shown:
        click.echo("Belum ada tablet.")


@kiosk_cli.command("revoke")
@click.argument("device_id", type=int)
def kiosk_revoke(device_id: int) -> None:
    """Revoke tablet DEVICE_ID: its credential stops working at once."""

    def action(session):
        device = session.scalars(select(KioskDevice).where(KioskDevice.id == device_id)).first()
        if device is None:
            fail(f"Tablet {device_id} tidak ditemukan.")
        services.revoke_device(session, device)
        audit.record(session, "cli", "kiosk.revoke", f"kiosk:{device.id}",
                     {"counter": device.counter.code})
        return device

    device = commit_or_fail(action)
    click.echo(f"Tablet {device.id} ({device.counter.code}) dicabut.")


@officer_cli.command("set-pin")
@click.argument("nip")
def officer_set_pin(nip: str) -> None:
    """Set the PIN (4–8 digits) an officer signs in to a tablet with. Prompts twice on a
    terminal; otherwise reads one line from standard input."""
    session = db.session()
    try:
        officer_id = officer_by_identifier(session, nip).id
    except services.OrganisationError as exc:
        fail(str(exc))
    # No transaction stays open while the prompt waits (on SQLite a read snapshot taken
    # before it cannot write after a tablet has: "database is locked"), and the slow hash
    # is made before the write begins, so the write holds the lock for a moment only.
    session.rollback()
    pin = read_secret_from_stdin_or_prompt("PIN")
    try:
        pin_hash = services.hash_pin(pin)
    except services.OrganisationError as exc:
        fail(str(exc))

    def action(s):
        begin_write(s)
        officer = s.get(Officer, officer_id)
        if officer is None:
            fail(f"Petugas '{nip}' tidak ditemukan.")
        services.set_officer_pin(s, officer, pin_hash=pin_hash)
        audit.record(s, "cli", "officer.set_pin", f"officer:{officer.identifier}")
        return officer

    officer = commit_or_fail(action)
    click.echo(f"PIN {officer.name} diatur.")


@shift_cli.command("close-expired")
def shift_close_expired() -> None:
    """Close shifts left open past their unit's service hours (run from cron, e.g. hourly)."""
    closed = commit_or_fail(
        lambda s: services.close_shifts_after_hours(
            s, default_hours=current_app.config["SERVICE_HOURS"])
    )
    for shift in closed:
        click.echo(f"{shift.officer.name} di {shift.counter.code}: ditutup pada "
                   f"{shift.ended_at.isoformat(timespec='seconds')}")
    click.echo(f"{len(closed)} tugas ditutup.")


def register(app: Flask) -> None:
    app.cli.add_command(kiosk_cli)
