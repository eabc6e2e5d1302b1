"""JSON API, version 1: record a rating, list units."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from core import db, openapi
from core.errors import error_response
from core.limits import rate_limited
from core.models import Department, Unit
from core.privacy import client_hash
from core.security import csrf
from survey import code_cache
from survey.elements import (
    AGE_BANDS,
    COMMENT_KINDS,
    COMPLAINT_CATEGORIES,
    EDUCATION,
    GENDERS,
    OCCUPATIONS,
)
from survey.schema import (
    DATETIME_PATTERN,
    EARLIEST_YEAR,
    LATEST_YEAR,
    QUESTION_CODE,
    InvalidRating,
    parse_rating,
)
from survey.services import RatingRules, SurveyError, origin_from_code, resolve_code
from survey.submit import DatabaseUnavailable, save_rating

blueprint = Blueprint("survey_api", __name__, url_prefix="/api/v1")
csrf.exempt(blueprint)  # no cookie carries authority here: the QR token does


def invalid(errors: dict) -> tuple[dict, int]:
    return {
        "error": "invalid",
        "message": _("Data tidak valid."),
        "errors": {path: str(message) for path, message in errors.items()},
    }, 422


@blueprint.errorhandler(SurveyError)
def survey_error(error: SurveyError):
    return error_response(error.status, str(error.message), error.code)


@blueprint.post("/ratings")
@rate_limited
def create_rating():
    body = request.get_json(silent=True)
    if body is None:
        return invalid({"body": _("Kirim JSON dengan Content-Type: application/json.")})
    try:
        data = parse_rating(body, comment_max_length=current_app.config["COMMENT_MAX_LENGTH"])
        session = db.session()
        code = resolve_code(session, data.token, current_app.config["SECRET_KEY"],
                            cache_for=code_cache.SECONDS, read_only=True)
        saved = save_rating(session, data, origin_from_code(code, "api", client_hash()),
                            RatingRules.from_config(current_app.config))
    except InvalidRating as exc:
        return invalid(exc.errors)
    except (DatabaseUnavailable, OperationalError) as exc:
        # The code look-up can meet a database that is down too; the kiosk or phone keeps
        # the rating and sends it again.
        if not isinstance(exc, DatabaseUnavailable):
            current_app.logger.warning("rating not taken: database unavailable: %s", exc)
        return error_response(503, _("Basis data sedang tidak tersedia. Kirim ulang nanti."),
                              "unavailable")
    response = jsonify(
        id=str(saved.rating.id),
        status="recorded" if saved.created else "already_recorded",
        unit=code.unit.code,
        attributed_to_officer=saved.attributed_to_officer,
    )
    response.status_code = 201 if saved.created else 200
    return response


@blueprint.get("/units")
def list_units():
    units = db.session().scalars(
        select(Unit).join(Department).where(Unit.published.is_(True))
        .options(selectinload(Unit.counters), selectinload(Unit.department))
        .order_by(Department.code, Unit.code)
    )
    return jsonify(
        units=[
            {
                "code": unit.code,
                "name": unit.name,
                "department": {"code": unit.department.code, "name": unit.department.name},
                "timezone": unit.timezone,
                "counters": [c.code for c in unit.counters if c.active],
            }
            for unit in units
        ]
    )


@blueprint.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document(current_app))


def _enum(choices) -> dict:
    return {"type": "string", "enum": list(choices)}


RATING_SCHEMA = {
    "type": "object",
    "required": ["id", "token", "answers"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid",
               "description": "Chosen by the client; a retry with the same id is answered 200."},
        "token": {"type": "string", "description": "The QR code's token (the last part of /s/<token>)."},
        "answers": {
            "type": "object",
            "minProperties": 1,
            "description": "SKM element code (U1…U9) or an office's own question code → 1–4.",
            "propertyNames": {"pattern": QUESTION_CODE.pattern},
            "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 4},
        },
        "comment": {
            "type": "object",
            "nullable": True,
            "additionalProperties": False,
            "required": ["kind", "text"],
            "properties": {
                "kind": _enum(COMMENT_KINDS),
                "text": {"type": "string", "maxLength": 1000},
                "category": {**_enum(COMPLAINT_CATEGORIES), "nullable": True,
                             "description": "Required for a complaint."},
                "contact": {"type": "string", "nullable": True, "maxLength": 200,
                            "description": "Only with contact_consent: true."},
                "contact_consent": {"type": "boolean"},
            },
        },
        "respondent": {
            "type": "object",
            "nullable": True,
            "additionalProperties": False,
            "properties": {
                "gender": {**_enum(GENDERS), "nullable": True},
                "age_band": {**_enum(AGE_BANDS), "nullable": True},
                "education": {**_enum(EDUCATION), "nullable": True},
                "occupation": {**_enum(OCCUPATIONS), "nullable": True},
                "service_type": {"type": "string", "nullable": True, "maxLength": 120},
            },
        },
        "submitted_at": {
            "type": "string", "format": "date-time", "nullable": True,
            "pattern": DATETIME_PATTERN,
            "description": (
                f"When the citizen rated, with a time-zone offset, in the years "
                f"{EARLIEST_YEAR}–{LATEST_YEAR}. Which moment a rating keeps is the "
                "server's rule (docs/integrity.md); a moment outside what it accepts is "
                "refused (422)."),
        },
    },
}

RECORDED_SCHEMA = {
    "type": "object",
    "required": ["id", "status", "unit", "attributed_to_officer"],
    "properties": {
        "id": {"type": "string", "format": "uuid"},
        "status": _enum(["recorded", "already_recorded"]),
        "unit": {"type": "string"},
        "attributed_to_officer": {"type": "boolean"},
    },
}

UNITS_SCHEMA = {
    "type": "object",
    "required": ["units"],
    "properties": {
        "units": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "name", "department", "counters"],
                "properties": {
                    "code": {"type": "string"},
                    "name": {"type": "string"},
                    "timezone": {"type": "string"},
                    "department": {
                        "type": "object",
                        "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
                    },
                    "counters": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}


def describe(app) -> None:
    json_body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Rating"}}}}
    openapi.add(
        app,
        paths={
            "/api/v1/ratings": {
                "post": {
                    "summary": "Record a citizen's rating (idempotent by id)",
                    "operationId": "createRating",
                    "requestBody": {"required": True, **json_body},
                    "responses": {
                        "201": {"description": "Recorded",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recorded"}}}},
                        "200": {"description": "The same rating was already recorded; nothing new stored",
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Recorded"}}}},
                        **openapi.error_responses(403, 404, 409, 413, 422, 429, 503),
                    },
                }
            },
            "/api/v1/units": {
                "get": {
                    "summary": "Published service units with their department and counters",
                    "operationId": "listUnits",
                    "responses": {"200": {"description": "Units",
                                          "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Units"}}}}},
                }
            },
            "/api/v1/openapi.json": {
                "get": {"summary": "This document", "operationId": "openapi",
                        "responses": {"200": {"description": "OpenAPI 3 document"}}}
            },
        },
        schemas={"Rating": RATING_SCHEMA, "Recorded": RECORDED_SCHEMA, "Units": UNITS_SCHEMA},
    )


@blueprint.record_once
def _on_register(state) -> None:
    describe(state.app)


# --- single-use codes for queue machines ----------------------------------------------------


@blueprint.post("/single-use-codes")
def create_single_use_code():
    """One single-use code for the next queue ticket; the machine shows its key as
    ``Authorization: Bearer <key>`` (``flask qr machine add`` makes one)."""
    from survey import tickets
    from survey.services import survey_url, token_for

    scheme, _sep, key = request.headers.get("Authorization", "").partition(" ")
    session = db.session()
    try:
        machine = tickets.machine_by_key(session,
                                         key.strip() if scheme.lower() == "bearer" else None)
    except tickets.InvalidMachineKey as error:
        response = error_response(401, str(error.message), error.code)
        return response[0], 401, {"WWW-Authenticate": 'Bearer realm="queue-machine"'}
    code = tickets.issue_for_machine(session, machine)
    session.commit()
    config = current_app.config
    return jsonify(
        url=survey_url(code, config["SECRET_KEY"], config["BASE_URL"]),
        token=token_for(code, config["SECRET_KEY"]),
        unit=machine.unit.code,
        batch=code.batch,
    ), 201


SINGLE_USE_CODE_SCHEMA = {
    "type": "object",
    "required": ["url", "token", "unit"],
    "properties": {
        "url": {"type": "string", "description": "Print this as the ticket's QR code."},
        "token": {"type": "string"},
        "unit": {"type": "string"},
        "batch": {"type": "string", "nullable": True},
    },
}


@blueprint.record_once
def _describe_single_use_codes(state) -> None:
    openapi.add(
        state.app,
        paths={
            "/api/v1/single-use-codes": {
                "post": {
                    "summary": "A single-use survey code for a queue ticket (queue machines)",
                    "description": "Each code is accepted once; scanning it again shows the "
                                   "'already rated' page. Keys: `flask qr machine add UNIT`.",
                    "operationId": "createSingleUseCode",
                    "security": [{"queueMachineKey": []}],
                    "responses": {
                        "201": {"description": "A new code",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/SingleUseCode"}}}},
                        **openapi.error_responses(401, 429, 503),
                    },
                }
            }
        },
        schemas={"SingleUseCode": SINGLE_USE_CODE_SCHEMA},
        security_schemes={"queueMachineKey": {"type": "http", "scheme": "bearer",
                                              "description": "A queue machine's API key."}},
    )
