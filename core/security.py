"""CSRF protection for every form, and the security headers every response carries.

Pages for a signed-in user (dashboards, complaints with a citizen's contact, an officer's
component) are never stored by a browser or a proxy: ``Cache-Control: no-store``. Production
also sends HSTS, so a browser that has seen the site once never asks for it over plain HTTP."""

from __future__ import annotations

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, without their cost on requests that carry no session:
    a rating, a kiosk tap, a public page. Flask builds a new signing serializer for every
    request, cookie or not, and reads seven cookie settings to save an empty session; here
    the serializer is built once per key and an empty, unchanged session saves nothing
    (``Vary: Cookie`` is still sent when it was looked at, as Flask does)."""

    def __init__(self):
        self._serializer: tuple[tuple, object] | None = None

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        cached = self._serializer
        if cached is None or cached[0] != keys:
            cached = self._serializer = (keys, super().get_signing_serializer(app))
        return cached[1]

    def open_session(self, app, request):
        if app.secret_key and not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app, session, response):
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


HSTS = "max-age=31536000; includeSubDomains"
# Pages that show or take credentials, signed in or not.
NO_STORE_ENDPOINTS = {"accounts.login", "accounts.password"}


def is_sensitive() -> bool:
    """A response about a signed-in user's session (Flask-Login's id in the cookie), or a
    page taking credentials. Read from the cookie alone: no database query for this."""
    if request.endpoint == "static":
        return False
    return "_user_id" in session or request.endpoint in NO_STORE_ENDPOINTS


def init_app(app: Flask) -> None:
    csrf.init_app(app)
    app.session_interface = CookieSessions()
    production = app.config["ENV_NAME"] == "production"
    # Every response gets these unless its view set its own: (lower-case name, name, value),
    # added in one pass over the response's headers rather than a search per header.
    defaults = [(name.lower(), name, value) for name, value in (
        *((("Strict-Transport-Security", HSTS),) if production else ()),
        ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(self), geolocation=(), microphone=()"),
    )]

    @app.after_request
    def security_headers(response):
        headers = response.headers
        if is_sensitive():
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        present = {name.lower() for name in headers.keys()}
        headers.extend([(name, value) for key, name, value in defaults if key not in present])
        return response
