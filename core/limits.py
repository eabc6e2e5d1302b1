"""Rate limits on the ways a rating comes in (Flask-Limiter).

Each submission is counted twice: per device (a kiosk's ``Authorization: Device …``
credential, or the random first-party ``sl_device`` cookie a phone gets with the survey page),
and per network address with a looser limit, because a whole office — or a Mal Pelayanan
Publik — often reaches us through one address. Keys are keyed hashes, so the counters in
Redis hold no addresses. Storage is in memory (per worker) unless ``REDIS_URL`` is set.
``RATELIMIT_ENABLED=false`` switches every limit off (load tests); nothing else does.

Views opt in with ``@rate_limited``; ``init_app`` runs after the blueprints are registered
and wraps them with this app's own ``Limiter`` (one per app, so tests can build apps with
and without limits side by side).
"""

from __future__ import annotations

import re
import secrets

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded

from core.privacy import keyed_hash

DEVICE_COOKIE = "sl_device"
DEVICE_COOKIE_SHAPE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the most a browser keeps a cookie
MARK = "_suara_rate_limited"


def rate_limited(view):
    """Mark a view whose POSTs submit ratings; ``init_app`` puts the limits on it."""
    setattr(view, MARK, True)
    return view


# --- keys -----------------------------------------------------------------------------------


def _hashed(value: str) -> str:
    return keyed_hash(value, "ratelimit")


def kiosk_credential() -> str | None:
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "device" and 0 < len(value) <= 200 else None


def device_cookie() -> str | None:
    value = request.cookies.get(DEVICE_COOKIE)
    return value if value and DEVICE_COOKIE_SHAPE.match(value) else None


def address_key() -> str:
    return "addr:" + _hashed(request.remote_addr or "unknown")


def device_key() -> str:
    """The device behind a request: a kiosk by its credential, a phone by its cookie."""
    credential = kiosk_credential()
    if credential:
        return "kiosk:" + _hashed(credential)
    cookie = device_cookie()
    if cookie:
        return "device:" + _hashed(cookie)
    return address_key()


def _no_device() -> bool:
    # A client that shows no device (a script without cookies) meets the address limit only:
    # falling back to the address under the strict device limit would throttle a whole office.
    return kiosk_credential() is None and device_cookie() is None


def device_limit() -> str:
    config = current_app.config
    return config["RATELIMIT_KIOSK"] if kiosk_credential() else config["RATELIMIT_DEVICE"]


def address_limit() -> str:
    return current_app.config["RATELIMIT_ADDRESS"]


# --- wiring ---------------------------------------------------------------------------------


def too_many_requests(error: RateLimitExceeded):
    from core.errors import error_response

    return error_response(
        429,
        _("Terlalu banyak penilaian dari perangkat atau jaringan ini dalam waktu singkat. "
          "Silakan coba lagi beberapa menit lagi."),
        "rate_limited",
    )


def _give_device_cookie(response):
    """Phones get a random device id with the survey page (nothing else is in it)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is not None and getattr(view, MARK, False) and device_cookie() is None:
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(18), max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def storage_uri(config) -> str:
    return config.get("RATELIMIT_STORAGE_URI") or config.get("REDIS_URL") or "memory://"


def init_app(app: Flask) -> Limiter:
    config = app.config
    config["RATELIMIT_STORAGE_URI"] = storage_uri(config)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", "suara")
    # If Redis goes away, keep limiting per worker rather than failing every rating.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=address_key, app=app)
    app.extensions["suara_limiter"] = limiter

    per_device = limiter.shared_limit(device_limit, scope="submit-device", key_func=device_key,
                                      methods=["POST"], exempt_when=_no_device)
    per_address = limiter.shared_limit(address_limit, scope="submit-address",
                                       key_func=address_key, methods=["POST"])
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, MARK, False):
            wrapped = per_address(per_device(view))
            setattr(wrapped, MARK, True)
            app.view_functions[endpoint] = wrapped

    app.after_request(_give_device_cookie)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    return limiter


__all__ = ["DEVICE_COOKIE", "address_key", "device_key", "init_app", "rate_limited"]
