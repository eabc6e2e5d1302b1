"""Issued documents: a PDF the service hands out carries a verification code and a public
URL; the table keeps the PDF's SHA-256, what it certifies and who issued it when, so anyone
can confirm an untouched copy and an altered one is refused (``/verifikasi/<code>``).

The SKM report uses it; the officer's evidence sheet will too: pass a ``render(code, url)``
that prints both on the document.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from analytics.models import IssuedDocument
from core.models import utcnow

# Crockford's base32 without I, L, O, U: nothing to misread on paper.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE = re.compile(r"SL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
SHA256 = re.compile(r"[0-9a-f]{64}")


def new_code() -> str:
    chars = "".join(secrets.choice(ALPHABET) for _ in range(12))
    return f"SL-{chars[:4]}-{chars[4:8]}-{chars[8:]}"


def normalise_code(value: str) -> str | None:
    code = (value or "").strip().upper().replace(" ", "")
    return code if CODE.fullmatch(code) else None


def verification_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verifikasi/{code}"


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def issue(session: Session, *, kind: str, subject: str, base_url: str,
          render: Callable[[str, str], bytes], unit_id: int | None = None,
          issued_by: int | None = None, issued_by_name: str = "") -> tuple[IssuedDocument, bytes]:
    """Render the document with a new code and its URL, and record the result's hash.
    Flushes; the caller commits."""
    code = new_code()
    while session.scalar(select(IssuedDocument.id).where(IssuedDocument.code == code)):
        code = new_code()  # pragma: no cover - 32¹² codes
    body = render(code, verification_url(base_url, code))
    document = IssuedDocument(code=code, kind=kind, subject=subject, unit_id=unit_id,
                              sha256=digest(body), issued_at=utcnow(), issued_by=issued_by,
                              issued_by_name=issued_by_name[:200])
    session.add(document)
    session.flush()
    return document, body


@dataclass(frozen=True)
class Verification:
    document: IssuedDocument | None
    checked: str | None  # the hash that was checked, if one was given
    matches: bool | None  # None: no hash given (or no such document)

    @property
    def found(self) -> bool:
        return self.document is not None


def verify(session: Session, code: str, *, sha256: str | None = None,
           body: bytes | None = None) -> Verification:
    """The document behind a code and, given a copy (its bytes or its SHA-256), whether the
    copy is the one issued. A malformed code or hash finds nothing and matches nothing."""
    normal = normalise_code(code)
    document = None
    if normal is not None:
        document = session.scalars(select(IssuedDocument)
                                   .where(IssuedDocument.code == normal)).first()
    checked = digest(body) if body is not None else (sha256 or "").strip().lower() or None
    if document is None or checked is None:
        return Verification(document, checked, None)
    return Verification(document, checked,
                        bool(SHA256.fullmatch(checked)) and checked == document.sha256)


__all__ = ["Verification", "digest", "issue", "new_code", "normalise_code", "verification_url",
           "verify"]
