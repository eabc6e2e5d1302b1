"""``python -m bench [submit|dashboards|drills|comments|all]`` — see bench/README.md."""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from bench import results
from bench.servers import postgres_server_url


def _submit(args) -> bool:
    from bench import submit

    settings = submit.Settings(
        duration=args.duration, warmup=args.warmup, rounds=args.rounds,
        connections=args.connections, workers=args.workers, worker_class=args.worker_class,
        threads=args.threads,
    )
    engines = []
    if args.engine in ("sqlite", "all"):
        engines.append(("sqlite", None))
    if args.engine in ("postgresql", "all"):
        url = postgres_server_url()
        if url is None:
            if args.engine == "postgresql":
                sys.exit("Set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a PostgreSQL server.")
            print("[submit] PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
        else:
            engines.append(("postgresql", url))
    passed = True
    for engine, url in engines:
        outcome = submit.run(engine, url, settings)
        passed &= outcome["passed"]
        if args.record:
            results.record(f"submit-{engine}", outcome)
    return passed


def _dashboards(args) -> bool:
    from bench import dashboards

    outcome = dashboards.run(small=args.small, large=args.ratings, repeat=args.repeat)
    if args.record:
        results.record("dashboards-sqlite", outcome)
    return outcome["passed"]


def _drills(args) -> bool:
    from bench import drills

    outcome = drills.run_all(quick=args.quick)
    if args.record:
        # kiosk_retries and worker_dies run on the engine configured (SQLite by default).
        results.record("drills-" + ("postgresql" if postgres_server_url() else "sqlite"), outcome)
    return outcome["passed"]


def _comments(args) -> bool:
    from bench import comments_quality

    outcome = comments_quality.run()
    if args.record:
        results.record("comments-quality", {k: v for k, v in outcome.items() if k != "details"})
    return outcome["passed"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("what", nargs="?", default="all",
                        choices=["all", "submit", "dashboards", "drills", "comments"])
    parser.add_argument("--no-record", dest="record", action="store_false",
                        help="do not update bench/results/latest.{md,json}")
    submit_options = parser.add_argument_group("submit")
    submit_options.add_argument("--engine", choices=["sqlite", "postgresql", "all"],
                                default="all", help="all: SQLite, and PostgreSQL when "
                                "BENCH_DATABASE_URL or TEST_DATABASE_URL is set")
    submit_options.add_argument("--duration", type=float, default=12.0,
                                help="seconds of POSTs per measured run")
    submit_options.add_argument("--warmup", type=float, default=3.0)
    submit_options.add_argument("--rounds", type=int, default=2)
    submit_options.add_argument("--connections", type=int, default=50)
    submit_options.add_argument("--workers", type=int, default=2)
    submit_options.add_argument("--worker-class", default="sync")
    submit_options.add_argument("--threads", type=int, default=1)
    dashboard_options = parser.add_argument_group("dashboards")
    dashboard_options.add_argument("--ratings", type=int, default=1_000_000,
                                   help="ratings in the large table (10000000 for the full test)")
    dashboard_options.add_argument("--small", type=int, default=10_000,
                                   help="ratings in the small table")
    dashboard_options.add_argument("--repeat", type=int, default=5,
                                   help="timed calls of each query (the median counts)")
    drill_options = parser.add_argument_group("drills")
    drill_options.add_argument("--quick", action="store_true",
                               help="shorter drills (what the tests run)")
    args = parser.parse_args(argv)

    steps = {"submit": _submit, "dashboards": _dashboards, "drills": _drills,
             "comments": _comments}
    chosen = list(steps) if args.what == "all" else [args.what]
    passed = True
    # Every database, log and wrk report of this run goes into one folder, removed at the end.
    with tempfile.TemporaryDirectory(prefix="suara-bench-") as folder:
        previous, tempfile.tempdir = tempfile.tempdir, folder
        try:
            for name in chosen:
                passed &= steps[name](args)
        finally:
            tempfile.tempdir = previous
    if args.record:
        print(f"results: {Path(results.MARKDOWN).relative_to(results.ROOT)}")
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
