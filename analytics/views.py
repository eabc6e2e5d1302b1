"""Analytics blueprints. The dashboards are added here; the JSON API and exports register
through ``analytics.api.register_api``."""

from __future__ import annotations


def register(app) -> None:
    from analytics.api import register_api

    register_api(app)
