"""The OpenAPI document at /api/v1/openapi.json. Each area adds its own paths and schemas
when it registers, so the document grows with the API it describes."""

from __future__ import annotations

import copy
from typing import Any

from flask import Flask

BASE: dict[str, Any] = {
    "openapi": "3.0.3",
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


def add(app: Flask, paths: dict[str, Any], schemas: dict[str, Any] | None = None,
        security_schemes: dict[str, Any] | None = None) -> None:
    doc = document(app)
    for path, operations in paths.items():
        doc["paths"].setdefault(path, {}).update(operations)
    doc["components"]["schemas"].update(schemas or {})
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
