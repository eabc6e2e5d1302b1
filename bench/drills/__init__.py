"""Reliability drills: each runs by itself (``python -m bench.drills.<name>``) and reports
PASS or FAIL; ``python -m bench drills`` runs them all.

- kiosk_retries: one rating POSTed many times at once is stored once, answered 201 then 200
- worker_dies: gunicorn workers SIGKILLed under load; clients retry with the same id
- database_restarts: a throwaway PostgreSQL cluster restarted under load (503, not 500)
"""

from __future__ import annotations

import importlib

DRILLS = ("kiosk_retries", "worker_dies", "database_restarts")


def run_all(quick: bool = False, log=print) -> dict:
    outcomes = []
    for name in DRILLS:
        module = importlib.import_module(f"bench.drills.{name}")
        outcome = module.run(quick=quick, log=log)
        outcomes.append({"name": name, **outcome})
    return {"drills": outcomes, "passed": all(o["passed"] for o in outcomes)}
