"""Drill: a kiosk retries — the same rating POSTed many times at once, from many threads.
Exactly one is stored (and counted once in the aggregates), one answer is 201 and every
other 200. ``python -m bench.drills.kiosk_retries``"""

from __future__ import annotations

import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

from bench.drills.client import post, rating
from bench.drills.state import settle, stored_state
from harness.servers import CONFIGURED, Server, resolve_engine, seed, temporary_database


def run(quick: bool = False, log=print, workdir: Path | None = None,
        server_url: str | None = CONFIGURED) -> dict:
    """``server_url``: a PostgreSQL server to run on, None for SQLite; by default
    BENCH_DATABASE_URL / TEST_DATABASE_URL if set, else SQLite."""
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-drill-"))
    threads, ratings = (8, 3) if quick else (32, 10)
    engine, server_url = resolve_engine(server_url)
    log(f"[drill kiosk_retries/{engine}] {ratings} ratings, each sent by {threads} threads at once")
    with temporary_database(workdir, server_url, "retry") as url:
        organisation = seed(url)
        with Server(url, workers=4).start(workdir) as server:
            answers: list[Counter] = []
            for _ in range(ratings):
                body = rating(organisation.token)
                seen: Counter = Counter()
                lock = threading.Lock()
                start = threading.Barrier(threads)

                def send(body=body, seen=seen, lock=lock, start=start):
                    start.wait()
                    status, _payload = post(server.url, body)
                    with lock:
                        seen[status] += 1

                workers = [threading.Thread(target=send) for _ in range(threads)]
                for worker in workers:
                    worker.start()
                for worker in workers:
                    worker.join()
                answers.append(seen)
        problems = settle(url, workdir)  # the fold, if the app has one, counts them now
        state = stored_state(url)
    for number, seen in enumerate(answers, start=1):
        if seen[201] != 1 or seen[200] != threads - 1:
            problems.append(f"rating {number}: answers {dict(seen)}")
    if state.ratings != ratings:
        problems.append(f"{state.ratings} ratings stored for {ratings} sent")
    if state.counted != state.ratings:
        problems.append(f"aggregates count {state.counted} ratings, table holds {state.ratings}")
    passed = not problems
    detail = (f"{ratings} ratings × {threads} concurrent copies: one 201 and {threads - 1} "
              f"200s each, {state.ratings} stored, {state.counted} counted"
              if passed else "; ".join(problems))
    log(f"[drill kiosk_retries/{engine}] {'PASS' if passed else 'FAIL'}: {detail}")
    return {"passed": passed, "engine": engine, "detail": detail}


if __name__ == "__main__":
    sys.exit(0 if run(quick="--quick" in sys.argv)["passed"] else 1)
