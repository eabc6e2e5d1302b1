"""Drill: the database restarts. A throwaway PostgreSQL cluster of our own (initdb into a
temporary folder, its own port) serves the app under load; mid-run it is restarted with
``pg_ctl restart -m fast``. While it is down the app must answer 503 (never 500), it must
recover by itself (pool_pre_ping), and every rating the clients sent — again and again,
same id, until acknowledged — is stored exactly once and counted once.
``python -m bench.drills.database_restarts`` (needs PostgreSQL's server binaries; as root
they run as the postgres user). The machine's own PostgreSQL server is never touched."""

from __future__ import annotations

import os
import pwd
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
from sqlalchemy.exc import SQLAlchemyError

from bench.drills.client import Ledger, deliver, rating
from bench.drills.state import catch_up, stopped_cleanly, stored_state
from harness.servers import FoldWorker, Server, fold_available, free_port, seed

BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
SERVER_USER = "postgres"  # who runs the cluster's server when we are root


class ClusterUnavailable(Exception):
    """The drill could not start a PostgreSQL cluster of its own (the reason is the message)."""


def available() -> str | None:
    """Why the drill cannot run here at all, or None."""
    if not (BIN / "initdb").exists():
        return f"PostgreSQL server binaries not found in {BIN} (set PG_BIN)"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "running as root without runuser"
    return None


def _as_server_user(command: list[str]) -> list[str]:
    # initdb and the server refuse to run as root.
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


def _reachable(folder: Path) -> bool:
    """Whether the server's user can enter ``folder`` and make a folder in it."""
    if not folder.is_dir():
        return False
    if os.geteuid() != 0:
        return os.access(folder, os.W_OK | os.X_OK)
    done = subprocess.run(_as_server_user(["test", "-w", str(folder), "-a", "-x", str(folder)]),
                          capture_output=True, timeout=30)
    return done.returncode == 0


def cluster_parent() -> Path:
    """Where the cluster's folder is made: ``PG_DRILL_DIR``, else the system's temporary
    folder — never the bench run's own folder, which ``mkdtemp`` makes 0700 for whoever runs
    the bench, so that as root the ``postgres`` user could not enter it (issue 15)."""
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            raise ClusterUnavailable(f"running as root, and there is no {SERVER_USER} user to "
                                     "run the server as") from None
    candidates = [os.environ.get("PG_DRILL_DIR"), os.environ.get("TMPDIR"), "/tmp", "/var/tmp"]
    tried = []
    for candidate in filter(None, candidates):
        folder = Path(candidate)
        if _reachable(folder):
            return folder
        tried.append(candidate)
    who = f"the {SERVER_USER} user" if os.geteuid() == 0 else "this user"
    raise ClusterUnavailable(f"no folder {who} can write to for the cluster "
                             f"(tried {', '.join(tried)}; set PG_DRILL_DIR)")


def _explain(error: Exception) -> str:
    """One line saying what failed, from a failed command or connection."""
    if isinstance(error, subprocess.CalledProcessError | subprocess.TimeoutExpired):
        command = [str(part) for part in error.cmd]
        if command[0] == "runuser":
            command = command[command.index("--") + 1:]
        name = Path(command[0]).name + (f" {command[-1]}" if command[0].endswith("pg_ctl") else "")
        if isinstance(error, subprocess.TimeoutExpired):
            return f"{name} timed out after {error.timeout:.0f} s"
        output = (error.stderr or error.stdout or "").strip().splitlines()
        return f"{name} exited {error.returncode}: {' / '.join(output[-3:])[:400]}"
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0][:400] if message else ''}"


