"""Load benchmark: gunicorn (4 workers) over PostgreSQL on loopback, driven for a fixed time by a mix of
page views, 1,000-row roster uploads (preview, then apply) and signed proctoring callbacks.

Prints requests per second, p50/p95/p99 latency per kind, and errors (must be 0).

Usage: .venv/bin/python bench/load.py [--seconds 60] [--clients 6] [--database-url postgresql://…]
Needs PostgreSQL (bash .ci/ensure-postgres). Traffic goes to 127.0.0.1 only and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_session import Session  # noqa: E402
from bench.servers import fresh_database, gunicorn  # noqa: E402
from webapp.services.proctoring.signing import sign_headers  # noqa: E402

BIN = Path(sys.executable).parent
COURSE = "course-v1:Load+L+2026"
SECRET = "load-bench-secret"
LEARNERS = 3000
ATTEMPTS = 300
PAGES = [
    "/",
    f"/courses/{COURSE}/",
    f"/courses/{COURSE}/certificates/exceptions",
    f"/courses/{COURSE}/certificates/",
    "/proctoring/reviews",
    f"/courses/{COURSE}/plans",
]
REVIEW_STATUSES = ["Clean", "Rules Violation", "Suspicious", "Not Reviewed"]


def write_spec(path: Path) -> None:
    lines = ["users:", "  - {username: staff, email: staff@example.com, password: edx, is_staff: true}"]
    lines += [f"  - {{username: l{i:05d}, email: l{i:05d}@example.com}}" for i in range(LEARNERS)]
    lines += ["courses:", f'  - {{id: "{COURSE}", name: Load course}}', "enrollments:"]
    lines += [f'  - {{username: l{i:05d}, course: "{COURSE}", mode: verified}}' for i in range(LEARNERS)]
    lines += [
        "exams:",
        f'  - {{course: "{COURSE}", content_id: "block-v1:Load+L+2026+type@sequential+block@final", name: Final}}',
    ]
    lines += ["attempts:"]
    lines += [
        f'  - {{course: "{COURSE}", content_id: "block-v1:Load+L+2026+type@sequential+block@final", '
        f"username: l{i:05d}, status: submitted, attempt_code: LOAD-{i:05d}, external_id: EXT{i:05d}}}"
        for i in range(ATTEMPTS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def callback_body(i: int, status: str) -> bytes:
    return json.dumps(
        {
            "examMetaData": {"examCode": f"LOAD-{i:05d}", "ssiRecordLocator": f"ext{i:05d}"},
            "reviewStatus": status,
            "videoReviewLink": "http://provider.example/v",
            "webCamComments": [
                {"eventStart": 1, "eventFinish": 5, "duration": 4, "comments": "ok", "eventStatus": status}
            ],
            "desktopComments": [],
        }
    ).encode()


class Recorder:
    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def timed(self, kind: str, call, ok=lambda status: status < 400):
        start = time.perf_counter()
        try:
            status, body, headers = call()
        except Exception as error:  # every failure is an error in the report
            with self.lock:
                self.errors[kind].append(repr(error))
            return None
        elapsed = time.perf_counter() - start
        with self.lock:
            self.latencies[kind].append(elapsed)
            if not ok(status):
                self.errors[kind].append(f"HTTP {status}: {body[:200]}")
        return status, body, headers


def client_loop(base: str, stop: float, recorder: Recorder, seed: int) -> None:
    rng = random.Random(seed)
    session = Session(base)
    session.login("staff")
    provider = Session(base)
    while time.perf_counter() < stop:
        roll = rng.random()
        if roll < 0.70:
            path = rng.choice(PAGES)
            recorder.timed("page view", lambda p=path: session.request("GET", p))
        elif roll < 0.90:
            i = rng.randrange(ATTEMPTS)
            body = callback_body(i, rng.choice(REVIEW_STATUSES))
            headers = {"Content-Type": "application/json", **sign_headers(body, SECRET)}
            recorder.timed(
                "signed callback",
                lambda b=body, h=headers: provider.request("POST", "/api/proctoring/v1/reviews", body=b, headers=h),
            )
        else:
            start = rng.randrange(LEARNERS - 1000)
            roster = "username_or_email,notes\n" + "".join(
                f"l{j:05d}{'@example.com' if j % 2 else ''},load {seed}-{time.perf_counter():.3f}\n"
                for j in range(start, start + 1000)
            )
            result = recorder.timed(
                "upload 1,000 rows (plan)",
                lambda r=roster: session.upload(
                    f"/courses/{COURSE}/certificates/exceptions/upload", "roster.csv", r.encode(), {"encoding": "utf-8"}
                ),
                ok=lambda s: s == 302,
            )
            if not result:
                continue
            plan_path = urllib.parse.urlsplit(result[2].get("Location", "")).path
            recorder.timed("preview page", lambda p=plan_path: session.request("GET", p))
            # 302 back to the plan: applied, or stale when another client's upload got there first.
            recorder.timed("apply 1,000 rows", lambda p=plan_path: session.post(f"{p}/apply"), ok=lambda s: s == 302)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")
    )
    args = parser.parse_args()

    database = fresh_database(args.database_url, "load")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "SECRET_KEY": "load-bench",
        "PROCTORING_WEBHOOK_SECRET": SECRET,
        "LOGIN_MAX_FAILURES": "1000",
    }
    flask = [str(BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "load.yaml"
        write_spec(spec)
        subprocess.run([*flask, "data", "load", str(spec)], cwd=ROOT, env=env, check=True, capture_output=True)
    with gunicorn(env, str(BIN / "gunicorn"), timeout=120) as base:
        recorder = Recorder()
        stop = time.perf_counter() + args.seconds
        started = time.perf_counter()
        threads = [
            threading.Thread(target=client_loop, args=(base, stop, recorder, seed)) for seed in range(args.clients)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started

    total = sum(len(v) for v in recorder.latencies.values())
    errors = sum(len(v) for v in recorder.errors.values())
    print(
        f"gunicorn 4 workers, PostgreSQL, {args.clients} clients, {elapsed:.0f} s: "
        f"{total:,} requests, {total / elapsed:.1f} req/s, {errors} errors"
    )
    print(f"{'kind':<26}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, values in sorted(recorder.latencies.items()):
        print(
            f"{kind:<26}{len(values):>7}{len(values) / elapsed:>8.1f}{percentile(values, 0.5):>9.0f}"
            f"{percentile(values, 0.95):>9.0f}{percentile(values, 0.99):>9.0f}{len(recorder.errors[kind]):>8}"
        )
    for kind, messages in recorder.errors.items():
        for message in messages[:3]:
            print(f"  error in {kind}: {message}")
    import psycopg

    with psycopg.connect(database) as connection:
        outcome = dict(
            connection.execute(
                "SELECT status, count(*) FROM plans WHERE kind <> 'data_spec' GROUP BY status"
            ).fetchall()
        )
    print(f"roster plans by status: {outcome} (stale = another client's apply got there first; nothing written)")
    if recorder.latencies:
        mean = statistics.mean(v for values in recorder.latencies.values() for v in values)
        print(f"mean latency over all requests: {mean * 1000:.0f} ms")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
