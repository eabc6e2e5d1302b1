"""Request hygiene: input no route can use is refused with a clear 4xx before it reaches a
database that would answer it with a 500.

- integer ids in routes stop at 2³¹−1 (the largest ``INTEGER`` PostgreSQL stores; SQLite
  stops at 2⁶³): a larger one is a page that does not exist (404);
- NUL characters, which PostgreSQL refuses in text, anywhere in the path, the query string,
  a form or a JSON body: 400;
- JSON nested deeper than the parser can follow is malformed JSON (400 or the route's own
  422), not a ``RecursionError``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

# The largest id a route accepts: INTEGER primary keys on PostgreSQL stop here.
MAX_ID = 2**31 - 1
NUL = "\x00"


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` with an upper bound, so an id no table can hold never reaches a query."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 (werkzeug's own argument name)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where nesting too deep to parse is a ``ValueError`` like any other
    malformed body (``get_json`` then answers 400, or ``None`` when silent)."""

    ensure_ascii = False

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("JSON nested too deeply") from exc


def _has_nul(value: Any) -> bool:
    """Whether a NUL hides in a decoded JSON value (walked without recursion)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            for key, inner in item.items():
                if NUL in key:
                    return True
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _json_has_nul() -> bool:
    raw = request.get_data(cache=True)
    # A NUL in a decoded JSON value can only be written as the escape \u0000 (JSON allows
    # no raw control characters, and a body in UTF-16 or -32 shows NUL bytes): a body with
    # neither is not decoded and walked here at all, which is nearly every body.
    if b"\\u0000" not in raw and b"\x00" not in raw:
        return False
    return _has_nul(request.get_json(silent=True))


def _multi_has_nul(values) -> bool:
    return any(NUL in key or NUL in value for key, value in values.items(multi=True))


def request_has_nul() -> bool:
    if NUL in request.path or _multi_has_nul(request.args):
        return True
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        if request.is_json:
            return _json_has_nul()
        # Not multipart: a view may raise the body limit for an upload before reading it
        # (the officer import), and files are parsed, not stored as text. The database's
        # refusal of a NUL there is still a 400 (core/errors.py).
        if request.mimetype == "application/x-www-form-urlencoded":
            return _multi_has_nul(request.form)
    return False


def init_converters(app: Flask) -> None:
    """Before any blueprint adds its routes: the converters are bound when a rule is added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
    app.json = JSONProvider(app)


def init_app(app: Flask) -> None:
    @app.before_request
    def refuse_nul_characters():
        if request_has_nul():
            from core.errors import error_response

            return error_response(400, _("Permintaan berisi karakter NUL yang tidak diizinkan."),
                                  "invalid_characters")
        return None
