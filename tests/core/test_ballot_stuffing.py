"""Ballot stuffing, tried as an attacker would: real gunicorn with two workers on loopback,
the deployment's own limits, nothing but the QR token printed on a counter poster, and 500
ratings posted as fast as eight threads can — without cookies, keeping the cookie, fetching
a fresh cookie for every rating, with invented cookies, invented device credentials and
invented forwarded-for addresses.
However it is done, no more ratings are accepted than the limits allow, counted across both
workers: in the file the workers of one machine share, and in Redis when it is configured.

Each way of attacking comes from its own loopback address (127.0.0.x), so each meets its
own address's limits.

And what the attack does to the published result: before the first attack the unit holds a
realistic set of honest ratings (many phones, varied answers, folded), whose IKM the public
API ``GET /api/v1/units/<code>/ikm`` publishes. After each attack a real ``flask --app wsgi
fold --once`` folds what came in, and the API publishes again. What the limits let through
and the burst rule did not flag is all that may move it: at most ``INTEGRITY_BURST_COUNT``
ratings per attacking address before a burst is recognised, and a burst once recognised is
flagged whole, the first ratings too, so that those count in no published number, only in
``flagged_excluded``.

With the default settings that bound is met, not beaten: a script without cookies (or
keeping one cookie, or inventing them) is stopped by its 10-a-minute limit at exactly
``INTEGRITY_BURST_COUNT`` ratings, which is not yet a burst, so the all-1 ratings are caught
only as ``repeat`` from the fourth on and the first three count; fetching fresh cookies gets
more through, which is a burst, flagged whole."""

from __future__ import annotations

