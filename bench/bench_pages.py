"""Benchmark: server-side time of every kind of page of a 100,000-row plan, and of the lists at 100,000 rows.

Loads N learners enrolled in one course, plans a roster of N rows through the CLI and applies it (so the
allowlist holds ~N entries), plans it again (every row unchanged, previewed), then renders pages through
the test client, in this process (server-side time: no network, no browser): of both plans the first,
second, middle and last pages, each action tab, errors first; the allowlist (first, middle and last page,
a search), the issued-certificates list, the course page and the plan histories. Each page is rendered
--samples times; the p95 of each page and over all pages is printed, then `ROW {json}` summaries.

Usage: .venv/bin/python bench/bench_pages.py [--rows 100000] [--samples 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_exceptions import COURSE, FLASK, build_database, run_timed, write_roster  # noqa: E402

TARGET_MS = 50.0


def p95(samples: list[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def plan_pages(plan_id: int, rows: int) -> list[tuple[str, str]]:
    """(name, URL) of every kind of page of a plan."""
    last = math.ceil(rows / 50)
    base = f"/plans/{plan_id}"
    pages = [("first page", base), ("page 2", f"{base}?page=2"), ("middle page", f"{base}?page={last // 2}")]
    pages += [("last page", f"{base}?page={last}"), ("errors first", f"{base}?errors_first=1")]
    pages += [(f"tab {action}", f"{base}?action={action}") for action in ("error", "create", "skip", "unchanged")]
    pages += [("tab create, middle page", f"{base}?action=create&page={last // 4}")]
    return pages


def list_pages(rows: int) -> list[tuple[str, str]]:
    """(name, URL) of the lists over the course's N learners and N allowlist entries."""
    last = math.ceil(rows / 50)
    exceptions = f"/courses/{COURSE}/certificates/exceptions"
    return [
        ("allowlist, first page", exceptions),
        ("allowlist, middle page", f"{exceptions}?page={last // 2}"),
        ("allowlist, last page", f"{exceptions}?page={last}"),
        ("allowlist, search", f"{exceptions}?q=learner0999"),
        ("issued certificates", f"/courses/{COURSE}/certificates/"),
        ("issued certificates, last page", f"/courses/{COURSE}/certificates/?page={last}"),
        ("invalidations", f"/courses/{COURSE}/certificates/invalidations"),
        ("course page", f"/courses/{COURSE}/"),
        ("plans of the course", f"/courses/{COURSE}/plans"),
        ("all plans", "/plans"),
        ("audit log", "/audit/"),
    ]


def measure(
    url: str, pages: list[tuple[str, str]], samples: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Render times (ms) of each page, `samples` times each, through the test client (logged in as staff):
    wall time, and the CPU time of this process (what the page costs, whatever else the machine runs)."""
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"username": "staff", "password": "edx"})
    times: dict[str, list[float]] = {name: [] for name, _ in pages}
    cpu: dict[str, list[float]] = {name: [] for name, _ in pages}
    for _name, path in pages:  # one warm-up render, then the samples
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
    for _ in range(samples):
        for name, path in pages:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            times[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200, (path, response.status_code)
    return times, cpu


def report(title: str, measured: tuple[dict[str, list[float]], dict[str, list[float]]]) -> tuple[float, float]:
    """Print each page's median and p95 (wall, CPU); return the worst page's p95 (wall, CPU)."""
    times, cpu = measured
    print(f"\n| {title} | median ms | p95 ms | CPU p95 ms |\n|---|---:|---:|---:|")
    for name, samples in times.items():
        print(f"| {name} | {statistics.median(samples):.1f} | {p95(samples):.1f} | {p95(cpu[name]):.1f} |")
    overall = p95([t for samples in times.values() for t in samples])
    worst = max(p95(samples) for samples in times.values())
    worst_cpu = max(p95(samples) for samples in cpu.values())
    print(f"p95 over all samples: {overall:.1f} ms; worst page p95: {worst:.1f} ms wall, {worst_cpu:.1f} ms CPU")
    return worst, worst_cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="the database (default: a SQLite file)")
    options = parser.parse_args()
    backend = "postgresql" if (options.database_url or "").startswith("postgresql") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench", "PYTHONDONTWRITEBYTECODE": "1"}
        start = time.perf_counter()
        build_database(url, options.rows)
        roster = Path(tmp) / "roster.csv"
        write_roster(roster, options.rows)
        preview = [*FLASK, "certificates", "import-exceptions", str(roster), "--course", COURSE, "--as", "staff"]
        applied = json.loads(run_timed([*preview, "--dry-run", "--json"], env)[3])["plan_id"]
        run_timed([*FLASK, "plans", "apply", str(applied), "--as", "staff", "--json"], env)
        previewed = json.loads(run_timed([*preview, "--dry-run", "--json"], env)[3])["plan_id"]
        print(
            f"setup ({backend}): {options.rows:,} learners, plan #{applied} applied (allowlist filled), "
            f"plan #{previewed} previewed, in {time.perf_counter() - start:.1f} s; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs",
            flush=True,
        )
        plan_times = measure(
            url,
            [(f"applied plan, {n}", u) for n, u in plan_pages(applied, options.rows)]
            + [(f"previewed plan, {n}", u) for n, u in plan_pages(previewed, options.rows)],
            options.samples,
        )
        list_times = measure(url, list_pages(options.rows), options.samples)
    worst_plan = report(f"pages of a {options.rows:,}-row plan ({backend})", plan_times)
    worst_list = report(f"lists at {options.rows:,} rows ({backend})", list_times)
    rows = f"{options.rows // 1000}k" if options.rows % 1000 == 0 else f"{options.rows:,}"
    for name, (worst, worst_cpu) in (
        (f"every page of a {rows}-row plan", worst_plan),
        (f"every list at {rows} rows", worst_list),
    ):
        row = {"row": name, "figure": round(worst, 1), "unit": "ms p95 (worst page)", "target": "≤ 50 ms p95"}
        print("ROW " + json.dumps({**row, "cpu_ms": round(worst_cpu, 1), "backend": backend}), flush=True)


if __name__ == "__main__":
    main()
