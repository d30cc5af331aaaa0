"""Benchmark: load a data spec of N users and N enrollments through the CLI (whole processes).

Prints the wall time of the first load (all creates) and of the second (all unchanged), and the peak
memory of each process. Usage: .venv/bin/python bench/bench_devdata.py [N]   (default 100000)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(
        [FLASK, "--app", "wsgi", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    elapsed = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, result.stdout.strip().splitlines()[0]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.sqlite")}
        subprocess.run([FLASK, "--app", "wsgi", "db", "upgrade"], cwd=ROOT, env=env, capture_output=True, check=True)
        spec = Path(tmp) / "spec.yaml"
        write_spec(spec, n)
        print(f"data spec: {n:,} users + {n:,} enrollments ({spec.stat().st_size / 1e6:.1f} MB)")
        for label in ("first load (creates)", "second load (unchanged)"):
            elapsed, peak, summary = timed(env, "data", "load", str(spec))
            print(f"  {label:<26} {elapsed:6.1f} s   peak RSS {peak:6.0f} MB   {summary}")


if __name__ == "__main__":
    main()
