"""Rate limits on the ways a rating comes in (Flask-Limiter), made so none can be escaped.

Each submission is counted against its device and against its network address:

- a counter tablet by its ``Authorization: Device …`` credential, which must belong to a
  paired tablet: an unknown credential is refused (401) before anything is counted, so an
  invented header is not a new device with a fresh limit;
- a phone by the ``sl_device`` cookie it gets with the survey page. The cookie is signed
  by the server, so a client cannot make up a new device per request, and new cookies are
  handed out at most ``RATELIMIT_NEW_DEVICE`` times per address;
- anything else (no cookie, an unsigned or forged one) shares the strict
  ``RATELIMIT_ANONYMOUS`` limit of its address: a script that drops cookies gains nothing;
- and every submission meets the looser ``RATELIMIT_ADDRESS``, because a whole office — or
  a Mal Pelayanan Publik — often reaches us through one address.

"Address" is the client's network (``network()``): an IPv4 address, or the /64 of an IPv6
address, since one IPv6 subscriber can pick a fresh address in its /64 for every request.

The counters are shared by every worker: in Redis when ``REDIS_URL`` is set (several
machines), otherwise in a small SQLite file in ``instance/`` (core/limit_storage.py) that
the workers of one machine share. Keys are keyed hashes, so no store holds an address or a
credential. ``RATELIMIT_ENABLED=false`` switches every limit off (load tests); nothing else
does.

Views opt in with ``@rate_limited``; ``init_app`` runs after the blueprints are registered
and wraps them with this app's own ``Limiter`` (one per app, so tests can build apps with
and without limits side by side).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Callable

from flask import Flask, current_app, g, request
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_limiter.errors import RateLimitExceeded
from limits import parse_many
from sqlalchemy.orm import Session

from core import limit_storage
from core.privacy import keyed_hash

DEVICE_COOKIE = "sl_device"
# A random id and the server's signature of it: ``<22 chars>.<22 chars>``.
DEVICE_COOKIE_SHAPE = re.compile(r"^([A-Za-z0-9_-]{20,64})\.([A-Za-z0-9_-]{22})$")
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
    """The credential an ``Authorization: Device …`` header shows, whether known or not."""
    scheme, _sep, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "device" and 0 < len(value) <= 200 else None


def _signature(device_id: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, b"sl_device:" + device_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:22]


def new_device_cookie() -> str:
    device_id = secrets.token_urlsafe(16)
    return f"{device_id}.{_signature(device_id)}"


def device_cookie() -> str | None:
    """The phone's device id, if its cookie carries our signature (else ``None``)."""
    value = request.cookies.get(DEVICE_COOKIE)
    found = DEVICE_COOKIE_SHAPE.match(value) if value else None
    if found is None or not hmac.compare_digest(found.group(2), _signature(found.group(1))):
        return None
    return found.group(1)


def known_kiosk() -> bool | None:
    """Whether the request's device credential belongs to a paired tablet (revoked ones
    included: the kiosk API answers those itself); ``None`` without a credential. The kiosk
    area says which credentials it knows (``set_kiosk_lookup``): core reads no area's table."""
    credential = kiosk_credential()
    if credential is None:
        return None
    if "suara_known_kiosk" not in g:
        from core import db

        lookup = current_app.extensions.get("kiosk_credential_known")
        digest = hashlib.sha256(credential.encode()).hexdigest()
        g.suara_known_kiosk = bool(lookup and lookup(db.session(), digest))
    return g.suara_known_kiosk


def set_kiosk_lookup(app: Flask, known: Callable[[Session, str], bool]) -> None:
    """``known(session, sha256 hex of a credential)``: whether that tablet was ever paired."""
    app.extensions["kiosk_credential_known"] = known


# One IPv6 subscriber is given a whole /64 (often more) and picks any address in it, a new
# one per request if it likes: counted per address, every limit would be escaped.
IPV6_NETWORK_PREFIX = 64


def network() -> str:
    """The network a request comes from, as the limits count it: an IPv4 address, or the /64
    an IPv6 address belongs to (an IPv4-mapped IPv6 address is its IPv4 address)."""
    address = request.remote_addr or "unknown"
    try:
        parsed = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, IPV6_NETWORK_PREFIX), strict=False))
    return str(parsed)