@contextmanager
def throwaway_cluster(parent: Path | None = None):
    """A PostgreSQL cluster in a folder of its own on a free port; yields (url, restart).
    Raises ClusterUnavailable, with the reason, if it cannot be made or started."""
    folder = Path(tempfile.mkdtemp(prefix="suara-pg-", dir=parent or cluster_parent()))
    data, port = folder / "data", free_port()
    started = False
    run = lambda *args: subprocess.run(_as_server_user([str(a) for a in args]),  # noqa: E731
                                       check=True, capture_output=True, text=True, timeout=120)
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
    pg_ctl = [BIN / "pg_ctl", "-D", data, "-o", options, "-l", folder / "server.log", "-w"]
    try:
        try:
            if os.geteuid() == 0:
                shutil.chown(folder, SERVER_USER, SERVER_USER)
            run(BIN / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
            run(*pg_ctl, "start")
            started = True
            admin = create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres",
                                  isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("CREATE DATABASE drill"))
            admin.dispose()
        except (OSError, LookupError, subprocess.SubprocessError, SQLAlchemyError) as error:
            log_file = folder / "server.log"
            tail = ""
            if log_file.exists():
                lines = log_file.read_text(errors="replace").strip().splitlines()
                tail = f"; server log: {' / '.join(lines[-2:])[:300]}" if lines else ""
            raise ClusterUnavailable(f"{_explain(error)}{tail} (cluster folder {folder})") \
                from error
        yield (f"postgresql+psycopg://postgres@127.0.0.1:{port}/drill",
               lambda: run(*pg_ctl, "-m", "fast", "restart"))
    finally:
        if started or (data / "postmaster.pid").exists():
            subprocess.run(_as_server_user([str(BIN / "pg_ctl"), "-D", str(data), "-m",
                                            "immediate", "stop"]),
                           capture_output=True, timeout=60)
        shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool = False, log=print, workdir: Path | None = None) -> dict:
    reason = available()
    if reason:
        log(f"[drill database_restarts] SKIPPED: {reason}")
        return {"passed": True, "skipped": True, "engine": "postgresql", "detail": reason}
    workdir = workdir or Path(tempfile.mkdtemp(prefix="suara-drill-"))
    try:
        return _run(quick, log, workdir)
    except ClusterUnavailable as error:
        detail = f"could not start its own PostgreSQL cluster: {error}"
        log(f"[drill database_restarts] FAIL: {detail}")
        return {"passed": False, "engine": "postgresql", "detail": detail}


def _run(quick: bool, log, workdir: Path) -> dict:
    from core.migrate import upgrade

    clients, before, after = (4, 1.5, 2.0) if quick else (12, 5.0, 8.0)
    log(f"[drill database_restarts] {clients} clients; restart after {before:.0f} s")
    ledger = Ledger()
    lock = threading.Lock()
    outage: dict[str, float] = {}
    while_down: Counter = Counter()
    fold_problems: list[str] = []
    with throwaway_cluster() as (url, restart):
        upgrade(url)
        organisation = seed(url)
        folding = fold_available(url)
        with Server(url, workers=2).start(workdir) as server, \
                FoldWorker(url, name="fold-restart") as fold:
            if folding:
                fold.start(workdir)
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
                ledger.merge(mine, lock)

            def restarter():
                time.sleep(before)
                outage["start"] = time.monotonic()
                try:
                    restart()
                except (OSError, subprocess.SubprocessError) as error:
                    outage["failed"] = _explain(error)
                outage["end"] = time.monotonic()

            threads = [threading.Thread(target=client) for _ in range(clients)]
            threads.append(threading.Thread(target=restarter))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            server_log = server.log()
            if folding:
                # The fold worker must live through the restart too, and catch up by itself.
                fold_problems += catch_up(url, len(ledger.sent), fold)
                fold_problems += stopped_cleanly(fold)
        state = stored_state(url)
    problems = list(fold_problems)
    if "failed" in outage:
        problems.append(f"the restart itself failed: {outage['failed']}")
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
        # Its last lines name the exception, so a failure in CI can be told apart.
        lines = server_log[server_log.index("Traceback"):].splitlines()[:40]
        last = next((line for line in reversed(lines) if line and not line.startswith(" ")),
                    "")
        problems.append(f"the server logged a traceback ({last.strip()[:300]})")
    passed = not problems
    down = outage.get("end", 0) - outage.get("start", 0)
    detail = (f"restart took {down:.1f} s; answers meanwhile {dict(while_down)}; "
              f"{len(ledger.sent)} ratings sent, {state.ratings} stored once each, "
              f"{state.counted} counted"
              + ("; the fold worker lived through it and caught up" if folding else "")
              + f"; all answers {dict(ledger.statuses)}"
              if passed else "; ".join(problems))
    log(f"[drill database_restarts] {'PASS' if passed else 'FAIL'}: {detail}")
    return {"passed": passed, "engine": "postgresql", "detail": detail}


if __name__ == "__main__":
    sys.exit(0 if run(quick="--quick" in sys.argv)["passed"] else 1)
