"""CSRF protection for every form, and the security headers every response carries.

Pages for a signed-in user (dashboards, complaints with a citizen's contact, an officer's
component) are never stored by a browser or a proxy: ``Cache-Control: no-store``. Production
also sends HSTS, so a browser that has seen the site once never asks for it over plain HTTP."""

from __future__ import annotations

from flask import Flask, request, session
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

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
    production = app.config["ENV_NAME"] == "production"

    @app.after_request
    def security_headers(response):
        headers = response.headers
        if is_sensitive():
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        if production:
            headers.setdefault("Strict-Transport-Security", HSTS)
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=(), microphone=()")
        return response
