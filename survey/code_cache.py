"""Each worker remembers the standing QR codes it resolved, for a few seconds.

Every rating from a counter's poster or an officer's badge looks up the same code; keeping it
saves two queries per rating. What is kept is a detached copy (the code and its unit), handed
to each request through ``Session.merge(load=False)``, so no request shares an instance with
another. A revocation takes effect at once in the worker that made it (``forget``) and within
``SECONDS`` in every other worker. Single-use codes are never kept: their ``used_at`` is the
point of them."""

from __future__ import annotations

import threading
import time

from sqlalchemy import inspect
from sqlalchemy.orm import Session, make_transient_to_detached

from core.db import database_key

SECONDS = 5.0
MAX_ENTRIES = 10_000

_entries: dict[tuple, tuple[float, object]] = {}
_lock = threading.Lock()
_clock = time.monotonic


def _key(session: Session, public_id: str) -> tuple:
    # One process may serve several databases (tests do): a code belongs to one.
    return (database_key(session), public_id)


def get(session: Session, public_id: str, *, attach: bool = True):
    """The remembered code, attached to ``session`` without a query; ``None`` if not kept.

    ``attach=False`` hands back the shared detached copy itself, for a caller that only
    reads its columns and its unit's (the ratings API): it must not change it, nor follow
    another relationship from it."""
    found = _entries.get(_key(session, public_id))
    if found is None or found[0] < _clock():
        return None
    return session.merge(found[1], load=False) if attach else found[1]


def remember(session: Session, code, seconds: float = SECONDS) -> None:
    if code.kind == "single" or seconds <= 0:
        return
    copy = _detached_copy(code, unit=_detached_copy(code.unit))
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[_key(session, code.public_id)] = (_clock() + seconds, copy)


def forget(public_id: str) -> None:
    with _lock:
        for key in [key for key in _entries if key[1] == public_id]:
            del _entries[key]


def clear() -> None:
    with _lock:
        _entries.clear()


def _detached_copy(instance, **related):
    """A new instance with the same column values, as if loaded by another session."""
    mapper = inspect(instance).mapper
    copy = mapper.class_()
    for attribute in mapper.column_attrs:
        setattr(copy, attribute.key, getattr(instance, attribute.key))
    for name, value in related.items():
        setattr(copy, name, value)
    make_transient_to_detached(copy)
    return copy
