"""Reliability drills: each runs by itself (``python -m bench.drills.<name>``) and reports
PASS or FAIL; ``python -m bench drills`` runs them all, on each engine.

- kiosk_retries: one rating POSTed many times at once is stored once, answered 201 then 200
- worker_dies: gunicorn workers SIGKILLed under load; clients retry with the same id
- many_hosts: two or three app hosts (gunicorn + fold worker each) on one database and one
  Redis; one host and one fold worker SIGKILLed under load
- database_restarts: a throwaway PostgreSQL cluster restarted under load (503, not 500)

A drill that breaks (cannot start its cluster, a server that will not come up, anything)
is a FAIL with its reason, never a traceback that stops the others.
"""

from __future__ import annotations

import importlib
import traceback
from pathlib import Path

# On the engine given: SQLite (server_url None) or a PostgreSQL server.
ON_EITHER_ENGINE = ("kiosk_retries", "worker_dies", "many_hosts")
# PostgreSQL only, on a cluster of its own (never the server the others use).
OWN_CLUSTER = ("database_restarts",)
DRILLS = ON_EITHER_ENGINE + OWN_CLUSTER


def run_one(name: str, quick: bool = False, log=print, workdir: Path | None = None,
            **options) -> dict:
    """One drill's outcome: ``{"name", "passed", "engine", "detail", …}``."""
    module = importlib.import_module(f"bench.drills.{name}")
    try:
        outcome = module.run(quick=quick, log=log, workdir=workdir, **options)
    except Exception as error:  # noqa: BLE001 — a broken drill is a FAIL, with its reason
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = (str(error).strip().splitlines() or [""])[0][:400]
        detail = (f"the drill broke: {type(error).__name__}: {message} "
                  f"({Path(where.filename).name}:{where.lineno})")
        log(f"[drill {name}] FAIL: {detail}")
        outcome = {"passed": False, "detail": detail}
    return {"name": name, **outcome}


def run_all(quick: bool = False, log=print, server_url: str | None = None,
            workdir: Path | None = None, own_cluster: bool = True,
            only: list[str] | None = None) -> dict:
    """Every drill (or those named in ``only``) on one engine: SQLite (``server_url`` None)
    or that PostgreSQL server; ``own_cluster`` adds database_restarts, which always runs on
    a cluster of its own."""
    names = [name for name in ON_EITHER_ENGINE + (OWN_CLUSTER if own_cluster else ())
             if only is None or name in only]
    outcomes = []
    for name in names:
        options = {} if name in OWN_CLUSTER else {"server_url": server_url}
        outcomes.append(run_one(name, quick=quick, log=log, workdir=workdir, **options))
    return {"drills": outcomes,
            "passed": all(o["passed"] for o in outcomes),
            "quick": quick}
