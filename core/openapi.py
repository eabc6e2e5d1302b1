"""The OpenAPI document at /api/v1/openapi.json. Each area adds its own paths and schemas
when it registers, so the document grows with the API it describes.

The document is OpenAPI 3.1, whose schemas are JSON Schema: that is what lets it say which
keys an object may have (``propertyNames``, the answers' question codes). Areas may still
write the 3.0 shorthand ``nullable: true``; ``add`` turns it into ``type: [..., "null"]``."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask

BASE: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Suara Layanan API",
        "version": "1.0.0",
        "description": (
            "Citizen ratings of public-service counters (SKM, Permenpan RB 14/2017) and the "
            "results computed from them. Errors are JSON: `{error, message}`, and 422 adds "
            "`errors`, one message per field."
        ),
    },
    "paths": {},
    "components": {
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error", "message"],
                "properties": {
                    "error": {"type": "string"},
                    "message": {"type": "string"},
                    "errors": {"type": "object", "additionalProperties": {"type": "string"}},
                },
            }
        },
        "securitySchemes": {},
    },
}


def document(app: Flask) -> dict[str, Any]:
    return app.extensions.setdefault("openapi", copy.deepcopy(BASE))


def json_schema(value: Any) -> Any:
    """A copy of ``value`` with every 3.0 ``nullable: true`` written the 3.1 way."""
    if isinstance(value, list):
        return [json_schema(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key: json_schema(item) for key, item in value.items() if key != "nullable"}
    if value.get("nullable") is True:
        kind = converted.get("type")
        if isinstance(kind, str):
            converted["type"] = [kind, "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
    return converted


def add(app: Flask, paths: dict[str, Any], schemas: dict[str, Any] | None = None,
        security_schemes: dict[str, Any] | None = None) -> None:
    doc = document(app)
    for path, operations in paths.items():
        doc["paths"].setdefault(path, {}).update(json_schema(operations))
    doc["components"]["schemas"].update(json_schema(schemas or {}))
    doc["components"]["securitySchemes"].update(security_schemes or {})


def error_responses(*statuses: int) -> dict[str, Any]:
    described = {
        400: "Malformed request",
        401: "Not signed in",
        403: "Not allowed, or a revoked or tampered code",
        404: "Not found",
        409: "Conflicts with what is stored",
        413: "Body too large",
        422: "Invalid input: one message per field",
        429: "Too many requests",
        503: "Database unavailable; retry later",
    }
    return {
        str(status): {
            "description": described[status],
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
        for status in statuses
    }
