"""Benchmark against references: the certificate-exceptions import beside the floor and the peer, same data.

In one run, on the data of ../shared/bench/gen_data.py (a roster of N rows from `csv_rows(N, 42)`; N users
learner{i} / learner{i}@example.com, those of `enrolled_ids(N, 42)` enrolled in its course), as whole
processes with their peak memory (/usr/bin/time -v):

- the floor: ../shared/bench/measure.py `baseline_preview` and `baseline_commit` (plain Python: csv.reader,
  batched IN lookups, dict checks, one executemany upsert) on gen_data's Django-schema SQLite;
- the peer: measure.py `anchor_preview` (django-import-export dry run) at a smaller N (it is ~100× slower);
- ours: `flask --app wsgi certificates import-exceptions ROSTER --course KEY --as staff --dry-run --json`
  (preview) and `flask --app wsgi plans apply PLAN --as staff --json` (commit: it re-checks every row, then
  writes) over a SQLite database loaded with the same users and enrollments, at both sizes.

Prints a table (wall and CPU seconds, peak MB) and the ratios ours/floor (preview, commit) and peer/ours
(preview at the peer's N). Wall times move with the load of the machine; the ratios, and CPU time, much less.
The floor and the peer run in a venv with Django + django-import-export made by ../shared/bench/ensure_venv.sh
(/tmp/perfanchor by default; PERFANCHOR_DIR moves it). SHARED_BENCH_DIR overrides where the shared bench
folder is (default: ../shared/bench beside the repository). Everything is written in a temporary folder.

Each figure is the median of --runs runs (default 3; floor and ours alternate in one run, so they share the
machine's load). With --database-url (e.g. postgresql://postgres@127.0.0.1:5432/test_bench) ours runs on that
database instead of a SQLite file (the floor stays on SQLite: it is defined there); the database's tables are
dropped and made again. Between runs the allowlist written by an apply is deleted (untimed), so every apply
writes the same rows. The last lines are `ROW {json}` summaries for bench/run_all.py.

Usage: .venv/bin/python bench/bench_reference.py [--rows 100000] [--peer-rows 10000] [--skip-peer] [--runs 3]
       [--database-url URL]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

sys.dont_write_bytecode = True  # nothing written into the repository tree, not even __pycache__
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_exceptions import FLASK, build_population, run_timed  # noqa: E402

SEED = 42
NO_BYTECODE = {"PYTHONDONTWRITEBYTECODE": "1"}


def shared_bench_dir() -> Path:
    """The shared bench folder: SHARED_BENCH_DIR, else ../shared/bench beside the repository."""
    folder = Path(os.environ.get("SHARED_BENCH_DIR") or ROOT.parent / "shared" / "bench")
    if not (folder / "gen_data.py").is_file() or not (folder / "measure.py").is_file():
        raise SystemExit(f"no gen_data.py and measure.py in {folder} (set SHARED_BENCH_DIR)")
    return folder


def flask_command() -> list[str]:
    """The repository's .venv flask (as bench_exceptions.py), else the flask beside this Python (a worktree)."""
    if Path(FLASK[0]).exists():
        return FLASK
    return [str(Path(sys.executable).parent / "flask"), *FLASK[1:]]


