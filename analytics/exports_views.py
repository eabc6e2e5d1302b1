"""Downloads for signed-in users in scope: ratings (CSV, XLSX), the unit's SKM report and
the officers' evaluation sheet."""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("analytics_exports", __name__, url_prefix="/analytics/export")


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