import http.client
import json
import random
import secrets
import subprocess
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest
from limits import parse_many
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core import settings
from core.db import make_engine
from core.models import Holiday, Unit
from harness.servers import FLASK, Seeded, count_ratings, seed
from survey import integrity
from survey.elements import ELEMENT_CODES
from survey.models import Rating
from tests.support.databases import temporary_database
from tests.support.e2e import starts_servers
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
    # The honest ratings' answers, and the attack ratings accepted so far (by id).
    honest: list[dict[str, int]] = field(default_factory=list)
    attack_answers: dict[str, dict[str, int]] = field(default_factory=dict)


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
@starts_servers
def target(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("stuffing")
    if request.param == "redis":
        if not _redis_available():
            pytest.skip("no Redis at " + REDIS_URL)
        limit_env = {"REDIS_URL": REDIS_URL}
    else:
        limit_env = {"RATELIMIT_FILE": str(folder / "ratelimit.db")}
    # Redis outlives the run: a secret key of this run's own makes its keys (keyed hashes)
    # its own, so earlier runs' counts (the limits run per hour) and other runs on this
    # machine do not count here. (RATELIMIT_KEY_PREFIX is no environment setting.)
    secret_key = f"stuffing-{secrets.token_hex(32)}"
    with temporary_database(folder) as url:
        seeded = seed(url, secret_key=secret_key)
        _open_all_day(url, seeded.unit_id)
        server = LimitedServer(database_url=url, workers=2, limit_env=limit_env,
                               secret_key=secret_key)
        server.start(folder)
        try:
            target = Target(server, url, seeded)
            _rate_honestly(target)
            yield target
        finally:
            server.stop()


def _open_all_day(database_url: str, unit_id: int) -> None:
    """The unit serves around the clock and today is no holiday, so that whenever the test
    runs, the service-hours flag judges none of its ratings: what is flagged here is flagged
    as a burst (or a repeat), or not at all."""
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            session.execute(update(Unit).where(Unit.id == unit_id).values(
                service_hours={str(day): [["00:00", "23:59"]] for day in range(1, 8)}))
            today = datetime.now(ZoneInfo("UTC")).date()
            session.execute(delete(Holiday).where(
                Holiday.day.between(today - timedelta(days=2), today + timedelta(days=2))))
            session.commit()
    finally:
        engine.dispose()


# --- the honest ratings and the published result -------------------------------------------

HONEST_PHONES = 24
HONEST_PER_PHONE = 2


def _rate_honestly(target: Target) -> None:
    """Citizens of a normal morning: many phones (addresses 127.0.1.x), two ratings each,
    varied answers, mostly good. Posted through the running server, like the attacker's."""
    chance = random.Random(20261201)
    seen: set[tuple[int, ...]] = set()
    for phone in range(HONEST_PHONES):
        for _ in range(HONEST_PER_PHONE):
            while True:
                answers = tuple(chance.choice((2, 3, 3, 3, 4, 4)) for _ in ELEMENT_CODES)
                if answers not in seen:  # no repeats: honest ratings are judged clean
                    seen.add(answers)
                    break
            body = {"id": str(uuid.uuid4()), "token": target.seeded.token,
                    "answers": dict(zip(ELEMENT_CODES, answers, strict=True))}
            response = _request(target, f"127.0.1.{phone + 1}", "POST", "/api/v1/ratings",
                                body)
            assert response.status == 201, response.status
            target.honest.append(body["answers"])


def fold_once(target: Target) -> str:
    """The fold worker, as an operator runs it, against the server's database."""
    done = subprocess.run([str(FLASK), "--app", "wsgi", "fold", "--once"],
                          cwd=settings.ROOT, env=target.server.environment(),
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def published(target: Target) -> dict:
    """The unit's IKM as the public API publishes it, for the days around today."""
    zone = ZoneInfo(_unit(target).timezone)
    today = datetime.now(zone).date()
    connection = http.client.HTTPConnection("127.0.0.1", target.server.port, timeout=60)
    code = _unit(target).code
    connection.request("GET", f"/api/v1/units/{code}/ikm?from={today - timedelta(days=1)}"
                              f"&to={today}")
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    assert response.status == 200, body
    return body


def _unit(target: Target) -> Unit:
    engine = make_engine(target.database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            return session.get(Unit, target.seeded.unit_id)
    finally:
        engine.dispose()


def flags_of(target: Target, ids) -> dict[str, str | None]:
    """Each rating's flags as stored (``None``: clean), by id."""
    engine = make_engine(target.database_url)
    try:
        with Session(engine) as session:
            rows = session.execute(select(Rating.id, Rating.flags, Rating.folded_at)
                                   .where(Rating.id.in_([uuid.UUID(i) for i in ids])))
            found = {}
            for rating_id, flags, folded_at in rows:
                assert folded_at is not None, "the fold has folded every rating"
                found[str(rating_id)] = flags
            return found
    finally:
        engine.dispose()


def expected_result(answers: list[dict[str, int]]) -> tuple[int, dict, Fraction]:
    """Respondents, each element's (sum, count) and the IKM (the mean of the nine elements'
    means, SKM: Permenpan-RB 14/2017) of these ratings, worked out here from the answers."""
    totals = {code: (sum(a[code] for a in answers), len(answers)) for code in ELEMENT_CODES}
    ikm = sum((Fraction(total, count) for total, count in totals.values()), Fraction(0))
    return len(answers), totals, ikm / len(ELEMENT_CODES)


def assert_published(body: dict, answers: list[dict[str, int]], flagged: int) -> None:
    respondents, totals, ikm = expected_result(answers)
    assert body["respondents"] == respondents, (body["respondents"], respondents)
    assert {e["code"]: (e["total"], e["answers"]) for e in body["elements"]} == totals
    assert body["ikm"] == round(float(ikm), 4)
    assert body["flagged_excluded"] == flagged


@pytest.fixture(scope="module")
def honest_result(target) -> dict:
    """The honest ratings published, before any attack: the API's read folds them first
    (after each attack the fold worker does, so both ways of folding are used)."""
    body = published(target)
    assert_published(body, target.honest, flagged=0)
    assert body["category"] in ("A", "B"), body  # a good unit: something to pull down
    return body


# --- the attacker -------------------------------------------------------------------------


@dataclass
class Outcome:
    statuses: Counter
    seconds: float
    accepted_ids: list[str] = field(default_factory=list)

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


def attack(target: Target, source: str, how: str, score: int) -> Outcome:
    """500 ratings, every answer ``score`` (1 pulls the unit down, 4 lifts it)."""
    token = target.seeded.token
    answers = dict.fromkeys(ELEMENT_CODES, score)
    kept: dict[str, str | None] = {}
    if how == "keeps its cookie":
        kept["cookie"] = _device_cookie(_request(target, source, "GET", f"/s/{token}"))
        assert kept["cookie"], "the survey page gives a phone its device cookie"

    def one(_index: int) -> tuple[str, int]:
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
        elif how == "invented forwarded addresses":
            # No proxy is trusted by default (TRUSTED_PROXIES=0): the header is not believed.
            made_up = f"203.0.113.{secrets.randbelow(254) + 1}"
            headers.update({"X-Forwarded-For": made_up, "X-Real-IP": made_up})
        body = {"id": str(uuid.uuid4()), "token": token, "answers": answers}
        return body["id"], _request(target, source, "POST", "/api/v1/ratings", body,
                                    headers).status

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one, range(RATINGS)))
    seconds = time.monotonic() - started
    accepted = [rating_id for rating_id, status in results if status == 201]
    target.attack_answers.update(dict.fromkeys(accepted, answers))
    return Outcome(Counter(status for _id, status in results), seconds, accepted)


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
           "invented device credentials", "invented forwarded addresses"]


