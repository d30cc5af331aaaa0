"""Run every benchmark with the sizes the README quotes (about 4 minutes on the 2-core machine).

Needs PostgreSQL for the load benchmark (bash .ci/ensure-postgres), and ../shared/bench for the reference one
(its venv with Django + django-import-export is made on first use, from the package registry).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ("certificate exceptions, 100,000-row roster", ["bench_exceptions.py", "--rows", "100000"]),
    (
        "certificate exceptions beside the floor (100,000 rows) and django-import-export (10,000 rows)",
        ["bench_reference.py", "--rows", "100000", "--peer-rows", "10000"],
    ),
    ("data spec, 100,000 users + 100,000 enrollments", ["bench_devdata.py", "100000"]),
    ("load: gunicorn x4 over PostgreSQL, 60 s", ["load.py", "--seconds", "60", "--clients", "6"]),
]


def main() -> int:
    status = 0
    for title, args in RUNS:
        print(f"\n== {title}", flush=True)
        status |= subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
