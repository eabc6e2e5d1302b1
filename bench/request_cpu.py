"""CPU per rating request, in one process: the full app against the bare one-INSERT view.

``python -m bench.request_cpu`` builds both apps the way the submit benchmark serves them
(``wsgi:app``'s ``create_app`` with the settings harness.servers gives gunicorn, and
``bench.baseline_app``), each on its own fresh migrated SQLite database seeded by
``harness.servers.seed``, and calls each WSGI callable directly with the body wrk sends
(a new id every time). CPU time (``time.process_time``: user + system, so the commit's
fsync counts) is summed over interleaved blocks (baseline, app, app, baseline …), so a
drift in the machine's load costs both alike; the ratio baseline ÷ app is what the submit
benchmark's CPU ratio tends to, without gunicorn, wrk or the fold worker beside it.

``--profile`` runs the app's requests once more under cProfile with the same CPU clock and
prints where the time goes; ``--limits`` measures the app with its rate limits on (the
production path: a file store in the run's folder)."""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from harness.servers import SECRET_KEY, seed, temporary_database

ANSWERS = '"answers":{"U1":4,"U2":3,"U3":3,"U4":4,"U5":2,"U6":3,"U7":4,"U8":3,"U9":4}'
PATH = "/api/v1/ratings"


def body(token: str) -> bytes:
    """What bench/wrk/post_rating.lua sends: a new id, the counter's token, nine answers."""
    return f'{{"id":"{uuid.uuid4()}","token":"{token}",{ANSWERS}}}'.encode()


def environ(payload: bytes) -> dict:
    """The WSGI environ gunicorn's sync worker hands the app for wrk's POST."""
    return {
        "REQUEST_METHOD": "POST", "SCRIPT_NAME": "", "PATH_INFO": PATH, "RAW_URI": PATH,
        "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "40000",
        "HTTP_HOST": "127.0.0.1:8000", "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": str(len(payload)), "wsgi.input": io.BytesIO(payload),
        "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
        "wsgi.multithread": False, "wsgi.multiprocess": True, "wsgi.run_once": False,
        "wsgi.input_terminated": True,
    }


class Target:
    """One WSGI app and the token its requests carry."""

    def __init__(self, name: str, wsgi: Callable, token: str):
        self.name, self.wsgi, self.token = name, wsgi, token
        self.blocks: list[float] = []  # CPU seconds of each block
        self.requests = 0

    def call(self) -> str:
        statuses: list[str] = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        result = self.wsgi(environ(body(self.token)), start_response)
        try:
            for _chunk in result:
                pass
        finally:
            if hasattr(result, "close"):
                result.close()
        return statuses[0]

    def block(self, n: int) -> None:
        started = time.process_time()
        for _ in range(n):
            status = self.call()
            if not status.startswith("201"):
                raise RuntimeError(f"{self.name}: answered {status}, not 201")
        self.blocks.append(time.process_time() - started)
        self.requests += n

    @property
    def ms_per_request(self) -> float:
        return 1000 * sum(self.blocks) / self.requests


def build(folder: Path, limits: bool) -> tuple[Target, Target]:
    """The baseline and the app, each on a fresh migrated, seeded SQLite database."""
    from bench import baseline_app
    from core import create_app

    base_url = _enter(temporary_database(folder, prefix="base"))
    app_url = _enter(temporary_database(folder, prefix="app"))
    base_seed, app_seed = seed(base_url), seed(app_url)
    baseline = baseline_app.create_app(base_url, base_seed.unit_id)
    # What harness.servers.Server puts in gunicorn's environment, as overrides.
    config = {"DATABASE_URL": app_url, "SECRET_KEY": SECRET_KEY,
              "BASE_URL": "http://127.0.0.1:8000", "RATELIMIT_ENABLED": limits}
    if limits:
        config["RATELIMIT_FILE"] = folder / "ratelimit.db"
        # Generous limits: every request here comes from one address.
        for key in ("RATELIMIT_ADDRESS", "RATELIMIT_ANONYMOUS", "RATELIMIT_DEVICE"):
            config[key] = "1000000/minute"
    app = create_app(config)
    return (Target("baseline", baseline.wsgi_app, base_seed.token),
            Target("app", app.wsgi_app, app_seed.token))


_contexts: list = []


def _enter(context):
    value = context.__enter__()
    _contexts.append(context)
    return value


def measure(baseline: Target, app: Target, *, requests: int, rounds: int,
            warmup: int) -> dict:
    for target in (baseline, app):
        for _ in range(warmup):
            target.call()
    for round_ in range(rounds):
        order = (baseline, app) if round_ % 2 == 0 else (app, baseline)
        for target in order:
            target.block(requests)
    # Each round's two blocks ran side by side: their ratio shares the machine's load then.
    per_round = sorted(b / a for b, a in zip(baseline.blocks, app.blocks, strict=True))
    return {"baseline_ms": baseline.ms_per_request, "app_ms": app.ms_per_request,
            "ratio": baseline.ms_per_request / app.ms_per_request,
            "median_ratio": statistics.median(per_round),
            "quartiles": (per_round[len(per_round) // 4], per_round[3 * len(per_round) // 4])}


def profile(app: Target, requests: int, limit: int, sort: str) -> str:
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        app.call()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(limit)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.request_cpu", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100, help="per block (default 100)")
    parser.add_argument("--rounds", type=int, default=20, help="blocks of each (default 20)")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--folder", type=Path, default=None,
                        help="where the databases go (default: the system's temporary "
                             "folder); /dev/shm leaves the disk's fsync out, which steadies "
                             "the Python part of the numbers but flatters the ratio")
    parser.add_argument("--limits", action="store_true",
                        help="the app with its rate limits on (the production path)")
    parser.add_argument("--profile", action="store_true",
                        help="then cProfile the app's requests (CPU clock)")
    parser.add_argument("--profile-requests", type=int, default=2000)
    parser.add_argument("--sort", default="tottime", help="pstats order (tottime, cumulative)")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="suara-request-cpu-",
                                     dir=args.folder) as folder:
        try:
            baseline, app = build(Path(folder), args.limits)
            result = measure(baseline, app, requests=args.requests, rounds=args.rounds,
                             warmup=args.warmup)
            times = result["app_ms"] / result["baseline_ms"]
            print(f"CPU per rating request ({args.rounds} × {args.requests} each, "
                  f"limits {'on' if args.limits else 'off'}, load {os.getloadavg()[0]:.1f}): "
                  f"baseline {result['baseline_ms']:.3f} ms, app {result['app_ms']:.3f} ms, "
                  f"ratio {result['ratio']:.2f} (the app costs {times:.2f}× the baseline); "
                  f"per round: median {result['median_ratio']:.2f}, quartiles "
                  f"{result['quartiles'][0]:.2f}–{result['quartiles'][1]:.2f}")
            if args.profile:
                print(profile(app, args.profile_requests, args.top, args.sort))
        finally:
            while _contexts:
                _contexts.pop().__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
