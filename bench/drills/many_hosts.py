"""Drill: several app hosts on one database, and one of them dies. Two or three gunicorn
instances on their own loopback ports — each a "host" with its own fold worker
(``flask --app wsgi fold``) — share one PostgreSQL database and one Redis (rate limits
counted across hosts, ``REDIS_URL``). Kiosk-like clients spread ratings over every host and
send a rating whose answer is lost to the next host with the same id until it is
acknowledged. Mid-load one host is SIGKILLed for good (gunicorn and its fold worker: a host
losing power) and another host's fold worker is SIGKILLed and started again, as systemd
would. In the end every acknowledged rating is stored once and counted exactly once in the
aggregates, unit-day by unit-day, by the surviving fold workers on their own.

First, a rate-limit probe checks that the limits are shared through Redis: a few ratings
with one device credential, sent round-robin to every host, get exactly the device limit's
worth of 201s and 429s for the rest (per-process counters would let them all through).

``python -m bench.drills.many_hosts [--quick]`` — PostgreSQL when BENCH_DATABASE_URL /
TEST_DATABASE_URL is set; on SQLite the same drill runs its hosts on one database file (one
machine: a SQLite file is not shared between machines). Redis: ``BENCH_REDIS_URL``, default
redis://127.0.0.1:6379/0; the drill's keys are its own (a fresh secret key keys them)."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from bench.drills.client import Ledger, deliver, post, rating
from bench.drills.state import catch_up, settle, stopped_cleanly, stored_state
from core.limits import DEVICE_COOKIE
from harness.servers import (
    CONFIGURED,
    FoldWorker,
    Server,
    fold_available,
    resolve_engine,
    seed,
    temporary_database,
)

PROBE_LIMIT = 3  # the device limit during the probe: RATELIMIT_DEVICE = 3/minute


def redis_url() -> str:
    return os.environ.get("BENCH_REDIS_URL") or "redis://127.0.0.1:6379/0"


def redis_unavailable(url: str | None = None) -> str | None:
    """Why Redis cannot be used (no answer to PING), or None."""
    url = url or redis_url()
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379),
                                      timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            answer = connection.recv(64)
    except OSError as error:
        return f"Redis not reachable at {url} ({error}); set BENCH_REDIS_URL"
    if not answer.startswith(b"+PONG"):
        return f"Redis at {url} did not answer PING (said {answer[:40]!r})"
    return None


def device_cookie(host: Server, token: str) -> dict[str, str]:
    """The signed device cookie a phone gets with the survey page (a made-up device
    credential or cookie is refused or not counted as a device: core/limits.py)."""
    with urllib.request.urlopen(f"{host.url}/s/{token}", timeout=10) as response:
        for header in response.headers.get_all("Set-Cookie") or []:
            if header.startswith(DEVICE_COOKIE + "="):
                return {"Cookie": header.split(";", 1)[0]}
    raise RuntimeError("the survey page gave no device cookie")


def probe_shared_limits(hosts: list[Server], token: str, ledger: Ledger) -> list[str]:
    """Ratings from one phone (its signed device cookie), round-robin over the hosts: only
    PROBE_LIMIT may pass if the hosts count them in one place."""
    credential = device_cookie(hosts[0], token)
    answers = []
    for attempt in range(PROBE_LIMIT + len(hosts) + 1):
        body = rating(token)
        status, _payload = post(hosts[attempt % len(hosts)].url, body, headers=credential)
        answers.append(status)
        if status == 201:
            ledger.sent.add(body["id"])
            ledger.acknowledged.add(body["id"])
    if answers.count(201) != PROBE_LIMIT or answers.count(429) != len(answers) - PROBE_LIMIT:
        return [f"rate limits not shared across hosts: one device's ratings were answered "
                f"{answers} (expected {PROBE_LIMIT} × 201, then 429)"]
    return []


def run(quick: bool = False, log=print, workdir: Path | None = None,
        server_url: str | None = CONFIGURED, hosts: int | None = None) -> dict:
    """``server_url``: a PostgreSQL server, None for SQLite; by default BENCH_DATABASE_URL /
    TEST_DATABASE_URL if set, else SQLite."""
    engine, server_url = resolve_engine(server_url)
    name = f"[drill many_hosts/{engine}]"
    reason = redis_unavailable()
    if reason:
        log(f"{name} SKIPPED: {reason}")
        return {"passed": True, "skipped": True, "engine": engine, "detail": reason}
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-drill-"))
    count = hosts or (2 if quick else 3)
    clients, seconds = (4, 4.0) if quick else (12, 15.0)
    ledger = Ledger()
    lock = threading.Lock()
    events: list[str] = []
    problems: list[str] = []
    secret = f"many-hosts-{secrets.token_hex(24)}"  # keys this run's counters in Redis
    environment = {
        "REDIS_URL": redis_url(), "RATELIMIT_ENABLED": "true",
        "RATELIMIT_DEVICE": f"{PROBE_LIMIT}/minute",
        # The clients all come from 127.0.0.1 with no device: the address and anonymous
        # limits are counted (in Redis) but set high enough not to refuse the load.
        "RATELIMIT_ADDRESS": "1000000/minute",
        "RATELIMIT_ANONYMOUS": "1000000/minute",
    }
    with temporary_database(workdir, server_url, "hosts") as url:
        organisation = seed(url, secret_key=secret)
        folding = fold_available(url)
        log(f"{name} {count} hosts (gunicorn + {'fold worker' if folding else 'no fold'} each), "
            f"{clients} clients for {seconds:.0f} s; one host SIGKILLed"
            + (", one fold worker SIGKILLed and restarted" if folding else ""))
        servers = [Server(url, workers=2, secret_key=secret, extra_env=environment)
                   for _ in range(count)]
        folds = [FoldWorker(url, name=f"fold-host{i}", secret_key=secret,
                            extra_env=environment) for i in range(count)]
        try:
            for server in servers:
                server.start(workdir)
            if folding:
                for fold in folds:
                    fold.start(workdir)
            problems += probe_shared_limits(servers, organisation.token, ledger)
            urls = [server.url for server in servers]
            stop = time.monotonic() + seconds
            deadline = stop + 60

            def client(number: int):
                mine = Ledger()
                mine_hosts = urls[number % count:] + urls[:number % count]
                while time.monotonic() < stop:
                    deliver(mine_hosts, rating(organisation.token), mine, deadline)
                    mine_hosts = mine_hosts[1:] + mine_hosts[:1]
                ledger.merge(mine, lock)

            def chaos():
                time.sleep(seconds / 3)
                victim = servers[0]
                os.killpg(victim.process.pid, signal.SIGKILL)
                folds[0].kill()
                events.append(f"host 1 ({victim.url}) SIGKILLed"
                              + (" with its fold worker" if folding else ""))
                if folding:
                    time.sleep(seconds / 6)
                    folds[1].kill()
                    events.append("host 2's fold worker SIGKILLed")
                    time.sleep(1.0)  # systemd's RestartSec
                    folds[1].start(workdir)
                    events.append("host 2's fold worker started again")

            threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
            threads.append(threading.Thread(target=chaos))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if folding:
                survivors = folds[1:]
                problems += catch_up(url, len(ledger.sent), *survivors)
                for fold in survivors:
                    problems += stopped_cleanly(fold)
            else:
                problems += settle(url, workdir)
            for server in servers[1:]:
                if "Traceback" in server.log():
                    problems.append(f"host {server.url} logged a traceback")
        finally:
            for fold in folds:
                fold.stop()
            for server in servers:
                server.stop()
        state = stored_state(url)
    unacknowledged = ledger.sent - ledger.acknowledged
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} ratings never acknowledged")
    missing = ledger.acknowledged - state.ids
    if missing:
        problems.append(f"{len(missing)} acknowledged ratings missing from the database")
    extra = state.ids - ledger.acknowledged
    if extra:
        problems.append(f"{len(extra)} ratings stored that were never acknowledged")
    if state.counted != len(ledger.acknowledged):
        problems.append(f"aggregates count {state.counted} ratings for "
                        f"{len(ledger.acknowledged)} acknowledged")
    wrong_days = state.miscounted_days()
    if wrong_days:
        problems.append(f"unit-days counted wrongly (stored, counted): "
                        f"{dict(list(wrong_days.items())[:3])}")
    if ledger.unexpected:
        problems.append(f"unexpected answers: {ledger.unexpected[:3]}")
    passed = not problems
    retried = sum(n for status, n in ledger.statuses.items() if status not in (200, 201))
    detail = (f"{count} hosts; {'; '.join(events)}; rate limits shared through Redis; "
              f"{len(ledger.acknowledged)} ratings acknowledged, {state.ratings} stored once "
              f"each, {state.counted} counted ({len(state.counted_by_day)} unit-days agree); "
              f"{retried} answers lost or refused and retried ({dict(ledger.statuses)})"
              + ("" if folding else "; no fold in this app: the requests counted them")
              if passed else "; ".join(problems))
    log(f"{name} {'PASS' if passed else 'FAIL'}: {detail}")
    return {"passed": passed, "engine": engine, "detail": detail}


if __name__ == "__main__":
    sys.exit(0 if run(quick="--quick" in sys.argv)["passed"] else 1)
