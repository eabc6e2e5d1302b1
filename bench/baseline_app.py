"""The yardstick: a bare Flask app whose one view stores a rating with one INSERT.

It runs on the same kind of database as the app, built by the same ``core.db.make_engine``
(so SQLite gets the same WAL, synchronous=FULL, busy timeout; PostgreSQL the same pool and
driver), into the same ``rating`` table with its indexes and constraints, under the same
gunicorn settings. Whatever the full app costs beyond this is ours to justify.

Serve with ``DATABASE_URL=… BENCH_UNIT_ID=… gunicorn bench.baseline_app:app``."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime

from flask import Flask, jsonify, request
from sqlalchemy import insert, text

from core.db import make_engine
from core.settings import normalise_database_url
from survey.models import Rating


def create_app(database_url: str, unit_id: int) -> Flask:
    app = Flask(__name__)
    engine = make_engine(normalise_database_url(database_url))
    statement = insert(Rating.__table__)

    @app.post("/api/v1/ratings")
    def create_rating():
        body = request.get_json()
        now = datetime.now(UTC)
        rating_id = uuid.UUID(body["id"])
        answers = body["answers"]
        with engine.begin() as connection:
            connection.execute(statement, {
                "id": rating_id, "unit_id": unit_id, "channel": "api",
                "submitted_at": now, "received_at": now, "service_day": now.date(),
                "body_digest": "0" * 64,
                **{code.lower(): value for code, value in answers.items()},
            })
        response = jsonify(id=str(rating_id), status="recorded")
        response.status_code = 201
        return response

    @app.get("/healthz")
    def healthz():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return jsonify(status="ok")

    return app


def _from_environment() -> Flask | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    return create_app(url, int(os.environ.get("BENCH_UNIT_ID", "1")))


app = _from_environment()
