"""Health check and the small pages that belong to no area."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from core import db
from core.security import csrf

blueprint = Blueprint("core", __name__)


@blueprint.get("/healthz")
@csrf.exempt
def healthz():
    try:
        db.session().execute(text("SELECT 1"))
        state, status = "ok", 200
    except Exception as exc:  # noqa: BLE001 - the probe reports whatever broke
        current_app.logger.warning("health check: database unavailable: %s", exc)
        state, status = "unavailable", 503
    engine = current_app.extensions["db"].engine.dialect.name
    return jsonify(status="ok" if status == 200 else "degraded",
                   database={"state": state, "engine": engine}), status


@blueprint.get("/")
def index():
    # The links the areas offer on the home page ("home" in core/navigation.py).
    return render_template("index.html")
