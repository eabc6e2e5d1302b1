"""Personal data we hold as little of as we can: network addresses only as keyed hashes."""

from __future__ import annotations

import functools
import hashlib
import hmac

from flask import current_app, request


def keyed_hash(value: str, purpose: str = "client") -> str:
    key = _purpose_key(purpose, current_app.config["SECRET_KEY"])
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


@functools.lru_cache(maxsize=64)
def _purpose_key(purpose: str, secret_key: str) -> bytes:
    # Derived once per purpose and key, not once per rating (and per limit counted).
    return hashlib.sha256(f"{purpose}:{secret_key}".encode()).digest()


def client_hash() -> str | None:
    address = request.remote_addr
    return keyed_hash(address) if address else None
