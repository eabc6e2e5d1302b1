"""The webhook body in the OpenAPI document (/api/v1/openapi.json): what a department's or a
unit's webhook URL receives, and how to check its signature."""

from __future__ import annotations

from flask import Flask

from core import openapi

ALERT_WEBHOOK_SCHEMA = {
    "type": "object",
    "description": (
        "POSTed as JSON to each webhook of the alert's unit or department when an alert opens "
        "(`alert.opened`) or closes by itself because its window recovered (`alert.closed`). "
        "Headers: `X-Suara-Delivery` (the `delivery` id, the same on every retry: "
        "de-duplicate on it), `X-Suara-Timestamp` (Unix seconds) and `X-Suara-Signature: "
        "sha256=<hex>`, the HMAC-SHA256 with the webhook's secret of `<timestamp>.<raw body>`. "
        "Answer 2xx; anything else (or no answer in 10 s) is retried with growing delays "
        "(1, 2, 4 … minutes, up to 6 hours between tries)."),
    "required": ["event", "delivery", "sent_at", "alert", "text"],
    "properties": {
        "event": {"type": "string", "enum": ["alert.opened", "alert.closed"]},
        "delivery": {"type": "string", "description": "Stable id of this message."},
        "sent_at": {"type": "string", "format": "date-time"},
        "alert": {
            "type": "object",
            "required": ["id", "status", "rule", "unit", "url"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"type": "string", "enum": ["terbuka", "diketahui", "selesai"]},
                "urgent": {"type": "boolean"},
                "positive": {"type": "boolean", "description": "Praise, back in category A."},
                "rule": {"type": "object", "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": [
                        "ikm_below", "negative_share_above", "element_below",
                        "urgent_complaint", "praise", "category_a"]},
                    "threshold": {"type": "number", "nullable": True},
                    "element": {"type": "string", "nullable": True},
                    "window_minutes": {"type": "integer"},
                    "min_ratings": {"type": "integer"}}},
                "unit": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}}},
                "department": {"type": "object", "properties": {
                    "code": {"type": "string"}, "name": {"type": "string"}}},
                "counter": {"type": "object", "nullable": True, "properties": {
                    "code": {"type": "string"}, "label": {"type": "string"}}},
                "officer": {"type": "object", "nullable": True, "properties": {
                    "name": {"type": "string"}}},
                "value": {"type": "number", "nullable": True,
                          "description": "IKM or element score (25–100) or share (0–1)."},
                "ratings": {"type": "integer", "nullable": True},
                "occurrences": {"type": "integer"},
                "opened_at": {"type": "string", "format": "date-time"},
                "closed_at": {"type": "string", "format": "date-time", "nullable": True},
                "close_reason": {"type": "string", "nullable": True,
                                 "description": "pulih (recovered by itself) or manual"},
                "url": {"type": "string", "description": "The alert's page (sign-in needed)."},
            },
        },
        "text": {"type": "object", "description": "One line about it in each language.",
                 "properties": {"id": {"type": "string"}, "en": {"type": "string"}}},
    },
}


def describe(app: Flask) -> None:
    """A schema, and the webhook under ``x-webhooks`` (OpenAPI 3.0 has no ``webhooks``)."""
    openapi.add(app, paths={}, schemas={"AlertWebhook": ALERT_WEBHOOK_SCHEMA})
    openapi.document(app).setdefault("x-webhooks", {})["alert"] = {
        "post": {
            "summary": "An alert opened or recovered (sent by Suara Layanan to your URL)",
            "operationId": "alertWebhook",
            "requestBody": {"required": True, "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/AlertWebhook"}}}},
            "responses": {"200": {"description": "Received; any 2xx will do"}},
        }
    }
