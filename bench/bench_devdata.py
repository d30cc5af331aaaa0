"""Benchmark: load a data spec of N users and N enrollments through the CLI (whole processes).

Each run starts from a fresh database (`flask db upgrade`), then times `flask --app wsgi data load SPEC` twice:
the first load (all creates) and the second (all unchanged), with each process's peak memory (/usr/bin/time -v).
Medians of the runs are printed with the targets of issue 15: ≤ 10 s and ≤ 300 MB per load at 100,000.

Usage: .venv/bin/python bench/bench_devdata.py [N] [--runs 3] [--postgres [URL]]   (N default 100000)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.capability import Figures, arguments, backends, database, label

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).parent / "flask")


def write_spec(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('courses:\n  - {id: "course-v1:Bench+B+1", name: Bench, pacing: self}\nusers:\n')
        for i in range(n):
            out.write(f"  - {{username: u{i:06d}, email: u{i:06d}@example.com, full_name: Ünïcode Nämé {i}}}\n")
        out.write("enrollments:\n")
        for i in range(n):
            out.write(f'  - {{username: u{i:06d}, course: "course-v1:Bench+B+1", mode: verified}}\n')


def timed(env: dict[str, str], *args: str) -> tuple[float, float, str]:
    """(wall seconds, peak RSS MB, first line of stdout) of one whole `flask --app wsgi …` process."""
    command = [FLASK, "--app", "wsgi", *args]
    if os.path.exists("/usr/bin/time"):
        command = ["/usr/bin/time", "-v", *command]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
    peak = int(match.group(1)) / 1024 if match else float("nan")
    return elapsed, peak, (result.stdout.strip().splitlines() or [""])[0]


def main() -> int:
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    options = parser.parse_args()
    n = options.n
    targets = {}
    for backend in backends(options):
        for what in ("first load (creates)", "second load (unchanged)"):
            targets[f"{label(backend)} {what} s"] = (10.0, "s")  # the target at 100,000 (start-up dominates below)
            targets[f"{label(backend)} {what} peak"] = (300.0, "MB")
    figures = Figures(f"data spec, {n:,} users + {n:,} enrollments, whole CLI processes", targets)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.yaml"
        write_spec(spec, n)
        print(f"data spec: {n:,} users + {n:,} enrollments ({spec.stat().st_size / 1e6:.1f} MB)")
        for backend in backends(options):
            for _ in range(max(options.runs, 1)):
                with database(backend, "devdata") as url:
                    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
                    subprocess.run(
                        [FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, check=True
                    )
                    for what in ("first load (creates)", "second load (unchanged)"):
                        elapsed, peak, summary = timed(env, "data", "load", str(spec))
                        print(f"  {label(backend)} {what:<26} {elapsed:6.1f} s   peak RSS {peak:6.0f} MB   {summary}")
                        figures.add(f"{label(backend)} {what} s", elapsed)
                        figures.add(f"{label(backend)} {what} peak", peak)
    figures.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
