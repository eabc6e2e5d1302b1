"""Drill: the database restarts. A throwaway PostgreSQL cluster of our own (initdb into a
temporary folder, its own port) serves the app under load; mid-run it is restarted with
``pg_ctl restart -m fast``. While it is down the app must answer 503 (never 500), it must
recover by itself (pool_pre_ping), and every rating the clients sent — again and again,
same id, until acknowledged — is stored exactly once and counted once.
``python -m bench.drills.database_restarts`` (needs PostgreSQL's server binaries; as root
they run as the postgres user). The machine's own PostgreSQL server is never touched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text

from bench.drills.client import Ledger, deliver, rating
from bench.drills.state import stored_state
from bench.servers import Server, free_port, seed

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))


def available() -> str | None:
    """Why the drill cannot run here, or None."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {BIN} (set PG_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def _as_postgres(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@contextmanager
def throwaway_cluster():
    """A PostgreSQL cluster in a temporary folder on a free port; yields (url, restart)."""
    folder = Path(tempfile.mkdtemp(prefix="suara-pg-"))
    data, port = folder / "data", free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    run = lambda *args: subprocess.run(_as_postgres([str(a) for a in args]),  # noqa: E731
                                       check=True, capture_output=True, text=True, timeout=120)
    run(BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    pg_ctl = [BIN / "pg_ctl", "-D", data, "-o", options, "-l", folder / "server.log", "-w"]
    run(*pg_ctl, "start")
    try:
        admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE drill"))
        admin.dispose()
        yield (f"postgresql+psycopg://postgres@127.0.0.1:{port}/drill",
               lambda: run(*pg_ctl, "-m", "fast", "restart"))
    finally:
        subprocess.run(_as_postgres([str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate",
                                     "stop"]), capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False, log=print, workdir: Path | None = None) -> dict:
    reason = available()
    if reason:
        log(f"[drill database_restarts] SKIPPED: {reason}")
        return {"passed": True, "skipped": True, "engine": "postgresql", "detail": reason}
    from core.migrate import upgrade

    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-drill-"))
    clients, before, after = (4, 1.5, 2.0) if quick else (12, 5.0, 8.0)
    log(f"[drill database_restarts] {clients} clients; restart after {before:.0f} s")
    ledger = Ledger()
    lock = threading.Lock()
    outage: dict[str, float] = {}
    while_down: Counter = Counter()
    with throwaway_cluster() as (url, restart):
        upgrade(url)
        organisation = seed(url)
        with Server(url, workers=2).start(workdir) as server:
            stop = time.monotonic() + before + after
            deadline = stop + 60

            def note(status):
                if "start" in outage and "end" not in outage:
                    with lock:
                        while_down[status or "no answer"] += 1

            def client():
                mine = Ledger()
                while time.monotonic() < stop:
                    deliver(server.url, rating(organisation.token), mine, deadline, note)
                with lock:
                    ledger.statuses.update(mine.statuses)
                    ledger.sent |= mine.sent
                    ledger.acknowledged |= mine.acknowledged
                    ledger.unexpected += mine.unexpected

            def restarter():
                time.sleep(before)
                outage["start"] = time.monotonic()
                restart()
                outage["end"] = time.monotonic()

            threads = [threading.Thread(target=client) for _ in range(clients)]
            threads.append(threading.Thread(target=restarter))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            server_log = server.log()
        state = stored_state(url)
    problems = []
    if ledger.statuses.get(500):
        problems.append(f"{ledger.statuses[500]} answers were 500")
    if not while_down.get(503):
        problems.append(f"no 503 while the database was down (answers then: {dict(while_down)})")
    if ledger.sent - ledger.acknowledged:
        problems.append(f"{len(ledger.sent - ledger.acknowledged)} ratings never acknowledged "
                        "(the app did not recover)")
    if state.ids != ledger.sent:
        problems.append(f"{state.ratings} distinct ids stored for {len(ledger.sent)} sent")
    if state.counted != state.ratings:
        problems.append(f"aggregates count {state.counted}, table holds {state.ratings}")
    if ledger.unexpected:
        problems.append(f"unexpected answers: {ledger.unexpected[:3]}")
    if "Traceback" in server_log:
        problems.append("the server logged a traceback")
    passed = not problems
    down = outage.get("end", 0) - outage.get("start", 0)
    detail = (f"restart took {down:.1f} s; answers meanwhile {dict(while_down)}; "
              f"{len(ledger.sent)} ratings sent, {state.ratings} stored once each, "
              f"{state.counted} counted; all answers {dict(ledger.statuses)}"
              if passed else "; ".join(problems))
    log(f"[drill database_restarts] {'PASS' if passed else 'FAIL'}: {detail}")
    return {"passed": passed, "engine": "postgresql", "detail": detail}


if __name__ == "__main__":
    sys.exit(0 if run(quick="--quick" in sys.argv)["passed"] else 1)
