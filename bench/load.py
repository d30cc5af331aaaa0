"""Load benchmark: gunicorn (4 workers) over PostgreSQL on loopback, driven for a fixed time by a mix of
page views, 1,000-row roster uploads (preview, then apply) and signed proctoring callbacks.

Prints requests per second, p50/p95/p99 latency per kind, and errors (must be 0).

With `--queue-workers N` (issue 16): REDIS_URL is set, N `flask worker` processes run the background jobs,
after a baseline of --seconds one more client uploads a 100,000-row roster (a job: planned, then applied, by
the queue workers) while the mix goes on until it ends (and --after-seconds more); the page views' p95 is
reported while the big job ran, in each of its phases and per page, and in the baseline before it (and
after it: other work on a shared machine comes and goes, but the course then has 100,000 more exceptions,
so that window is not like for like). Each client sends one callback for each of its own attempts (as one
provider would: one review per attempt, never an update, which ALLOW_REVIEW_UPDATES refuses by default).

The queue workers lower their own CPU priority as in production (QUEUE_WORKER_PRIORITY, --worker-priority).

Usage: .venv/bin/python bench/load.py [--seconds 60] [--clients 6] [--database-url postgresql://…]
       [--queue-workers 2] [--worker-priority idle|normal] [--after-seconds 0]
       [--redis-url redis://127.0.0.1:6379/5]
Needs PostgreSQL (bash .ci/ensure-postgres), and Redis for --queue-workers (bash .ci/ensure-redis).
Traffic goes to 127.0.0.1 only and stops by itself.
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
ATTEMPTS = 3000  # one per learner: each attempt gets one review, as from a real provider
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
        self.started: dict[str, list[float]] = defaultdict(list)  # when each request started
        self.labels: dict[str, list[str]] = defaultdict(list)  # what each request was (the page's path)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.lock = threading.Lock()

    def timed(self, kind: str, call, ok=lambda status: status < 400, label: str = ""):
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
            self.started[kind].append(start)
            self.labels[kind].append(label)
            if not ok(status):
                self.errors[kind].append(f"HTTP {status}: {body[:200]}")
        return status, body, headers


def client_loop(base: str, stop: float, recorder: Recorder, seed: int, clients: int) -> None:
    rng = random.Random(seed)
    session = Session(base)
    session.login("staff")
    provider = Session(base)
    own_attempts = iter(range(seed, ATTEMPTS, clients))  # each client its own attempts, each reviewed once
    # the mix goes on while the big job runs, and for --after-seconds after it ended
    while time.perf_counter() < stop or BIG_RUNNING.is_set() or time.perf_counter() < AFTER_UNTIL[0]:
        roll = rng.random()
        if roll < 0.70:
            path = rng.choice(PAGES)
            recorder.timed("page view", lambda p=path: session.request("GET", p), label=path)
        elif roll < 0.90:
            i = next(own_attempts, None)
            if i is None:  # every attempt of this client has its review: an update would be refused (409)
                continue
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


BIG_ROWS = 100_000
BIG_RUNNING = threading.Event()
AFTER_UNTIL = [0.0]  # when the mix stops after the big job (perf_counter)


def add_big_learners(database: str) -> None:
    """100,000 more learners enrolled in the course, inserted directly (the data spec would take minutes)."""
    import psycopg

    with psycopg.connect(database) as connection, connection.cursor() as cursor:
        course_id = cursor.execute("SELECT id FROM courses WHERE key = %s", (COURSE,)).fetchone()[0]
        columns = "username, email, full_name, password_hash, is_staff, is_active, created, session_token"
        with cursor.copy(f"COPY users ({columns}) FROM STDIN") as copy:
            for i in range(BIG_ROWS):
                copy.write_row((f"b{i:06d}", f"b{i:06d}@example.com", "", "", False, True, "2026-01-01", f"{i:032x}"))
        cursor.execute(
            "INSERT INTO enrollments (user_id, course_id, mode, is_active, created) "
            "SELECT id, %s, 'verified', true, now() FROM users WHERE username LIKE 'b%%'",
            (course_id,),
        )


class BigJob:
    """The 100,000-row upload as staff would run it: upload (a job), watch its progress, apply (a job), watch."""

    def __init__(self) -> None:
        self.window: tuple[float, float] | None = None
        self.phases: dict[str, tuple[float, float]] = {}  # planning, applying: when each job ran
        self.figures: dict[str, float | str] = {}

    def run(self, base: str, recorder: Recorder, delay: float, after: float) -> None:
        try:
            self._run(base, recorder, delay)
        finally:
            AFTER_UNTIL[0] = time.perf_counter() + after
            BIG_RUNNING.clear()

    def _run(self, base: str, recorder: Recorder, delay: float) -> None:
        time.sleep(delay)
        session = Session(base)
        session.login("staff")
        roster = "username_or_email,notes\n" + "".join(f"b{i:06d},big job\n" for i in range(BIG_ROWS))
        began = time.perf_counter()
        result = recorder.timed(
            "upload 100,000 rows (job)",
            lambda: session.upload(
                f"/courses/{COURSE}/certificates/exceptions/upload", "big.csv", roster.encode(), {"encoding": "utf-8"}
            ),
            ok=lambda s: s == 302,
        )
        if not result or "/jobs/" not in result[2].get("Location", ""):
            recorder.errors["upload 100,000 rows (job)"].append(f"not a job: {result and result[2]}")
            return
        job_path = urllib.parse.urlsplit(result[2]["Location"]).path
        planned = self._watch(session, recorder, job_path)
        self.figures["plan job s"] = round(time.perf_counter() - began, 1)
        self.phases["planning"] = (began, time.perf_counter())
        plan_id = planned.get("plan_id")
        if not plan_id:
            recorder.errors["big job"].append(f"planning ended without a plan: {planned}")
            return
        applying = time.perf_counter()
        recorder.timed(
            "apply 100,000 rows (job)", lambda: session.post(f"/plans/{plan_id}/apply"), ok=lambda s: s == 302
        )
        _, body, _ = session.request("GET", f"/plans/{plan_id}")
        marker = 'data-job-progress="'
        if marker not in body:
            recorder.errors["big job"].append("the plan page shows no apply job")
            return
        progress_path = body.split(marker, 1)[1].split('"', 1)[0].removesuffix("/progress.json")
        applied = self._watch(session, recorder, progress_path)
        end = time.perf_counter()
        self.figures["apply job s"] = round(end - applying, 1)
        self.figures["apply message"] = str(applied.get("message"))
        self.phases["applying"] = (applying, end)
        self.window = (began, end)

    def _watch(self, session: Session, recorder: Recorder, job_path: str) -> dict:
        while True:
            result = recorder.timed("job progress poll", lambda: session.request("GET", f"{job_path}/progress.json"))
            if result and result[0] == 200:
                data = json.loads(result[1])
                if not data["active"]:
                    if data["status"] != "done":
                        recorder.errors["big job"].append(f"{job_path}: {data['status']} {data['message']}")
                    return data
            time.sleep(1.0)


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
    parser.add_argument("--queue-workers", type=int, default=0, help="run with REDIS_URL and N queue workers")
    parser.add_argument(
        "--worker-priority",
        choices=["idle", "normal"],
        default="idle",
        help="QUEUE_WORKER_PRIORITY of the queue workers (they share the web workers' cores here)",
    )
    parser.add_argument(
        "--after-seconds",
        type=int,
        default=0,
        help="with --queue-workers: the mix goes on this long after the big job (a second baseline, on the "
        "course with 100,000 more exceptions)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5"))
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
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
    big = BigJob()
    workers: list[subprocess.Popen] = []
    if args.queue_workers:
        add_big_learners(database)
        env |= {"REDIS_URL": args.redis_url, "JOB_QUEUE": f"load-bench-{os.getpid()}"}
        worker_env = env | {"QUEUE_WORKER_PRIORITY": args.worker_priority}
        workers = [
            subprocess.Popen(
                [*flask, "worker", "--name", f"load-{os.getpid()}-{n}"],
                cwd=ROOT,
                env=worker_env,
            )
            for n in range(args.queue_workers)
        ]
    try:
        with gunicorn(env, str(BIN / "gunicorn"), timeout=120) as base:
            recorder = Recorder()
            stop = time.perf_counter() + args.seconds
            started = time.perf_counter()
            threads = [
                threading.Thread(target=client_loop, args=(base, stop, recorder, seed, args.clients))
                for seed in range(args.clients)
            ]
            if args.queue_workers:
                BIG_RUNNING.set()
                # the first --seconds are the baseline; then the big job starts and the mix goes on until it ends
                threads.append(
                    threading.Thread(
                        target=big.run, args=(base, recorder, float(args.seconds), float(args.after_seconds))
                    )
                )
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - started
    finally:
        for worker in workers:
            worker.terminate()
            worker.wait(timeout=60)

    total = sum(len(v) for v in recorder.latencies.values())
    print(f"load average (1 min): {load_before:.2f} before the run, {os.getloadavg()[0]:.2f} at its end")
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
    if args.queue_workers:
        print(f"big job ({args.queue_workers} queue workers at {args.worker_priority} priority): {big.figures}")
        if big.window is None:
            print("  the big job did not finish within the run: give it more --seconds")
        else:
            pages = list(zip(recorder.latencies["page view"], recorder.started["page view"], strict=True))
            began, ended = big.window
            during = [latency for latency, start in pages if began <= start <= ended]
            before = [latency for latency, start in pages if start < began]
            after = [latency for latency, start in pages if start > ended]
            named = [
                (f"while it was {phase}", [latency for latency, start in pages if window[0] <= start <= window[1]])
                for phase, window in big.phases.items()
            ]
            rows = [("while the big job ran", during), *named, ("before it (baseline)", before)]
            if after:
                rows += [("after it (baseline)", after), ("before and after it (baseline)", before + after)]
            for name, values in rows:
                if values:
                    print(
                        f"  page views {name}: {len(values)}, p50 {percentile(values, 0.5):.0f} ms, "
                        f"p95 {percentile(values, 0.95):.0f} ms, p99 {percentile(values, 0.99):.0f} ms"
                    )
            phase_heads = "".join(f"{'p95 ' + phase:>14}" for phase in big.phases)
            print(f"  {'page':<58}{'p95 before':>11}{'p95 during':>11}{phase_heads}")
            for path in PAGES:
                mine = [
                    (latency, start)
                    for latency, start, label in zip(
                        recorder.latencies["page view"],
                        recorder.started["page view"],
                        recorder.labels["page view"],
                        strict=True,
                    )
                    if label == path
                ]
                was = [latency for latency, start in mine if start < began]
                now = [latency for latency, start in mine if began <= start <= ended]
                by_phase = [[latency for latency, start in mine if w[0] <= start <= w[1]] for w in big.phases.values()]
                cells = "".join(f"{percentile(v, 0.95):>14.0f}" if v else f"{'-':>14}" for v in by_phase)
                if was and now:
                    print(f"  {path:<58}{percentile(was, 0.95):>11.0f}{percentile(now, 0.95):>11.0f}{cells}")
            for name, values in [("before", before)] + (
                [("after", after), ("before and after", before + after)] if after else []
            ):
                if during and values:
                    ratio = percentile(during, 0.95) / percentile(values, 0.95)
                    print(f"  page p95 while the big job ran / {name} it: {ratio:.2f}x")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
