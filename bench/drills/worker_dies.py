"""Drill: a worker dies. Under load, gunicorn workers are SIGKILLed one after another; the
clients, like the kiosk, send a rating again with the same id until it is acknowledged.
In the end every id sent is stored exactly once and counted once in the aggregates.
``python -m bench.drills.worker_dies``"""

from __future__ import annotations

import os
import random
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.drills.client import Ledger, deliver, rating
from bench.drills.state import catch_up, stopped_cleanly, stored_state
from harness.servers import (
    CONFIGURED,
    FoldWorker,
    Server,
    fold_available,
    resolve_engine,
    seed,
    temporary_database,
)


def run(quick: bool = False, log=print, workdir: Path | None = None,
        server_url: str | None = CONFIGURED) -> dict:
    """``server_url``: a PostgreSQL server to run on, None for SQLite; by default
    BENCH_DATABASE_URL / TEST_DATABASE_URL if set, else SQLite."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-drill-"))
    clients, seconds, kills = (6, 4.0, 3) if quick else (16, 15.0, 12)
    engine, server_url = resolve_engine(server_url)
    log(f"[drill worker_dies/{engine}] {clients} clients for {seconds:.0f} s, "
        f"a worker SIGKILLed {kills} times")
    ledger = Ledger()
    lock = threading.Lock()
    killed: list[int] = []
    problems: list[str] = []
    with temporary_database(workdir, server_url, "kill") as url:
        organisation = seed(url)
        folding = fold_available(url)
        with Server(url, workers=3).start(workdir) as server, \
                FoldWorker(url, name="fold-kill") as fold:
            if folding:  # beside gunicorn, as `make run` starts it
                fold.start(workdir)
            stop = time.monotonic() + seconds
            deadline = stop + 60  # time to get every rating acknowledged after the storm

            def client():
                mine = Ledger()
                while time.monotonic() < stop:
                    deliver(server.url, rating(organisation.token), mine, deadline)
                ledger.merge(mine, lock)

            def killer():
                pause = seconds / (kills + 1)
                for _ in range(kills):
                    time.sleep(pause)
                    pids = server.worker_pids()
                    if pids:
                        victim = random.choice(pids)
                        os.kill(victim, signal.SIGKILL)
                        killed.append(victim)

            threads = [threading.Thread(target=client) for _ in range(clients)]
            threads.append(threading.Thread(target=killer))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if folding:
                problems += catch_up(url, len(ledger.sent), fold)
                problems += stopped_cleanly(fold)
        state = stored_state(url)
    unacknowledged = ledger.sent - ledger.acknowledged
    if unacknowledged:
        problems.append(f"{len(unacknowledged)} ratings never acknowledged")
    missing = ledger.acknowledged - state.ids
    if missing:
        problems.append(f"{len(missing)} acknowledged ratings missing from the database")
    if state.ids != ledger.sent:
        problems.append(f"{state.ratings} distinct ids stored for {len(ledger.sent)} sent")
    if state.counted != state.ratings:
        problems.append(f"aggregates count {state.counted}, table holds {state.ratings}")
    if ledger.unexpected:
        problems.append(f"unexpected answers: {ledger.unexpected[:3]}")
    lost = ledger.statuses.get("no answer", 0) + sum(
        n for status, n in ledger.statuses.items() if status not in (200, 201, "no answer"))
    passed = not problems
    detail = (f"{len(killed)} workers killed; {len(ledger.sent)} ratings sent, "
              f"{state.ratings} stored once each, {state.counted} counted; {lost} answers "
              f"lost or refused and retried ({dict(ledger.statuses)})"
              if passed else "; ".join(problems))
    log(f"[drill worker_dies/{engine}] {'PASS' if passed else 'FAIL'}: {detail}")
    return {"passed": passed, "engine": engine, "detail": detail}


if __name__ == "__main__":
    sys.exit(0 if run(quick="--quick" in sys.argv)["passed"] else 1)
