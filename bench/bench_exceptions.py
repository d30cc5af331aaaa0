"""Benchmark: plan and apply a roster of N certificate exceptions over a database of N learners.

Generates the roster (2% unknown learners, 1% duplicates, 1% blank rows, usernames and emails mixed),
bulk-loads N learners enrolled in one course into a SQLite file in a temporary folder, then times WHOLE
command-line processes, as staff would run them:

    flask --app wsgi certificates import-exceptions ROSTER --course KEY --as staff --dry-run --json
    flask --app wsgi plans apply PLAN_ID --as staff --json

with their peak memory (/usr/bin/time -v), and the render time of pages of the preview through the test
client. Targets (issue 3): preview ≤ 3 s, apply ≤ 4 s, peak ≤ 200 MB, one preview page ≤ 150 ms.

Usage: .venv/bin/python bench/bench_exceptions.py [--rows 100000] [--profile]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FLASK = [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi"]
COURSE = "course-v1:BenchX+Exceptions+2026"
TARGETS = {"preview_s": 3.0, "apply_s": 4.0, "peak_mb": 200.0, "page_ms": 150.0}


def build_database(url: str, rows: int) -> None:
    """N learners enrolled in one course, and a global staff user, inserted in bulk."""
    learners = ((f"learner{i:06d}", f"learner{i:06d}@example.org") for i in range(rows))
    build_population(url, COURSE, learners, enrolled=lambda _: True)


def build_population(
    url: str, course: str, learners: Iterable[tuple[str, str]], enrolled: Callable[[int], bool]
) -> None:
    """A global staff user, the course, and the (username, email) learners inserted in bulk; the
    learner at 0-based position i is enrolled (verified) when `enrolled(i)`."""
    from werkzeug.security import generate_password_hash

    from webapp import create_app
    from webapp.extensions import db
    from webapp.models import Course, Enrollment, User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":  # a bench database: made again from nothing
            with db.engine.begin() as connection:
                connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        db.create_all()
        db.session.execute(
            User.__table__.insert(),
            [
                {
                    "username": "staff",
                    "email": "staff@example.com",
                    "full_name": "Bench Staff",
                    "is_staff": True,
                    "is_active": True,
                    "password_hash": generate_password_hash("edx", method="pbkdf2:sha256:1000"),
                    "session_token": "0" * 32,
                }
            ],
        )
        db.session.execute(
            Course.__table__.insert(),
            [{"key": course, "name": "Bench course", "pacing": "instructor", "certificates_enabled": True}],
        )
        course_id = db.session.scalar(db.select(Course.id))
        first = 2  # the staff user is 1; learners follow in order
        for start, batch in enumerate_batches(learners, 20_000):
            db.session.execute(
                User.__table__.insert(),
                [
                    {
                        "username": username,
                        "email": email,
                        "full_name": "",
                        "is_staff": False,
                        "is_active": True,
                        "password_hash": "",
                        "session_token": f"{start + k:032d}",
                    }
                    for k, (username, email) in enumerate(batch)
                ],
            )
            positions = [start + k for k in range(len(batch)) if enrolled(start + k)]
            if positions:
                db.session.execute(
                    Enrollment.__table__.insert(),
                    [
                        {"user_id": first + i, "course_id": course_id, "mode": "verified", "is_active": True}
                        for i in positions
                    ],
                )
        db.session.commit()


def enumerate_batches(items: Iterable[tuple[str, str]], size: int) -> Iterator[tuple[int, list[tuple[str, str]]]]:
    """(position of the first item, up to `size` items) over `items`."""
    iterator = iter(items)
    start = 0
    while batch := list(itertools.islice(iterator, size)):
        yield start, batch
        start += len(batch)


def write_roster(path: Path, rows: int, seed: int = 7) -> None:
    """A roster of `rows` rows: 2% unknown, 1% duplicates (by the other identifier), 1% blank."""
    rng = random.Random(seed)
    lines = ["username_or_email,notes"]
    for i in range(rows):
        roll = rng.random()
        if roll < 0.02:
            lines.append(f"nobody{i:06d}@example.org,typo")
        elif roll < 0.03:
            lines.append("")
        elif roll < 0.04 and i > 0:
            j = rng.randrange(0, i)
            lines.append(f"LEARNER{j:06d}@example.org,duplicate of an earlier row")
        elif i % 2:
            lines.append(f"learner{i:06d},Cohort {i % 17}")
        else:
            lines.append(f'learner{i:06d}@example.org,"Scholarship, cohort {i % 17}"')
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def run_timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """(wall seconds, peak RSS MB, CPU seconds user+sys, stdout) of a whole process."""
    command = ["/usr/bin/time", "-v", *args] if os.path.exists("/usr/bin/time") else args
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    peak = int(match.group(1)) / 1024 if match else float("nan")
    cpu = sum(float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr))
    return elapsed, peak, cpu or float("nan"), done.stdout


def page_times(url: str, plan_id: int) -> dict[str, float]:
    """Median render time (ms) of a few pages of the preview through the test client."""
    from webapp import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    client = app.test_client()
    client.post("/login", data={"username": "staff", "password": "edx"})
    results = {}
    for name, query in (
        ("first page", ""),
        ("page 1000", "?page=1000"),
        ("errors only", "?action=error"),
        ("errors first", "?errors_first=1"),
        ("last page", "?page=100000"),
    ):
        samples = []
        for _ in range(5):
            start = time.perf_counter()
            response = client.get(f"/plans/{plan_id}{query}")
            samples.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, response.status_code
        results[name] = statistics.median(samples)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true", help="also cProfile the preview (writes preview.prof)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-exceptions-") as tmp:
        url = f"sqlite:///{tmp}/bench.sqlite"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
        start = time.perf_counter()
        build_database(url, options.rows)
        roster = Path(tmp) / "roster.csv"
        write_roster(roster, options.rows)
        print(
            f"setup: {options.rows:,} learners and a {options.rows:,}-row roster "
            f"({roster.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - start:.1f} s"
        )

        preview_args = [
            *FLASK,
            "certificates",
            "import-exceptions",
            str(roster),
            "--course",
            COURSE,
            "--as",
            "staff",
            "--dry-run",
            "--json",
        ]
        print(
            f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
            "(wall times grow with other work on the machine; CPU time much less)"
        )
        preview_s, preview_mb, preview_cpu, out = run_timed(preview_args, env)
        plan = json.loads(out)
        print(
            f"preview (whole CLI process): {preview_s:.2f} s wall, {preview_cpu:.2f} s CPU, "
            f"peak {preview_mb:.0f} MB — counts {plan['counts']}"
        )
        apply_s, apply_mb, apply_cpu, out = run_timed(
            [*FLASK, "plans", "apply", str(plan["plan_id"]), "--as", "staff", "--json"], env
        )
        applied = json.loads(out)
        print(
            f"apply (whole CLI process): {apply_s:.2f} s wall, {apply_cpu:.2f} s CPU, peak {apply_mb:.0f} MB — "
            f"status {applied['status']}, outcomes {applied.get('outcomes')}"
        )
        pages = page_times(url, plan["plan_id"])
        for name, ms in pages.items():
            print(f"preview page render ({name}): {ms:.0f} ms")
        figures = {
            "preview_s": preview_s,
            "apply_s": apply_s,
            "peak_mb": max(preview_mb, apply_mb),
            "page_ms": max(pages.values()),
        }
        verdict = ", ".join(
            f"{k} {figures[k]:.2f} (target ≤ {TARGETS[k]:g}) {'OK' if figures[k] <= TARGETS[k] else 'MISSED'}"
            for k in TARGETS
        )
        print(f"summary: {verdict}")
        if options.profile:
            prof = ROOT / "preview.prof"
            subprocess.run(
                [sys.executable, "-m", "cProfile", "-o", str(prof), str(ROOT / ".venv/bin/flask"), *preview_args[1:]],
                env=env,
                cwd=ROOT,
                capture_output=True,
                check=True,
            )
            import pstats

            pstats.Stats(str(prof)).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
