"""Rate-limit counters in a small SQLite file, shared by every gunicorn worker of one machine.

The ``limits`` library keeps counters per worker in memory unless told otherwise, so two
workers doubled every limit. Without Redis, the counters live here: one table, one
``INSERT … ON CONFLICT … RETURNING`` per hit (a fraction of a millisecond, WAL mode, and
no fsync: a counter lost in a power cut costs nothing). A deployment on several machines
sets ``REDIS_URL`` instead. URI: ``suara-sqlite:///absolute/path/ratelimit.db``.

Only the fixed-window strategy (Flask-Limiter's default) is offered.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "suara-sqlite"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counter ("
    " key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL"
    ") WITHOUT ROWID"
)
# A window that has run out starts again from this hit; otherwise the hit is added.
_HIT = (
    "INSERT INTO counter (key, value, expires_at) VALUES (:key, :amount, :expires_at) "
    "ON CONFLICT (key) DO UPDATE SET "
    " value = CASE WHEN counter.expires_at <= :now THEN excluded.value"
    "              ELSE counter.value + excluded.value END,"
    " expires_at = CASE WHEN counter.expires_at <= :now THEN excluded.expires_at"
    "                   ELSE counter.expires_at END "
    "RETURNING value"
)
# Now and then a hit also sweeps windows that ended long ago.
_SWEEP_ONE_IN = 500


def storage_uri(path: Path) -> str:
    return f"{SCHEME}:///{path.resolve()}"


class SQLiteStorage(Storage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        assert uri is not None and uri.startswith(f"{SCHEME}://")
        self.path = Path(uri[len(f"{SCHEME}://"):])
        self._local = threading.local()

    @property
    def base_exceptions(self):
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and per process (a forked worker opens its own).
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None,
                                         check_same_thread=False)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=OFF")
            connection.execute(_SCHEMA)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        connection = self._connection()
        value = connection.execute(
            _HIT, {"key": key, "amount": amount, "expires_at": now + expiry, "now": now}
        ).fetchone()[0]
        if random.randrange(_SWEEP_ONE_IN) == 0:
            connection.execute("DELETE FROM counter WHERE expires_at <= ?", (now,))
        return int(value)

    def get(self, key: str) -> int:
        row = self._connection().execute(
            "SELECT value FROM counter WHERE key = ? AND expires_at > ?", (key, time.time())
        ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._connection().execute(
            "SELECT expires_at FROM counter WHERE key = ? AND expires_at > ?", (key, now)
        ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return self._connection().execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        self._connection().execute("DELETE FROM counter WHERE key = ?", (key,))
