"""bench/results/latest.json (every section's last outcome, with the machine it ran on) and
latest.md (the same, for people)."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
JSON = HERE / "results" / "latest.json"
MARKDOWN = HERE / "results" / "latest.md"


def _first_line(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return ((done.stdout or done.stderr).strip().splitlines() or ["unknown"])[0]


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    from importlib.metadata import version

    return {
        "host": platform.node(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "gunicorn": version("gunicorn"),
        "flask": version("flask"),
        "sqlalchemy": version("sqlalchemy"),
        "wrk": _first_line([shutil.which("wrk") or "wrk", "--version"])[:40],
        "postgresql": _first_line(["psql", "--version"]),
    }


def load() -> dict:
    try:
        return json.loads(JSON.read_text())
    except (OSError, ValueError):
        return {}


def record(section: str, outcome: dict) -> None:
    """Store ``outcome`` as the latest result of ``section`` and rewrite both files."""
    data = load()
    data.setdefault("sections", {})[section] = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "outcome": outcome,
    }
    JSON.parent.mkdir(parents=True, exist_ok=True)
    JSON.write_text(json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")
    MARKDOWN.write_text(render(data))


def _verdict(passed: bool) -> str:
    return "**PASS**" if passed else "**FAIL**"


def render(data: dict) -> str:
    lines = ["# Latest benchmark results", "",
             "Written by `python -m bench` (`make bench`); ratios are against a baseline "
             "measured in the same run. See bench/README.md for what each number means.", ""]
    sections = data.get("sections", {})
    for name in sorted(sections):
        entry = sections[name]
        outcome = entry["outcome"]
        lines += [f"## {name}", "", f"{entry['date']} on {_machine_line(entry['machine'])}", ""]
        if name.startswith("submit-"):
            lines += _render_submit(outcome)
        elif name.startswith("fold-"):
            lines += _render_fold(outcome)
        elif name.startswith("dashboards"):
            lines += _render_dashboards(outcome)
        elif name.startswith("drills"):
            lines += _render_drills(outcome)
        elif name.startswith("comments"):
            lines += _render_comments(outcome)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _render_comments(o: dict) -> list[str]:
    lines = [f"{o['comments']} labelled comments (harness/data/comments_labelled.txt).", "",
             "| | precision | recall | tp | fp | fn |", "|---|---:|---:|---:|---:|---:|"]
    rows = [*o["tags"].items(), *((f"mask {k}", v) for k, v in o["masking"].items())]
    lines += [f"| {name} | {c['precision']:.3f} | {c['recall']:.3f} | {c['tp']} | {c['fp']} | "
              f"{c['fn']} |" for name, c in rows]
    targets = ", ".join(f"{k} ≥ {v}" for k, v in o["targets"].items())
    return [*lines, "", f"- targets: {targets} → {_verdict(o['passed'])}"]


def _machine_line(m: dict) -> str:
    return (f"{m['cores']} cores ({m['cpu']}), load {m['load_average']}, Python {m['python']}, "
            f"SQLite {m['sqlite']}, gunicorn {m['gunicorn']}, {m['postgresql']}")


def _render_submit(o: dict) -> list[str]:
    s = o["settings"]
    lines = [
        f"{s['workers']} gunicorn {s['worker_class']} workers (× {s['threads']} threads) for "
        f"both, wrk with {s['connections']} connections, {s['rounds']} interleaved rounds of "
        f"{s['duration']:.0f} s each.", "",
        "| | req/s | p50 ms | p90 ms | p99 ms | max ms | ratings |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for target in ("baseline", "app"):
        t = o[target]
        lines.append(f"| {target} | {t['rate']:.0f} | {t['p50_ms']} | {t['p90_ms']} | "
                     f"{t['p99_ms']} | {t['max_ms']} | {t['created']} |")
    lines += [
        "",
        f"- ratio app ÷ baseline: **{o['ratio']:.2f}** (per round: "
        f"{', '.join(f'{r:.2f}' for r in o['ratio_per_round'])}); bar ≥ "
        f"{o.get('min_ratio', 0.6):.2f} → "
        f"{_verdict(o['ratio_ok'])}",
        f"- app p99: **{o['app']['p99_ms']} ms**; bar < 100 ms → {_verdict(o['p99_ok'])}",
        f"- server CPU per rating: baseline {o['baseline'].get('cpu_ms_per_rating')} ms, app "
        f"{o['app'].get('cpu_ms_per_rating')} ms (ratio {o.get('cpu_ratio')}: what the rate "
        "ratio tends to when both are CPU-bound)",
        f"- stored ratings = 201 answers, nothing else answered → {_verdict(o['counts_ok'])}",
    ]
    fold = o.get("fold")
    if fold:
        lines += [
            f"- fold worker beside the app: CPU per rating "
            f"{o['app'].get('fold_cpu_ms_per_rating')} ms (app + fold "
            f"{o.get('cpu_ratio_with_fold')} of the baseline's by CPU)",
            f"- fold lag, from a 201 to counted in the aggregates, under this load: p50 "
            f"{fold['lag_p50_ms']} ms, p99 {fold['lag_p99_ms']} ms, max **{fold['lag_max_ms']} "
            f"ms** over {fold['probes']} probes; bar < {fold['max_lag_ms']:.0f} ms → "
            f"{_verdict(fold['lag_ok'])}"
            + ("" if fold.get("fold_worker_alive", True) else " (the fold worker died)"),
        ]
    elif "fold" in o:
        lines.append("- fold: none in this app (each request counts its own rating); no lag")
    lines += [f"- overall: {_verdict(o['passed'])}"]
    lines += [f"  - {failure}" for failure in o.get("failures", [])]
    lines += ["", "| round | target | req/s | p50 ms | p99 ms | 201s | stored |",
              "|---:|---|---:|---:|---:|---:|---:|"]
    for r in o["runs"]:
        lines.append(f"| {r['round']} | {r['target']} | {r['rate']:.0f} | {r['p50_ms']} | "
                     f"{r['p99_ms']} | {r['created']} | {r['stored']} |")
    return lines


def _render_dashboards(o: dict) -> list[str]:
    lines = [f"Small table: {o['small']:,} ratings; large: {o['large']:,} "
             f"(generated in {o['generate_seconds']:.0f} s"
             + (f" with {o['generation']}" if o.get("generation") else "")
             + f"). Median of {o['repeat']} calls"
             + (", timed small, large, large, small" if o.get("alternated") else "") + ".", "",
             "| query | small ms | large ms | large ÷ small | verdict |",
             "|---|---:|---:|---:|---|"]
    for q in o["queries"]:
        lines.append(f"| {q['name']} | {q['small_ms']:.2f} | {q['large_ms']:.2f} | "
                     f"{q['ratio']:.2f} | {'ok' if q['ok'] else '**scans ratings**'} |")
    lines += ["", f"Overall: {_verdict(o['passed'])} (no query that reads the rating table "
              f"grows more than ×{o['max_ratio']})"]
    for q in o["queries"]:
        if q.get("scans"):
            lines.append(f"- {q['name']}: {q['scans']}")
    lines += [f"- **FAIL**: {failure}" for failure in o.get("failures", [])]
    return lines


def _render_fold(o: dict) -> list[str]:
    if o.get("skipped"):
        return [f"Skipped: {o['detail']}"]
    target = o.get("min_rate")
    lines = [
        f"A backlog of {o['backlog']:,} ratings (stored in {o['generate_seconds']:.0f} s "
        f"through `record_rating`), folded by `fold_pending(session, limit=None)` in one "
        f"process (load when it started: {o.get('load_average')}).", "",
        f"- folded **{o['folded']:,} ratings in {o['seconds']:.2f} s: {o['rate']:,.0f}/s**"
        + (f"; bar ≥ {target:,.0f}/s → {_verdict(o['rate_ok'])}" if target else
           " (no bar on this engine)"),
        f"- CPU per rating (the fold's Python, not the database server's): "
        f"{o['cpu_ms_per_rating']} ms",
        f"- every stored rating counted once, a second fold finds nothing → "
        f"{_verdict(o['counts_ok'])}",
    ]
    lines += [f"  - {failure}" for failure in o.get("failures", [])]
    lines.append(f"- overall: {_verdict(o['passed'])}")
    return lines


def _drill_verdict(d: dict) -> str:
    return "skipped" if d.get("skipped") else _verdict(d["passed"])


def _render_drills(o: dict) -> list[str]:
    lines = []
    if o.get("quick"):
        lines += ["Short form (`--quick`): proves the drills work, not how much they take.", ""]
    lines += ["| drill | verdict | detail |", "|---|---|---|"]
    for d in o["drills"]:
        detail = str(d["detail"]).replace("|", "/").replace("\n", " ")
        lines.append(f"| {d['name']} | {_drill_verdict(d)} | {detail} |")
    return lines
