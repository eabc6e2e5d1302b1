"""Personal data we hold as little of as we can: network addresses only as keyed hashes."""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app, request


def keyed_hash(value: str, purpose: str = "client") -> str:
    key = hashlib.sha256(f"{purpose}:{current_app.config['SECRET_KEY']}".encode()).digest()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def client_hash() -> str | None:
    address = request.remote_addr
    return keyed_hash(address) if address else None
