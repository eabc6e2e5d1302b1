"""The application factory: defaults → environment → overrides, then extensions, core's own
blueprints and commands, every area (``register_areas``, the one composition root: the only
place in core that names an area), rate limits and error pages, in that order."""

from __future__ import annotations

from typing import Any

from flask import Flask

from core import db, settings


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(settings.ROOT / "templates"),
        static_folder=str(settings.ROOT / "static"),
        instance_path=str(settings.ROOT / "instance"),
        instance_relative_config=True,
    )
    from analytics.settings import TABLE as analytics_settings  # each area's part of the table

    app.config.update(settings.build(settings.Path(app.instance_path), config,
                                     tables=[analytics_settings]))
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_areas(app)
    register_rate_limits(app)
    register_error_handlers(app)
    return app


def register_extensions(app: Flask) -> None:
    from core import auth, i18n, inputs, security

    inputs.init_converters(app)
    inputs.init_app(app)
    db.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    auth.init_app(app)


def register_blueprints(app: Flask) -> None:
    from core import navigation
    from core.accounts import blueprint as accounts_blueprint
    from core.views import blueprint as core_blueprint

    navigation.init_app(app)
    app.register_blueprint(core_blueprint)
    app.register_blueprint(accounts_blueprint)


def register_areas(app: Flask) -> None:
    """The composition root: every area that ships, named here and nowhere else in core.
    Each registers its own blueprints, commands, menu entries and purge steps; the order
    is the arrows' (kiosk records through survey, analytics reads survey, admin sits on
    all of them)."""
    import admin
    import analytics
    import kiosk
    import survey

    for area in (survey, kiosk, analytics, admin):
        area.init_app(app)
    # The demo city spans every area (`flask demo-data`); it is not an area of its own.
    import demo.cli

    demo.cli.init_app(app)


def register_rate_limits(app: Flask) -> None:
    """After the blueprints: the limits wrap the views that asked for them."""
    from core import limits

    limits.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from core import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from core.cli import register as register_core

    register_core(app)
