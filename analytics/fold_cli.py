"""``flask --app wsgi fold``: the worker that folds ratings behind the request (a loop by
default, ``--once`` for cron); and ``flask --app wsgi partitions``: the rating table's monthly
partitions on PostgreSQL (made ahead, old ones detached after the aggregates keep them)."""

from __future__ import annotations

import signal
import threading
import time

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from analytics import alerts, fold
from core.models import utcnow
from survey import integrity, partitions


@click.command("fold")
@click.option("--once", is_flag=True, help="Fold what is pending, then exit (for cron).")
@click.option("--batch-size", default=fold.BATCH_SIZE, show_default=True, type=click.IntRange(1),
              help="Ratings per batch (one transaction each).")
@click.option("--idle-seconds", default=0.5, show_default=True, type=click.FloatRange(0.01),
              help="Pause when nothing is pending.")
@click.option("--progress-seconds", default=10.0, show_default=True,
              type=click.FloatRange(0.1), help="How often the progress line is printed.")
@with_appcontext
def fold_command(once: bool, batch_size: int, idle_seconds: float,
                 progress_seconds: float) -> None:
    """Fold stored ratings: attribution to shifts, integrity flags, aggregates.

    Runs until SIGTERM or Ctrl+C (it finishes the batch in hand, then exits), or with
    --once until nothing is pending. Safe to run several at once."""
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for number in (signal.SIGTERM, signal.SIGINT):
            previous[number] = signal.signal(number, lambda *_: stop.set())
    database = current_app.extensions["db"]
    if not once:
        fold.register_periodic(_partitions_ahead)
        click.echo(f"fold: berjalan (batch {batch_size}); Ctrl+C untuk berhenti")
    try:
        total = fold.run_worker(database.sessionmaker,
                                thresholds=integrity.Thresholds.from_config(current_app.config),
                                batch_size=batch_size, once=once,
                                idle_seconds=idle_seconds, progress_seconds=progress_seconds,
                                stop=stop, echo=click.echo)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo(f"fold: selesai, {total.folded} penilaian dilipat")


_partitions_checked: list[float] = []


def _partitions_ahead(session, now) -> None:
    """The worker makes next months' partitions (PostgreSQL), at start and then hourly."""
    if _partitions_checked and time.monotonic() - _partitions_checked[-1] < 3600:
        return
    _partitions_checked[:] = [time.monotonic()]
    for name in partitions.ensure(session, months_ahead=partitions.MONTHS_AHEAD, now=now):
        click.echo(f"partition {name} dibuat")


partitions_cli = AppGroup("partitions", help="Partisi bulanan tabel rating (PostgreSQL).")


@partitions_cli.command("ensure")
@click.option("--months", default=partitions.MONTHS_AHEAD, show_default=True,
              type=click.IntRange(0, 36), help="Months ahead of this one to create.")
def partitions_ensure(months: int) -> None:
    """Create the monthly partitions up to MONTHS ahead (nothing to do on SQLite)."""
    from core import db

    session = db.session()
    made = partitions.ensure(session, months_ahead=months, now=utcnow())
    session.commit()
    if not partitions.is_partitioned(session):
        click.echo("Tabel rating tidak dipartisi (SQLite): tidak ada yang perlu dibuat.")
        return
    for name in made:
        click.echo(f"partition {name} dibuat")
    click.echo(f"{len(made)} partisi baru; {len(partitions.existing(session))} partisi ada.")


@partitions_cli.command("list")
def partitions_list() -> None:
    """The rating table's partitions with their months."""
    from core import db

    session = db.session()
    for partition in partitions.existing(session):
        click.echo(f"{partition.name}\t{partition.start:%Y-%m}")


@partitions_cli.command("detach")
@click.option("--before", "before", required=True, metavar="YYYY-MM",
              help="Detach every partition of a month before this one.")
@click.option("--drop", is_flag=True, help="Drop the detached tables too (irreversible).")
@click.option("--dry-run", is_flag=True, help="Only list what would be detached.")
def partitions_detach(before: str, drop: bool, dry_run: bool) -> None:
    """Retention: take old months' ratings out of the table. Their aggregates stay (the
    dashboards and reports of those months do not change); their raw ratings, comments'
    link to them and their evidence go."""
    from datetime import date

    from core import db

    try:
        year, month = (int(part) for part in before.split("-"))
        cutoff = date(year, month, 1)
    except ValueError:
        raise click.BadParameter("YYYY-MM", param_hint="--before") from None
    session = db.session()
    names = partitions.detach_before(session, cutoff, drop=drop, dry_run=dry_run,
                                     before=[alerts.forget_sources_of_ratings])
    session.commit()
    verb = "akan dilepas" if dry_run else ("dihapus" if drop else "dilepas")
    for name in names:
        click.echo(f"{name} {verb}")
    click.echo(f"{len(names)} partisi {verb}.")


def register(app: Flask) -> None:
    app.cli.add_command(fold_command)
    app.cli.add_command(partitions_cli)
