"""JSON API for results: a published unit's IKM (public) and an officer's component (the
officer, heads and supervisors in scope, administrators). Also registers the exports."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Flask, current_app, jsonify, request
from sqlalchemy import select

from analytics import ikm_read, officers_read, periods, publication
from analytics import settings as analytics_settings
from analytics.ikm import ROUNDING_RULE_EN
from analytics.periods import AnalyticsError, NotFound
from core import auth, db, openapi
from core.errors import error_response
from core.localtime import local_today
from core.models import Officer, Unit
from core.services import OrganisationError, officer_by_identifier

blueprint = Blueprint("analytics_api", __name__, url_prefix="/api/v1")


@blueprint.errorhandler(AnalyticsError)
def analytics_error(error: AnalyticsError):
    return error_response(error.status, error.message, error.code)


def unit_today(unit: Unit | None = None) -> date:
    """Today in the unit's zone; without a unit, in the deployment's (``TIMEZONE``)."""
    return local_today(unit.timezone if unit is not None else current_app.config["TIMEZONE"])


def period_from_request(unit: Unit | None = None) -> periods.Period:
    return periods.parse_period(request.args.get("from"), request.args.get("to"),
                                 today=unit_today(unit))


def published_unit(session, code: str) -> Unit:
    unit = session.scalars(select(Unit).where(Unit.code == code)).first()
    if unit is None or not unit.published:
        raise NotFound(f"Unit '{code}' tidak ditemukan atau hasilnya tidak dipublikasikan.")
    return unit


@blueprint.get("/units/<code>/ikm")
def unit_ikm(code: str):
    session = db.session()
    unit = published_unit(session, code)
    result = ikm_read.unit_ikm(session, unit, period_from_request(unit))
    floor = publication.floor_from(current_app.config)
    return jsonify({**result.as_dict(), "rounding_rule_en": ROUNDING_RULE_EN,
                    "publication": {"status": publication.status_of(result, floor),
                                    "minimum_respondents_shown": floor}})


@blueprint.get("/officers/<identifier>/component")
def officer_component(identifier: str):
    """The component of the ratings given in one unit (``unit``: a unit code; default the
    officer's own unit, else the visible unit they were rated in most): scope follows the
    unit a rating was given in, so a head sees exactly what their units gave."""
    from analytics.dashboard import officer_in_scope

    user = auth.signed_in_user()
    if user is None:
        return error_response(401, "Masuk terlebih dahulu untuk melihat komponen petugas.",
                              "unauthorised")
    session = db.session()
    try:
        officer: Officer = officer_by_identifier(session, identifier)
    except OrganisationError:
        officer = None
    # Out of scope answers like unknown, so identifiers of other units do not leak.
    if officer is None:
        raise NotFound(f"Petugas '{identifier}' tidak ditemukan.")
    try:
        officer, unit_ids = officer_in_scope(session, user, officer.id)
    except NotFound:
        raise NotFound(f"Petugas '{identifier}' tidak ditemukan.") from None
    unit_id = None
    code = request.args.get("unit")
    if code:
        unit = session.scalars(select(Unit).where(Unit.code == code[:40])).first()
        if unit is None:
            raise NotFound(f"Unit '{code[:40]}' tidak ditemukan untuk petugas ini.")
        unit_id = unit.id
    result = officers_read.officer_component(
        session, officer, period_from_request(officer.unit),
        analytics_settings.from_config(current_app.config), unit_ids=unit_ids, unit_id=unit_id)
    return jsonify(result.as_dict())


PERIOD_PARAMETERS = [
    {"name": "from", "in": "query", "required": False,
     "description": "First service day, YYYY-MM-DD (default: 90 days before `to`).",
     "schema": {"type": "string", "format": "date"}},
    {"name": "to", "in": "query", "required": False,
     "description": "Last service day, YYYY-MM-DD (default: today). At most two years.",
     "schema": {"type": "string", "format": "date"}},
]

ELEMENT_SCHEMA = {
    "type": "object",
    "required": ["code", "name", "answers", "nrr", "converted", "category"],
    "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        "answers": {"type": "integer"}, "total": {"type": "integer"},
        "nrr": {"type": "number"}, "nrr_weighted": {"type": "number"},
        "converted": {"type": "number"}, "category": {"type": "string"},
        "label": {"type": "string"},
    },
}

UNIT_IKM_SCHEMA = {
    "type": "object",
    "required": ["unit", "period", "respondents", "elements", "ikm", "ikm_converted",
                 "category", "label", "rounding_rule", "minimum_sample",
                 "flagged_excluded"],
    "properties": {
        "unit": {"type": "object", "properties": {"code": {"type": "string"},
                                                  "name": {"type": "string"}}},
        "period": {"type": "object", "properties": {"from": {"type": "string", "format": "date"},
                                                    "to": {"type": "string", "format": "date"}}},
        "respondents": {"type": "integer"},
        "empty": {"type": "boolean", "description": "No ratings in the period: no index."},
        "elements": {"type": "array", "items": {"$ref": "#/components/schemas/IkmElement"},
                     "description": "Weakest first."},
        "unanswered_elements": {"type": "array", "items": {"type": "string"}},
        "weight": {"type": "string", "nullable": True},
        "ikm": {"type": "number", "nullable": True, "description": "1.00–4.00"},
        "ikm_converted": {"type": "number", "nullable": True, "description": "25.00–100.00"},
        "category": {"type": "string", "nullable": True, "enum": ["A", "B", "C", "D", None],
                     "description": "Mutu pelayanan"},
        "label": {"type": "string", "nullable": True, "description": "Kinerja unit"},
        "rounding_rule": {"type": "string"},
        "rounding_rule_en": {"type": "string"},
        "flagged_excluded": {"type": "integer",
                             "description": "Flagged ratings (not cleared) left out."},
        "paper_ratings": {"type": "integer", "description": "Ratings entered from paper."},
        "publication": {"type": "object", "description": "How the public pages show it: "
                        "`withheld` below PUBLIC_MINIMUM_RESPONDENTS, `provisional` below the "
                        "minimum sample, `unchecked` without a population, else `solid`.",
                        "properties": {
                            "status": {"type": "string", "enum": [
                                "empty", "withheld", "provisional", "unchecked", "solid"]},
                            "minimum_respondents_shown": {"type": "integer"}}},
        "minimum_sample": {"type": "object", "properties": {
            "respondents": {"type": "integer"},
            "population": {"type": "integer", "nullable": True},
            "minimum": {"type": "integer", "nullable": True},
            "reached": {"type": "boolean", "nullable": True},
            "method": {"type": "string"}}},
    },
}

NULLABLE_NUMBER = {"type": "number", "nullable": True}
COMPONENT_SCHEMA = {
    "type": "object",
    "required": ["officer", "unit", "units", "period", "n", "days", "enough_ratings", "raw",
                 "reference", "difference", "interval", "adjusted", "top_box", "band",
                 "flagged_excluded", "settings"],
    "description": "Every number that could reveal the score is null when enough_ratings is "
                   "false (fewer than the minimum ratings or service days, for the officer "
                   "or for the rest of the unit).",
    "properties": {
        "officer": {"type": "object"},
        "unit": {"type": "object", "description": "The unit the ratings were given in."},
        "units": {"type": "array", "items": {"type": "object"},
                  "description": "Units of this officer's ratings the caller may see."},
        "period": {"type": "object"},
        "n": {"type": "integer"},
        "days": {"type": "integer", "description": "Distinct service days of the ratings."},
        "enough_ratings": {"type": "boolean"},
        "not_enough_because": {"type": "array", "items": {"type": "string", "enum": [
            "officer_n", "officer_days", "reference_n", "reference_days"]}},
        "raw": {**NULLABLE_NUMBER, "description": "Mean per-rating score, 25–100."},
        "reference": {**NULLABLE_NUMBER, "description": "The rest of the unit, same period."},
        "reference_n": {"type": "integer"},
        "reference_days": {"type": "integer"},
        "difference": {**NULLABLE_NUMBER, "description": "raw − reference, points."},
        "interval": {"type": "array", "nullable": True, "items": {"type": "number"},
                     "minItems": 2, "maxItems": 2,
                     "description": "Interval of the difference (CR1 by service day, t)."},
        "standard_error": NULLABLE_NUMBER,
        "degrees_of_freedom": {"type": "integer", "nullable": True},
        "adjusted": NULLABLE_NUMBER,
        "top_box": {"type": "object", "nullable": True, "properties": {
            "share": {"type": "number"}, "answers": {"type": "integer"},
            "interval": {"type": "array", "items": {"type": "number"}}}},
        "band": {"type": "string", "nullable": True, "enum": [
            "di atas ekspektasi", "sesuai ekspektasi", "di bawah ekspektasi", None]},
        "band_en": {"type": "string", "nullable": True},
        "band_label": {"type": "string"},
        "elements": {"type": "object", "nullable": True},
        "weakest_element": {"type": "string", "nullable": True},
        "distribution": {"type": "object", "nullable": True},
        "flagged_excluded": {"type": "integer",
                             "description": "The officer's flagged ratings left out."},
        "reference_flagged_excluded": {"type": "integer"},
        "rank_in_unit": {"type": "integer", "nullable": True},
        "trend": NULLABLE_NUMBER,
        "previous_period": {"type": "object", "nullable": True},
        "weakest_element_comments": {"type": "array", "items": {"type": "object"}},
        "praise": {"type": "array", "items": {"type": "object"}},
        "settings": {"type": "object"},
    },
}


def describe(app: Flask) -> None:
    def body(name):
        schema = {"$ref": f"#/components/schemas/{name}"}
        return {"content": {"application/json": {"schema": schema}}}

    openapi.add(
        app,
        paths={
            "/api/v1/units/{code}/ikm": {"get": {
                "summary": "A published unit's IKM (SKM, Permenpan RB 14/2017) for a period",
                "operationId": "unitIkm",
                "parameters": [{"name": "code", "in": "path", "required": True,
                                "schema": {"type": "string"}}, *PERIOD_PARAMETERS],
                "responses": {"200": {"description": "The unit's IKM", **body("UnitIkm")},
                              **openapi.error_responses(400, 404)},
            }},
            "/api/v1/officers/{identifier}/component": {"get": {
                "summary": "An officer's public-input component (signed-in users in scope)",
                "operationId": "officerComponent",
                "parameters": [{"name": "identifier", "in": "path", "required": True,
                                "description": "NIP or employee id",
                                "schema": {"type": "string"}}, *PERIOD_PARAMETERS,
                               {"name": "unit", "in": "query", "required": False,
                                "description": "Code of the unit whose ratings to use",
                                "schema": {"type": "string"}}],
                "security": [{"session": []}],
                "responses": {"200": {"description": "The component with its evidence and "
                                                     "settings", **body("OfficerComponent")},
                              **openapi.error_responses(400, 401, 404)},
            }},
        },
        schemas={"UnitIkm": UNIT_IKM_SCHEMA, "IkmElement": ELEMENT_SCHEMA,
                 "OfficerComponent": COMPONENT_SCHEMA},
        security_schemes={"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
    )


# --- open data of the public results (/hasil/…/data.csv|json, served by report_views) -------

OPEN_DATA_PARAMETERS = [
    {"name": "per", "in": "query", "required": False,
     "description": "`bulan` (months, default) or `kuartal` (quarters).",
     "schema": {"type": "string", "enum": ["bulan", "kuartal"]}},
    {"name": "tahun", "in": "query", "required": False,
     "description": "Calendar year (default: this year); months after today are left out.",
     "schema": {"type": "string", "pattern": "^(20[0-9]{2})$"}},
]

OPEN_DATA_ROW = {
    "type": "object",
    "required": ["unit_code", "period", "from", "to", "days_label", "respondents", "status"],
    "properties": {
        "unit_code": {"type": "string"}, "unit_name": {"type": "string"},
        "department": {"type": "string"},
        "period": {"type": "string", "description": "YYYY-MM or YYYY-Qn"},
        "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
        "days_label": {"type": "string", "description": "The days the row covers"},
        "respondents": {"type": "integer"},
        "status": {"type": "string",
                   "enum": ["empty", "withheld", "provisional", "unchecked", "solid"]},
        "minimum_sample": {"type": "integer", "nullable": True},
        "population": {"type": "integer", "nullable": True},
        "ikm": {"type": "number", "nullable": True, "description": "1–4, half up, 3 decimals"},
        "ikm_converted": {"type": "number", "nullable": True,
                          "description": "IKM × 25, half up, 2 decimals"},
        "category": {"type": "string", "nullable": True},
        "label": {"type": "string", "nullable": True},
    },
    "additionalProperties": {"type": "number", "nullable": True,
                             "description": "U1_nrr … U9_nrr, U1_converted … U9_converted"},
}

OPEN_DATA_SCHEMA = {
    "type": "object",
    "required": ["year", "per", "minimum_respondents_shown", "rounding_rule", "method", "rows"],
    "properties": {
        "year": {"type": "integer"}, "per": {"type": "string", "enum": ["month", "quarter"]},
        "minimum_respondents_shown": {"type": "integer"},
        "rounding_rule": {"type": "string"}, "rounding_rule_en": {"type": "string"},
        "nrr_rounding": {"type": "string"},
        "method": {"type": "string"}, "method_en": {"type": "string"},
        "status_meaning": {"type": "object"},
        "columns": {"type": "array", "items": {"type": "string"}},
        "rows": {"type": "array", "items": {"$ref": "#/components/schemas/OpenDataRow"}},
    },
}


def describe_open_data(app: Flask) -> None:
    def operation(summary: str, operation_id: str, with_code: bool, media: str):
        schema = ({"$ref": "#/components/schemas/OpenData"} if media == "application/json"
                  else {"type": "string"})
        parameters = ([{"name": "code", "in": "path", "required": True,
                        "schema": {"type": "string"}}] if with_code else [])
        errors = openapi.error_responses(400, 404) if with_code else openapi.error_responses(400)
        return {"get": {
            "summary": summary, "operationId": operation_id, "tags": ["open data"],
            "parameters": [*parameters, *OPEN_DATA_PARAMETERS],
            "responses": {"200": {"description": "Results per month or quarter, with the "
                                                 "rounding rule and the method",
                                  "content": {media: {"schema": schema}}}, **errors},
        }}

    openapi.add(app, paths={
        "/hasil/data.json": operation("Every published unit's results (open data, JSON)",
                                      "openDataJson", False, "application/json"),
        "/hasil/data.csv": operation("Every published unit's results (open data, CSV)",
                                     "openDataCsv", False, "text/csv"),
        "/hasil/{code}/data.json": operation("A published unit's results (open data, JSON)",
                                             "unitOpenDataJson", True, "application/json"),
        "/hasil/{code}/data.csv": operation("A published unit's results (open data, CSV)",
                                            "unitOpenDataCsv", True, "text/csv"),
    }, schemas={"OpenData": OPEN_DATA_SCHEMA, "OpenDataRow": OPEN_DATA_ROW})


def register_api(app: Flask) -> None:
    """The JSON API and the export downloads (called from ``analytics.views.register``)."""
    app.register_blueprint(blueprint)
    describe(app)
    describe_open_data(app)
    from analytics import exports_views

    exports_views.register(app)
