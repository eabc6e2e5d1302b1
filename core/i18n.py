"""Bahasa Indonesia first, English on request: ``?lang=en`` sets a cookie that later pages
follow; otherwise Indonesian. The browser's own language is not consulted: many phones and
counter tablets in Indonesia are set to English, and the service speaks Indonesian first."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request
from flask_babel import Babel, get_locale

from core.settings import ROOT

LANG_COOKIE = "lang"


def select_locale() -> str:
    if not has_request_context():  # CLI commands speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    languages = current_app.config["LANGUAGES"]
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    remembered = request.cookies.get(LANG_COOKIE)
    if remembered in languages:
        return remembered
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def init_app(app: Flask) -> None:
    Babel(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "translations"),
    )

    @app.after_request
    def remember_language(response):
        asked = request.args.get("lang")
        if asked in app.config["LANGUAGES"]:
            response.set_cookie(LANG_COOKIE, asked, max_age=365 * 86400, samesite="Lax",
                                httponly=True, secure=app.config["SESSION_COOKIE_SECURE"])
        return response

    # A global (not only a context variable) so imported macros see it too.
    app.jinja_env.globals["current_language"] = current_language

    @app.context_processor
    def language_context():
        return {"current_locale": str(get_locale() or "id")}


def current_language() -> str:
    return str(get_locale() or "id")