def load_gen_data(shared: Path) -> ModuleType:
    """gen_data.py as a module (its top level is the standard library only; Django is imported lazily)."""
    spec = importlib.util.spec_from_file_location("shared_bench_gen_data", shared / "gen_data.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference_python(shared: Path) -> str:
    """The Python of the venv with Django + django-import-export (made on first use by ensure_venv.sh)."""
    done = subprocess.run(["bash", str(shared / "ensure_venv.sh")], capture_output=True, text=True, check=False)
    if done.returncode != 0 or not done.stdout.strip():
        raise SystemExit(f"ensure_venv.sh failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout.strip().splitlines()[-1]


@dataclass
class Figure:
    """One measured process."""

    name: str
    rows: int
    wall_s: float
    cpu_s: float
    peak_mb: float
    inner_s: float | None = None  # measure.py's own timer (interpreter and Django start-up excluded)
    counts: dict = field(default_factory=dict)


@dataclass
class Data:
    """gen_data's roster and template database at one size, and our database loaded with the same people."""

    rows: int
    roster: Path
    template: Path
    ours_url: str


def prepare(py: str, gen_data: ModuleType, shared: Path, tmp: Path, rows: int, url: str | None = None) -> Data:
    """gen_data.build (roster + Django-schema SQLite) in the reference venv, and our SQLite with the same
    users (learner{i}, learner{i}@example.com, i = 1..N) and the same enrolled ids, in the same course."""
    folder = tmp / f"n{rows}"
    done = subprocess.run(
        [py, str(shared / "gen_data.py"), str(rows), str(folder), str(SEED)],
        capture_output=True,
        text=True,
        env={**os.environ, **NO_BYTECODE},
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"gen_data.py {rows} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    roster, template = (Path(p) for p in done.stdout.split())
    enrolled = set(gen_data.enrolled_ids(rows, SEED))
    url = url or f"sqlite:///{folder}/ours.sqlite"
    learners = ((f"learner{i}", f"learner{i}@example.com") for i in range(1, rows + 1))
    build_population(url, gen_data.COURSE_ID, learners, enrolled=lambda position: position + 1 in enrolled)
    return Data(rows, roster, template, url)


def reference(py: str, shared: Path, mode: str, data: Data, name: str) -> Figure:
    """measure.py MODE on a fresh copy of the template database, as a whole process."""
    database = data.template.with_name(f"{mode}.sqlite3")
    shutil.copyfile(data.template, database)
    args = [py, str(shared / "measure.py"), mode, str(data.roster), str(database)]
    wall, peak, cpu, out = run_timed(args, {**os.environ, **NO_BYTECODE})
    result = json.loads(out.strip().splitlines()[-1])
    database.unlink()
    keys = ("rows", "ok", "invalid", "new", "update", "errors", "db_allowlist_rows")
    counts = {k: result[k] for k in keys if result.get(k) is not None}
    return Figure(name, data.rows, wall, cpu, peak, result["seconds"], counts)


def ours(flask: list[str], data: Data, course: str, apply: bool) -> list[Figure]:
    """Our preview (import-exceptions --dry-run) and, if `apply`, `plans apply` of that plan (then the allowlist
    it wrote is deleted, untimed, for the next run)."""
    env = {**os.environ, **NO_BYTECODE, "DATABASE_URL": data.ours_url, "SECRET_KEY": "bench"}
    preview = [*flask, "certificates", "import-exceptions", str(data.roster), "--course", course]
    wall, peak, cpu, out = run_timed([*preview, "--as", "staff", "--dry-run", "--json"], env)
    plan = json.loads(out)
    figures = [Figure("ours preview (import-exceptions --dry-run)", data.rows, wall, cpu, peak, None, plan["counts"])]
    if apply:
        wall, peak, cpu, out = run_timed(
            [*flask, "plans", "apply", str(plan["plan_id"]), "--as", "staff", "--json"], env
        )
        applied = json.loads(out)
        counts = {"status": applied["status"], **(applied.get("outcomes") or {})}
        figures.append(Figure("ours commit (plans apply)", data.rows, wall, cpu, peak, None, counts))
        clear_allowlist(data.ours_url)
    return figures


def clear_allowlist(url: str) -> None:
    """Delete every allowlist entry (what an apply wrote), so the next run's plan creates them again."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM allowlist_entries"))
    engine.dispose()


def median_figure(runs: list[Figure]) -> Figure:
    """The median of each measure over the runs (counts of the last run)."""
    first = runs[-1]

    def med(values: list[float | None]) -> float | None:
        present = [v for v in values if v is not None]
        return statistics.median(present) if present else None

    return Figure(
        f"{first.name} (median of {len(runs)})",
        first.rows,
        statistics.median(f.wall_s for f in runs),
        statistics.median(f.cpu_s for f in runs),
        statistics.median(f.peak_mb for f in runs),
        med([f.inner_s for f in runs]),
        first.counts,
    )


def summary_row(
    name: str, figure: float, unit: str, ratio: float | None, versus: str, target: str, **extra: object
) -> None:
    """One `ROW {json}` line: what bench/run_all.py collects into the table of issue 15."""
    row = {"row": name, "figure": round(figure, 3), "unit": unit, "target": target, **extra}
    if ratio is not None:
        row.update(ratio=round(ratio, 2), versus=versus)
    print("ROW " + json.dumps(row), flush=True)


def print_table(figures: list[Figure]) -> None:
    """The figures as a Markdown table."""
    print("\n| run | rows | wall s | CPU s | peak MB | measure.py timer s |")
    print("|---|---:|---:|---:|---:|---:|")
    for f in figures:
        inner = f"{f.inner_s:.2f}" if f.inner_s is not None else "—"
        print(f"| {f.name} | {f.rows:,} | {f.wall_s:.2f} | {f.cpu_s:.2f} | {f.peak_mb:.0f} | {inner} |")


def ratio(label: str, top: Figure, bottom: Figure) -> None:
    """One ratio line: wall, CPU and peak memory of `top` over `bottom`."""
    print(
        f"{label}: {top.wall_s / bottom.wall_s:.1f}× wall, {top.cpu_s / bottom.cpu_s:.1f}× CPU, "
        f"{top.peak_mb / bottom.peak_mb:.1f}× peak memory"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="N for the floor and ours (default 100,000)")
    parser.add_argument("--peer-rows", type=int, default=10_000, help="N for the peer (default 10,000)")
    parser.add_argument("--skip-peer", action="store_true", help="leave out django-import-export")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure; medians are printed (default 3)")
    parser.add_argument("--database-url", default=None, help="our database (default: a SQLite file)")
    options = parser.parse_args()
    shared = shared_bench_dir()
    gen_data = load_gen_data(shared)
    flask = flask_command()
    py = reference_python(shared)
    backend = "postgresql" if (options.database_url or "").startswith("postgresql") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-reference-") as name:
        tmp = Path(name)
        start = time.perf_counter()
        data = prepare(py, gen_data, shared, tmp, options.rows, options.database_url)
        peer_data = None if options.skip_peer else prepare(py, gen_data, shared, tmp, options.peer_rows)
        print(
            f"setup: gen_data.py rosters and databases ({options.rows:,}"
            f"{'' if peer_data is None else f' and {options.peer_rows:,}'} rows, seed {SEED}) and ours ({backend}) "
            f"loaded with the same users and enrollments in {time.perf_counter() - start:.1f} s"
        )
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)

        runs: dict[str, list[Figure]] = {"fp": [], "op": [], "fc": [], "oc": []}
        for run in range(options.runs):  # the floor and ours alternate: both see the same load
            runs["fp"].append(
                reference(py, shared, "baseline_preview", data, "floor preview (measure.py baseline_preview)")
            )
            preview, commit = ours(flask, data, gen_data.COURSE_ID, apply=True)
            runs["op"].append(preview)
            runs["oc"].append(commit)
            runs["fc"].append(
                reference(py, shared, "baseline_commit", data, "floor commit (measure.py baseline_commit)")
            )
            print(
                f"run {run + 1}: floor preview {runs['fp'][-1].wall_s:.2f} s, ours {preview.wall_s:.2f} s; "
                f"floor commit {runs['fc'][-1].wall_s:.2f} s, ours {commit.wall_s:.2f} s",
                flush=True,
            )
        floor_preview, ours_preview, floor_commit, ours_commit = (
            median_figure(runs[k]) for k in ("fp", "op", "fc", "oc")
        )
        figures = [floor_preview, ours_preview, floor_commit, ours_commit]
        peer = ours_small = None
        if peer_data is not None:
            peer = reference(py, shared, "anchor_preview", peer_data, "peer preview (django-import-export dry run)")
            (ours_small,) = ours(flask, peer_data, gen_data.COURSE_ID, apply=False)
            floor_small = reference(
                py, shared, "baseline_preview", peer_data, "floor preview (measure.py baseline_preview)"
            )
            figures += [peer, ours_small, floor_small]
        print(f"load average after: {os.getloadavg()[0]:.1f}")

    print_table(figures)
    print()
    for f in figures:
        print(f"counts, {f.name} at {f.rows:,}: {f.counts}")
    print()
    ratio(f"ours/floor, preview at {options.rows:,}", ours_preview, floor_preview)
    ratio(f"ours/floor, commit at {options.rows:,}", ours_commit, floor_commit)
    if peer is not None and ours_small is not None:
        ratio(f"peer/ours, preview at {options.peer_rows:,}", peer, ours_small)
    rows = f"{options.rows // 1000}k rows" if options.rows % 1000 == 0 else f"{options.rows:,} rows"
    cpu = {"cpu_s": round(ours_preview.cpu_s, 2), "cpu_ratio": round(ours_preview.cpu_s / floor_preview.cpu_s, 2)}
    summary_row(
        f"exceptions preview, {rows}, whole CLI process, plan persisted",
        ours_preview.wall_s,
        "s",
        ours_preview.wall_s / floor_preview.wall_s,
        "floor preview",
        "≤ 2x floor",
        backend=backend,
        floor_s=round(floor_preview.wall_s, 3),
        **cpu,
    )
    cpu = {"cpu_s": round(ours_commit.cpu_s, 2), "cpu_ratio": round(ours_commit.cpu_s / floor_commit.cpu_s, 2)}
    summary_row(
        f"exceptions apply, {rows}",
        ours_commit.wall_s,
        "s",
        ours_commit.wall_s / floor_commit.wall_s,
        "floor commit",
        "≤ 2x floor commit",
        backend=backend,
        floor_s=round(floor_commit.wall_s, 3),
        **cpu,
    )
    summary_row(
        "peak memory of either",
        max(ours_preview.peak_mb, ours_commit.peak_mb),
        "MB",
        None,
        "",
        "≤ 150 MB",
        backend=backend,
    )


if __name__ == "__main__":
    main()
