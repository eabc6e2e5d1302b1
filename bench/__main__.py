"""``python -m bench [submit|fold|dashboards|drills|comments|all]`` — see bench/README.md."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from bench import results
from bench.drills import DRILLS
from harness.servers import postgres_server_url


def _engines(args, what: str) -> list[tuple[str, str | None]]:
    """``[(engine, PostgreSQL server url or None)]`` chosen by ``--engine``."""
    engines: list[tuple[str, str | None]] = []
    if args.engine in ("sqlite", "all"):
        engines.append(("sqlite", None))
    if args.engine in ("postgresql", "all"):
        url = postgres_server_url()
        if url is None:
            if args.engine == "postgresql":
                sys.exit("Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server.")
            print(f"[{what}] PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
        else:
            engines.append(("postgresql", url))
    return engines


def _submit(args) -> bool:
    from bench import submit

    settings = submit.Settings(
        duration=args.duration, warmup=args.warmup, rounds=args.rounds,
        connections=args.connections, workers=args.workers, worker_class=args.worker_class,
        threads=args.threads,
    )
    passed = True
    for engine, url in _engines(args, "submit"):
        outcome = submit.run(engine, url, settings)
        passed &= outcome["passed"]
        if args.record:
            results.record(f"submit-{engine}", outcome)
    return passed


def _fold(args) -> bool:
    from bench import fold

    passed = True
    for engine, url in _engines(args, "fold"):
        outcome = fold.run(engine, url, backlog=args.backlog)
        passed &= outcome["passed"]
        if args.record:
            results.record(f"fold-{engine}", outcome)
    return passed


def _dashboards(args) -> bool:
    from bench import dashboards

    passed = True
    for engine, url in _engines(args, "dashboards"):
        outcome = dashboards.run(small=args.small, large=args.large, repeat=args.repeat,
                                 server_url=url)
        passed &= outcome["passed"]
        if args.record:
            results.record(f"dashboards-{engine}", outcome)
    return passed


def _drills(args) -> bool:
    from bench import drills

    passed = True
    chosen = _engines(args, "drills")
    with_postgresql = any(engine == "postgresql" for engine, _url in chosen)
    for engine, url in chosen:
        # database_restarts makes a PostgreSQL cluster of its own: it goes with the
        # PostgreSQL drills, or with SQLite's when no PostgreSQL server is configured.
        own_cluster = engine == "postgresql" or (args.engine == "all" and not with_postgresql)
        outcome = drills.run_all(quick=args.quick, server_url=url, own_cluster=own_cluster,
                                 only=args.drill)
        if not outcome["drills"]:
            continue
        passed &= outcome["passed"]
        if args.record:
            results.record(f"drills-{engine}", outcome)
    return passed


def _comments(args) -> bool:
    from harness import comments_quality

    outcome = comments_quality.run()
    if args.record:
        results.record("comments-quality", {k: v for k, v in outcome.items() if k != "details"})
    return outcome["passed"]


STEPS = {"submit": _submit, "fold": _fold, "dashboards": _dashboards, "drills": _drills,
         "comments": _comments}


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("what", nargs="?", default="all", choices=["all", *STEPS])
    parser.add_argument("--no-record", dest="record", action="store_false",
                        help="do not update bench/results/latest.{md,json}")
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "all"], default="all",
                        help="all: SQLite, and PostgreSQL when BENCH_DATABASE_URL or "
                        "TEST_DATABASE_URL is set")
    parser.add_argument("--quick", action="store_true",
                        help="every step short and small (what the tests run): proves the "
                        "harness works, measures nothing worth keeping")
    submit_options = parser.add_argument_group("submit")
    submit_options.add_argument("--duration", type=float, default=12.0,
                                help="seconds of POSTs per measured run")
    submit_options.add_argument("--warmup", type=float, default=3.0)
    submit_options.add_argument("--rounds", type=int, default=2)
    submit_options.add_argument("--connections", type=int, default=50)
    submit_options.add_argument("--workers", type=int, default=2)
    submit_options.add_argument("--worker-class", default="sync")
    submit_options.add_argument("--threads", type=int, default=1)
    drill_options = parser.add_argument_group("drills")
    drill_options.add_argument("--drill", action="append", metavar="NAME",
                               choices=DRILLS,
                               help="only this drill (repeatable)")
    fold_options = parser.add_argument_group("fold")
    fold_options.add_argument("--backlog", type=int, default=50_000,
                              help="ratings waiting to be folded when the fold starts")
    dashboard_options = parser.add_argument_group("dashboards")
    dashboard_options.add_argument("--large", "--ratings", dest="large", type=int,
                                   default=1_000_000,
                                   help="ratings in the large table (10000000 for the full "
                                   "test: ~20 min on PostgreSQL with COPY, busy 2 cores)")
    dashboard_options.add_argument("--small", type=int, default=10_000,
                                   help="ratings in the small table")
    dashboard_options.add_argument("--repeat", type=int, default=5,
                                   help="timed calls of each query (the median counts)")
    return parser


QUICK = {"duration": 2.0, "warmup": 0.5, "rounds": 2, "connections": 8, "backlog": 2_000,
         "small": 500, "large": 5_000, "repeat": 1}


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.quick:
        defaults = parser().parse_args([])
        for option, value in QUICK.items():
            if getattr(args, option) == getattr(defaults, option):
                setattr(args, option, value)
    chosen = list(STEPS) if args.what == "all" else [args.what]
    print(f"[bench] {', '.join(chosen)} as {_who()}; load {os.getloadavg()[0]:.1f}")
    passed = True
    # Every database, log and wrk report of this run goes into one folder (0700), removed at
    # the end. The restart drill's PostgreSQL cluster is made outside it, where the server's
    # user can reach it (bench/drills/database_restarts.py: cluster_parent).
    with tempfile.TemporaryDirectory(prefix="suara-bench-") as folder:
        previous, tempfile.tempdir = tempfile.tempdir, folder
        try:
            for name in chosen:
                passed &= STEPS[name](args)
        finally:
            tempfile.tempdir = previous
    if args.record:
        print(f"results: {Path(results.MARKDOWN).relative_to(results.ROOT)}")
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


def _who() -> str:
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


if __name__ == "__main__":
    sys.exit(main())
