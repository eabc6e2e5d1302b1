"""A kiosk-like client: POSTs a rating and, until it is acknowledged, sends the same rating
again (same id) whenever the answer is lost or says "try again" (5xx, 429)."""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

ANSWERS = {"U1": 4, "U2": 3, "U3": 3, "U4": 4, "U5": 2, "U6": 3, "U7": 4, "U8": 3, "U9": 4}


def rating(token: str, rating_id: str | None = None) -> dict:
    return {"id": rating_id or str(uuid.uuid4()), "token": token, "answers": ANSWERS}


def post(url: str, body: dict, timeout: float = 10,
         headers: dict | None = None) -> tuple[int | None, dict | None]:
    """``(status, json)``; ``(None, None)`` when no answer came back at all."""
    request = urllib.request.Request(
        f"{url}/api/v1/ratings", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        try:
            payload = json.loads(error.read() or b"null")
        except ValueError:
            payload = None
        return error.code, payload
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError,
            OSError):
        return None, None


@dataclass
class Ledger:
    """What a client saw: every answer by status, and the ids acknowledged."""

    statuses: Counter = field(default_factory=Counter)
    acknowledged: set = field(default_factory=set)
    sent: set = field(default_factory=set)
    unexpected: list = field(default_factory=list)

    def merge(self, other: Ledger, lock) -> None:
        """Add what another client saw (each client thread keeps its own ledger)."""
        with lock:
            self.statuses.update(other.statuses)
            self.sent |= other.sent
            self.acknowledged |= other.acknowledged
            self.unexpected += other.unexpected


def deliver(url: str | Sequence[str], body: dict, ledger: Ledger, deadline: float,
            on_answer=None, headers: dict | None = None) -> bool:
    """Send ``body`` until a 2xx comes back (or ``deadline``); True when acknowledged.
    ``url`` may be several hosts: each attempt goes to the next one, as a load balancer
    sends a retry to another host when one stops answering."""
    hosts = [url] if isinstance(url, str) else list(url)
    ledger.sent.add(body["id"])
    pause = 0.02
    attempt = 0
    while time.monotonic() < deadline:
        status, payload = post(hosts[attempt % len(hosts)], body, headers=headers)
        attempt += 1
        ledger.statuses[status or "no answer"] += 1
        if on_answer is not None:
            on_answer(status)
        if status in (200, 201):
            ledger.acknowledged.add(body["id"])
            return True
        if status is not None and status not in (429, 502, 503, 504):
            ledger.unexpected.append((status, payload))
            if status < 500:
                return False
        time.sleep(pause)
        pause = min(pause * 2, 0.5)
    return False
