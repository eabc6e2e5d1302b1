"""Error pages and JSON errors: a message a citizen understands, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError
from werkzeug.exceptions import HTTPException

MESSAGES = {
    400: "Permintaan tidak dapat diproses.",
    403: "Anda tidak memiliki akses ke halaman ini.",
    404: "Halaman tidak ditemukan.",
    405: "Metode tidak diizinkan.",
    409: "Permintaan bertentangan dengan data yang ada.",
    413: "Data yang dikirim terlalu besar.",
    422: "Data tidak valid.",
    429: "Terlalu banyak permintaan. Silakan coba lagi sebentar lagi.",
    500: "Terjadi kesalahan di server. Silakan coba lagi.",
    503: "Layanan sedang tidak tersedia. Silakan coba lagi.",
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/kiosk/api/") or (
        request.accept_mimetypes.best == "application/json"
    )


def error_response(status: int, message: str | None = None, code: str | None = None, **extra):
    message = message or _(MESSAGES.get(status, MESSAGES[400]))
    if wants_json():
        body = {"error": code or str(status), "message": message, **extra}
        return body, status
    return render_template("errors/error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(
            400,
            _("Sesi formulir sudah kedaluwarsa atau tidak sah. Muat ulang halaman dan coba lagi."),
            "csrf",
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        body, status = error_response(status, _(MESSAGES[status]) if status in MESSAGES else None)
        # What the exception says about itself stays: Allow on a 405, WWW-Authenticate…
        headers = [(name, value) for name, value in error.get_headers()
                   if name.lower() != "content-type"]
        return body, status, headers

    @app.errorhandler(OverflowError)
    def out_of_range(error: OverflowError):
        # A number or a date beyond what the database or the calendar can hold (an id of
        # 2**64 on SQLite, a date in year 9999 moved across a time zone) is bad input.
        app.logger.warning("out-of-range input on %s %s: %s", request.method, request.path,
                           error)
        return error_response(400)

    @app.errorhandler(DataError)
    def refused_by_database(error: DataError):
        # SQLSTATE class 22 (data exception): the database refused a value, e.g. an id past
        # INTEGER on PostgreSQL. The checks in core/inputs.py should have caught it first.
        app.logger.warning("value refused by the database on %s %s: %s", request.method,
                           request.path, error.orig)
        return error_response(400)

    @app.errorhandler(DBAPIError)
    def database_unavailable(error: DBAPIError):
        # A lost connection or a restarting server is temporary: say so (503, "try again"),
        # and let pool_pre_ping reconnect on the next request. Other database errors are bugs.
        if not error.connection_invalidated and not _is_unavailable(error):
            return unexpected(error)
        app.logger.warning("database unavailable on %s %s: %s", request.method, request.path,
                           error.orig)
        response, status = error_response(503)
        return response, status, {"Retry-After": "5"}

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500)


def _is_unavailable(error: DBAPIError) -> bool:
    # InterfaceError: the driver's connection was closed under it (a server restarting).
    from sqlalchemy.exc import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError)