def most_accepted(how: str, seconds: float) -> int:
    address = allowed(DEFAULTS["RATELIMIT_ADDRESS"], seconds)
    if how in ("no cookies", "invented cookies", "invented forwarded addresses"):
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
def test_five_hundred_ratings_from_one_address_get_no_further_than_the_limits(
        target, honest_result, how):
    source = f"127.0.0.{10 + ATTACKS.index(how)}"
    before = count_ratings(target.database_url)
    outcome = attack(target, source, how, score=1 if ATTACKS.index(how) % 2 == 0 else 4)
    assert sum(outcome.statuses.values()) == RATINGS
    assert_within_limits(outcome, most_accepted(how, outcome.seconds))
    assert outcome.accepted > 0 or how == "invented device credentials"
    if how == "invented device credentials":
        assert outcome.statuses == Counter({401: RATINGS})
    else:
        assert outcome.statuses[429] >= RATINGS - most_accepted(how, outcome.seconds)
    # What was accepted is what was stored, by whichever worker took it.
    assert count_ratings(target.database_url) - before == outcome.accepted

    # What reaches the published IKM once the fold has judged it.
    fold_once(target)
    flags = flags_of(target, outcome.accepted_ids)
    assert len(flags) == outcome.accepted
    clean = [rating_id for rating_id, found in flags.items() if not found]
    if outcome.accepted > BURST_COUNT:
        # A burst, recognised by its (BURST_COUNT + 1)-th rating and flagged whole: the
        # ratings before that one too, whichever worker stored them, in whatever batch.
        assert all(integrity.BURST_NETWORK in integrity.split(found)
                   for found in flags.values()), Counter(flags.values())
    # Without a burst, no more than the burst rule lets one address deliver unflagged.
    assert len(clean) <= BURST_COUNT, Counter(flags.values())
    assert_published_after_attacks(target)


BURST_COUNT = DEFAULTS["INTEGRITY_BURST_COUNT"]


def assert_published_after_attacks(target: Target) -> None:
    """The published IKM is that of the honest ratings and the attack ratings no flag
    caught, and nothing else; the flagged ones are counted in ``flagged_excluded``."""
    flags = flags_of(target, list(target.attack_answers))
    slipped = [target.attack_answers[rating_id] for rating_id, found in flags.items()
               if not found]
    body = published(target)
    assert_published(body, target.honest + slipped, flagged=len(flags) - len(slipped))


def test_both_workers_answered(target):
    assert len(target.server.worker_pids()) == 2


# --- addresses an attacker can pick ------------------------------------------------------


def test_a_fresh_ipv6_address_for_every_rating_is_still_one_network(make_app, db_session,
                                                                    factory, tmp_path):
    """One IPv6 subscriber gets a /64 and may use any address in it, a new one for every
    request: the limits count the /64 (through the app, with the deployment's limits)."""
    from survey.services import current_code, token_for
    from tests.conftest import TEST_SECRET

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_FILE=tmp_path / "ratelimit.db",
                   RATELIMIT_KEY_PREFIX=secrets.token_hex(6))
    token = token_for(current_code(db_session, counter=factory.counter()), TEST_SECRET)

    def post(address: str) -> int:
        """A rating without cookies (a script drops the device cookie it is given)."""
        body = {"id": str(uuid.uuid4()), "token": token, "answers": {"U1": 1, "U2": 1}}
        return app.test_client().post("/api/v1/ratings", json=body,
                           environ_base={"REMOTE_ADDR": address}).status_code

    anonymous = allowed(DEFAULTS["RATELIMIT_ANONYMOUS"], 0)
    statuses = Counter(post(f"2001:db8:7:42:{index:x}::{index + 1:x}")
                       for index in range(3 * anonymous))
    assert statuses == Counter({201: anonymous, 429: 2 * anonymous})
    # Another subscriber's /64 is another network; an IPv4-mapped address is its IPv4 one.
    assert post("2001:db8:7:43::1") == 201
    assert post("192.0.2.7") == 201
    assert post("::ffff:192.0.2.7") == 201
    assert Counter(post("192.0.2.7") for _ in range(anonymous)) == Counter(
        {201: anonymous - 2, 429: 2})
