"""The application factory: defaults → environment → overrides, then extensions, blueprints,
error pages and CLI commands, in that order."""

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
    register_rate_limits(app)
    register_error_handlers(app)
    register_commands(app)
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
    from core.accounts import blueprint as accounts_blueprint
    from core.admin.views import blueprint as admin_blueprint
    from core.views import blueprint as core_blueprint
    from survey.api import blueprint as survey_api
    from survey.complaints_views import blueprint as complaints_pages
    from survey.moderation_views import blueprint as moderation_pages
    from survey.views import blueprint as survey_pages

    app.register_blueprint(core_blueprint)
    app.register_blueprint(accounts_blueprint)
    app.register_blueprint(admin_blueprint)
    app.register_blueprint(survey_pages)
    app.register_blueprint(survey_api)
    app.register_blueprint(complaints_pages)
    app.register_blueprint(moderation_pages)
    # What `purge` masks in comment texts after RETENTION_MONTHS (core imports no area).
    from survey.comment_text import mask_personal_data

    app.extensions["scrub_comment_text"] = mask_personal_data
    for name in ("kiosk", "analytics"):
        _register_optional_area(app, name)


def _register_optional_area(app: Flask, package: str) -> None:
    """Areas register their blueprints through ``<area>.views.register(app)``."""
    import importlib

    try:
        module = importlib.import_module(f"{package}.views")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.views":
            raise
        return
    module.register(app)


def register_rate_limits(app: Flask) -> None:
    """After the blueprints: the limits wrap the views that asked for them."""
    from core import limits

    limits.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from core import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    import demo.cli
    from core.cli import register as register_core
    from survey.cli import register as register_survey

    register_core(app)
    register_survey(app)
    demo.cli.init_app(app)
    for package in ("kiosk", "analytics"):
        import importlib

        try:
            module = importlib.import_module(f"{package}.cli")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.cli":
                raise
            continue
        module.register(app)
