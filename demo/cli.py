"""``flask --app wsgi demo-data``: load the demo city, then print its accounts and a survey
link."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from core import db


@click.command("demo-data")
@with_appcontext
def demo_data() -> None:
    """Load the demo city (Kota Suka Maju) with a few months of ratings; safe to run twice."""
    import demo

    config = current_app.config
    session = db.session()
    result = demo.load(session, due_working_days=config["COMPLAINT_DUE_WORKING_DAYS"],
                       echo=click.echo)
    session.commit()
    demo.report(session, result, config, echo=click.echo)
    session.commit()


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_data)