def address_key() -> str:
    return "addr:" + _hashed(network())


def device_key() -> str:
    """The device behind a request: a tablet by its credential, a phone by its signed
    cookie; a request with neither shares its address's anonymous count."""
    credential = kiosk_credential()
    if credential:
        return "kiosk:" + _hashed(credential)
    cookie = device_cookie()
    if cookie:
        return "device:" + _hashed(cookie)
    return "anon:" + _hashed(network())


def device_limit() -> str:
    config = current_app.config
    if kiosk_credential():
        return config["RATELIMIT_KIOSK"]
    if device_cookie():
        return config["RATELIMIT_DEVICE"]
    return config["RATELIMIT_ANONYMOUS"]


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


def _refuse_unknown_devices():
    """Before any limit counts: a credential no tablet holds is refused, not a new device."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None or not getattr(view, MARK, False) or known_kiosk() is not False:
        return None
    from core.errors import error_response

    body, status = error_response(401, _("Tablet ini belum dipasangkan dengan loket mana pun."),
                                  "device_unknown")
    return body, status, {"WWW-Authenticate": 'Device realm="kiosk"'}


def _may_issue_device(limiter: Limiter) -> bool:
    """New device cookies per address are limited too: fetching the page again and again
    for fresh cookies would otherwise make each request a new device."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return True
    key = "new-device:" + _hashed(network())
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    try:
        return all(limiter.limiter.hit(limit, prefix, key)
                   for limit in parse_many(current_app.config["RATELIMIT_NEW_DEVICE"]))
    except Exception as exc:  # the store is away: the page still opens, with a cookie
        current_app.logger.warning("rate-limit store unavailable: %s", exc)
        return True


def _give_device_cookie(limiter: Limiter):
    def give(response):
        """Phones get a signed random device id with the survey page (nothing else in it)."""
        view = current_app.view_functions.get(request.endpoint or "")
        if (view is None or not getattr(view, MARK, False) or kiosk_credential()
                or device_cookie() is not None or response.status_code >= 400):
            return response
        if _may_issue_device(limiter):
            response.set_cookie(
                DEVICE_COOKIE, new_device_cookie(), max_age=DEVICE_COOKIE_MAX_AGE,
                httponly=True, samesite="Lax",
                secure=current_app.config["SESSION_COOKIE_SECURE"],
            )
        return response

    return give


def storage_uri(config) -> str:
    """Redis when configured; otherwise the file the workers of this machine share."""
    if config.get("RATELIMIT_STORAGE_URI"):
        return config["RATELIMIT_STORAGE_URI"]
    if config.get("REDIS_URL"):
        return config["REDIS_URL"]
    return limit_storage.storage_uri(config["RATELIMIT_FILE"])


def init_app(app: Flask) -> Limiter:
    config = app.config
    config["RATELIMIT_STORAGE_URI"] = storage_uri(config)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", "suara")
    # If Redis goes away, keep limiting per worker rather than failing every rating.
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter = Limiter(key_func=address_key, app=app)
    app.extensions["suara_limiter"] = limiter

    # An unknown tablet is refused whether limits count or not: its credential is no device.
    app.before_request(_refuse_unknown_devices)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    if not limiter.enabled:
        # Switched off, Flask-Limiter's wrappers would still evaluate (and skip) every limit
        # on every rating, and the device cookie would key counts nobody keeps: neither is
        # put on. That was a tenth of a rating's CPU under the load test.
        return limiter

    per_device = limiter.shared_limit(device_limit, scope="submit-device", key_func=device_key,
                                      methods=["POST"])
    per_address = limiter.shared_limit(address_limit, scope="submit-address",
                                       key_func=address_key, methods=["POST"])
    for endpoint, view in list(app.view_functions.items()):
        if getattr(view, MARK, False):
            wrapped = per_address(per_device(view))
            setattr(wrapped, MARK, True)
            app.view_functions[endpoint] = wrapped
    app.after_request(_give_device_cookie(limiter))
    return limiter


__all__ = ["DEVICE_COOKIE", "address_key", "device_key", "init_app", "network",
           "new_device_cookie", "rate_limited"]
