"""Kiosk: counter tablets, pairing, officer sign-in, the offline queue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The kiosk area registers itself: the tablet's page and API, the `kiosk` commands and
    the operations page in the staff menu."""
    from flask_babel import lazy_gettext as _l

    import kiosk.models  # noqa: F401  (kiosk's own tables on the one Base)
    from core import navigation
    from kiosk import cli, views

    app.register_blueprint(views.blueprint)
    app.register_blueprint(views.api)
    cli.register(app)
    navigation.add(app, "staff", "kiosk.operations", _l("Tablet kios"), order=60)
