"""Signed survey codes. A token is ``<public id>.<signature>``: the id finds the code's row
(which may be revoked), the signature proves the server issued it, so a guessed or altered
token is refused before the database is asked."""

from __future__ import annotations

import functools
import secrets

from itsdangerous import BadSignature, Signer

SALT = "suara-layanan.qr-code"


class TamperedToken(ValueError):
    """The token's signature does not match: altered, truncated or made up."""


def _signer(secret_key: str) -> Signer:
    return Signer(secret_key, salt=SALT, sep=".")


def new_public_id() -> str:
    # 9 random bytes, URL-safe, never containing the separator; not sequential, so codes
    # reveal nothing about how many exist.
    return secrets.token_urlsafe(9).replace(".", "")


def sign(secret_key: str, public_id: str) -> str:
    return _signer(secret_key).sign(public_id).decode()


def unsign(secret_key: str, token: str) -> str:
    try:
        return _verified_public_id(secret_key, token)
    except BadSignature as exc:
        raise TamperedToken(token) from exc


@functools.lru_cache(maxsize=4096)
def _verified_public_id(secret_key: str, token: str) -> str:
    # Every rating from one poster carries the same token: its signature is checked once per
    # worker, not once per rating. Refusals raise, and are never kept.
    return _signer(secret_key).unsign(token).decode()
