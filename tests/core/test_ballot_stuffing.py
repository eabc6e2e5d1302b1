"""Ballot stuffing, tried as an attacker would: real gunicorn with two workers on loopback,
the deployment's own limits, nothing but the QR token printed on a counter poster, and 500
ratings posted as fast as eight threads can — without cookies, keeping the cookie, fetching
a fresh cookie for every rating, with invented cookies and invented device credentials.
However it is done, no more ratings are accepted than the limits allow, counted across both
workers: in the file the workers of one machine share, and in Redis when it is configured.

Each way of attacking comes from its own loopback address (127.0.0.x), so each meets its
own address's limits. The effect on the published IKM (that burst-flagged ratings do not
move it) belongs next to ``assert_within_limits``: ``target.database_url`` and
``target.seeded.unit_id`` name the database and unit."""

from __future__ import annotations

import http.client
import json
import secrets
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from limits import parse_many

from bench.servers import Seeded, count_ratings, seed
from core import settings
from tests.support.databases import temporary_database
from tests.support.live import LiveServer

RATINGS = 500
THREADS = 8
REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULTS = settings.defaults(settings.ROOT / "instance")


@dataclass
class LimitedServer(LiveServer):
    """The harness's gunicorn with rate limits on (it switches them off for benchmarks)."""

    limit_env: dict[str, str] = field(default_factory=dict)

    def environment(self) -> dict[str, str]:
        env = super().environment()
        env.update(RATELIMIT_ENABLED="true", **self.limit_env)
        return env


@dataclass
class Target:
    server: LimitedServer
    database_url: str
    seeded: Seeded


def _redis_available() -> bool:
    redis = pytest.importorskip("redis")
    try:
        client = redis.Redis.from_url(REDIS_URL)
        client.ping()
        client.close()
    except redis.exceptions.ConnectionError:
        return False
    return True


@pytest.fixture(scope="module", params=["machine-file", "redis"])
def target(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stuffing")
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("no Redis at " + REDIS_URL)
        limit_env = {"REDIS_URL": REDIS_URL, "RATELIMIT_KEY_PREFIX": secrets.token_hex(6)}
    else:
        limit_env = {"RATELIMIT_FILE": str(folder / "ratelimit.db")}
    with temporary_database(folder) as url:
        seeded = seed(url)
        server = LimitedServer(database_url=url, workers=2, limit_env=limit_env)
        server.start(folder)
        try:
            yield Target(server, url, seeded)
        finally:
            server.stop()


# --- the attacker -------------------------------------------------------------------------


@dataclass
class Outcome:
    statuses: Counter
    seconds: float

    @property
    def accepted(self) -> int:
        return self.statuses[201]


def _request(target: Target, source: str, method: str, path: str, body: dict | None = None,
             headers: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", target.server.port, timeout=30,
                                            source_address=(source, 0))
    payload = json.dumps(body).encode() if body is not None else None
    all_headers = {"Content-Type": "application/json", **(headers or {})}
    connection.request(method, path, body=payload, headers=all_headers)
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _device_cookie(response: http.client.HTTPResponse) -> str | None:
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _eq, rest = header.partition("=")
        if name.strip() == "sl_device":
            return rest.split(";", 1)[0]
    return None


def attack(target: Target, source: str, how: str) -> Outcome:
    token = target.seeded.token
    kept: dict[str, str | None] = {}
    if how == "keeps its cookie":
        kept["cookie"] = _device_cookie(_request(target, source, "GET", f"/s/{token}"))
        assert kept["cookie"], "the survey page gives a phone its device cookie"

    def one(_index: int) -> int:
        headers: dict[str, str] = {}
        if how == "keeps its cookie":
            headers["Cookie"] = f"sl_device={kept['cookie']}"
        elif how == "fresh cookie each time":
            cookie = _device_cookie(_request(target, source, "GET", f"/s/{token}"))
            if cookie:
                headers["Cookie"] = f"sl_device={cookie}"
        elif how == "invented cookies":
            headers["Cookie"] = (f"sl_device={secrets.token_urlsafe(16)}."
                                 f"{secrets.token_urlsafe(16)[:22]}")
        elif how == "invented device credentials":
            headers["Authorization"] = f"Device {secrets.token_urlsafe(32)}"
        body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 1, "U2": 1}}
        return _request(target, source, "POST", "/api/v1/ratings", body, headers).status

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        statuses = Counter(pool.map(one, range(RATINGS)))
    return Outcome(statuses, time.monotonic() - started)


def allowed(limits_text: str, seconds: float) -> int:
    """The most a limit lets through in ``seconds``: a fixed window opens at its first hit,
    so a run shorter than the window meets one, a longer one the windows it spans."""
    return min(item.amount * (int(seconds // item.get_expiry()) + 1)
               for item in parse_many(limits_text))


def assert_within_limits(outcome: Outcome, most: int) -> None:
    assert not [status for status in outcome.statuses if status >= 500], outcome.statuses
    assert outcome.accepted <= most, (outcome.statuses, most)


# --- the attacks ----------------------------------------------------------------------------

ATTACKS = ["no cookies", "keeps its cookie", "fresh cookie each time", "invented cookies",
           "invented device credentials"]


def most_accepted(how: str, seconds: float) -> int:
    address = allowed(DEFAULTS["RATELIMIT_ADDRESS"], seconds)
    if how in ("no cookies", "invented cookies"):
        return min(address, allowed(DEFAULTS["RATELIMIT_ANONYMOUS"], seconds))
    if how == "keeps its cookie":
        return min(address, allowed(DEFAULTS["RATELIMIT_DEVICE"], seconds))
    if how == "fresh cookie each time":
        # Each new cookie is a device; new cookies per address are limited; all of it
        # under the address limit.
        devices = allowed(DEFAULTS["RATELIMIT_NEW_DEVICE"], seconds) + 1
        return min(address, devices * allowed(DEFAULTS["RATELIMIT_DEVICE"], seconds))
    assert how == "invented device credentials"
    return 0


@pytest.mark.parametrize("how", ATTACKS)
def test_five_hundred_ratings_from_one_address_get_no_further_than_the_limits(target, how):
    source = f"127.0.0.{10 + ATTACKS.index(how)}"
    before = count_ratings(target.database_url)
    outcome = attack(target, source, how)
    assert sum(outcome.statuses.values()) == RATINGS
    assert_within_limits(outcome, most_accepted(how, outcome.seconds))
    assert outcome.accepted > 0 or how == "invented device credentials"
    if how == "invented device credentials":
        assert outcome.statuses == Counter({401: RATINGS})
    else:
        assert outcome.statuses[429] >= RATINGS - most_accepted(how, outcome.seconds)
    # What was accepted is what was stored, by whichever worker took it.
    assert count_ratings(target.database_url) - before == outcome.accepted


def test_both_workers_answered(target):
    assert len(target.server.worker_pids()) == 2
