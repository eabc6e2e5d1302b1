"""Kiosk: counter tablets, pairing, officer sign-in, the offline queue."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """The kiosk area registers itself: the tablet's page and API, the `kiosk` commands,
    the operations page in the staff menu, and which device credentials it knows (the rate
    limits give a paired tablet its own allowance)."""
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import select

    from core import limits, navigation
    from kiosk import cli, views
    from kiosk.models import KioskDevice

    def known_credential(session, digest: str) -> bool:
        return session.scalar(
            select(KioskDevice.id).where(KioskDevice.credential_hash == digest)) is not None

    app.register_blueprint(views.blueprint)
    app.register_blueprint(views.api)
    cli.register(app)
    navigation.add(app, "staff", "kiosk.operations", _l("Tablet kios"), order=60)
    limits.set_kiosk_lookup(app, known_credential)
