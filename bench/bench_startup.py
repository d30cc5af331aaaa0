"""Benchmark: CLI start-up, `flask --app wsgi --help` as a whole process (median of --runs).

Beside it, in the same run, the bare interpreter with Flask and SQLAlchemy imported (`python -c "import
flask, flask_sqlalchemy, sqlalchemy.orm"`): the least any command of this app can cost, so the ratio says how
much the app adds. Prints wall and CPU seconds, then a `ROW {json}` summary.

Usage: .venv/bin/python bench/bench_startup.py [--runs 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.dont_write_bytecode = True
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_exceptions import FLASK, run_timed  # noqa: E402

TARGET_S = 0.4


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="DATABASE_URL of the app (default: a SQLite file)")
    options = parser.parse_args()
    backend = "postgresql" if (options.database_url or "").startswith("postgresql") else "sqlite"
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        url = options.database_url or f"sqlite:///{tmp}/bench.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        python = str(Path(FLASK[0]).parent / "python")
        bare = [python, "-c", "import flask, flask_sqlalchemy, sqlalchemy.orm"]
        ours, floor = [], []
        for _ in range(options.runs):
            floor.append(run_timed(bare, env))
            ours.append(run_timed([*FLASK, "--help"], env))
    wall = statistics.median(r[0] for r in ours)
    cpu = statistics.median(r[2] for r in ours)
    bare_wall = statistics.median(r[0] for r in floor)
    bare_cpu = statistics.median(r[2] for r in floor)
    peak = statistics.median(r[1] for r in ours)
    print(
        f"flask --app wsgi --help ({backend}): {wall:.2f} s wall, {cpu:.2f} s CPU, peak {peak:.0f} MB "
        f"(median of {options.runs}); python importing flask + SQLAlchemy: {bare_wall:.2f} s wall, "
        f"{bare_cpu:.2f} s CPU; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    row = {
        "row": "CLI start-up (flask --app wsgi --help)",
        "figure": round(wall, 3),
        "unit": "s",
        "target": f"≤ {TARGET_S} s",
        "cpu_s": round(cpu, 3),
        "ratio": round(wall / bare_wall, 2),
        "versus": "python importing flask + SQLAlchemy",
        "backend": backend,
    }
    print("ROW " + json.dumps(row), flush=True)


if __name__ == "__main__":
    main()
