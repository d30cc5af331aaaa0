"""Peak memory of the web worker for the largest hostile input each upload door accepts (issue 14).

One gunicorn worker serves the app on a fresh SQLite database with the demo data and no REDIS_URL, so jobs
run in-process, inside the measured worker: the worst case. For each door and each input (just under the
request size limit, or at the row / item limits), the worker's peak RSS is reset (`/proc/PID/clear_refs`),
the file is uploaded, any job it starts is followed to its end, the first preview page is fetched, and the
peak (`VmHWM`) is read. Prints one row per input and exits 1 if any peak exceeds `--limit-mb` (default 250).

    .venv/bin/python bench/upload_memory.py [--only exceptions] [--limit-mb 250]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.http_session import Session  # noqa: E402
from bench.servers import gunicorn  # noqa: E402
from webapp.services.proctoring.signing import sign_headers  # noqa: E402

BIN = Path(sys.executable).parent
COURSE = "course-v1:edX+DemoX+Demo_Course"
SECRET = "upload-memory-secret"
MiB = 1024 * 1024
BODY_LIMIT = 20 * MiB  # MAX_CONTENT_LENGTH's default; the inputs stay just under it with the form around them
CSV_MAX_ROWS = 200_000
JSON_MAX_ITEMS = 50_000
WEBHOOK_LIMIT = 2 * MiB


Send = tuple[int, str, dict[str, str]]  # an answer: status, body, headers


@dataclass(frozen=True)
class Door:
    name: str
    path: str
    filename: str
    fields: dict[str, str]


CSV_DOORS = [
    Door("exceptions upload", f"/courses/{COURSE}/certificates/exceptions/upload", "x.csv", {"encoding": "utf-8"}),
    Door(
        "exception removals", f"/courses/{COURSE}/certificates/exceptions/remove-upload", "x.csv", {"encoding": "utf-8"}
    ),
    Door(
        "invalidations upload", f"/courses/{COURSE}/certificates/invalidations/upload", "x.csv", {"encoding": "utf-8"}
    ),
    Door("attempt resets", f"/courses/{COURSE}/proctoring/reset", "x.csv", {"encoding": "utf-8"}),
]
JSON_DOORS = [
    Door("proctoring replay", "/proctoring/replay", "x.json", {}),
    Door("academy file", "/academies/sync", "x.json", {"source": "upload"}),
]


def csv_inputs() -> Iterator[tuple[str, bytes]]:
    """The largest CSV inputs: one wide line, the most rows, the longest cells, all under the body limit."""
    width = BODY_LIMIT - 64 * 1024
    yield "one wide line (19.9 MiB)", b"a," * (width // 2)
    rows = (f"learner{i:07d}@example.org,bulk note {i}\n" for i in range(CSV_MAX_ROWS - 1))
    yield f"{CSV_MAX_ROWS:,} rows with the header (the limit)", ("username_or_email,notes\n" + "".join(rows)).encode()
    cell = "n" * (64 * 1024 - 40)
    lines = (BODY_LIMIT - 64 * 1024) // (64 * 1024)
    yield f"{lines} lines of 64 KiB", "".join(f"learner{i:07d},{cell}\n" for i in range(lines)).encode()


def json_inputs() -> Iterator[tuple[str, bytes]]:
    """The largest JSON inputs: the most items (bulky ones), a million bare values, deep nesting."""
    filler = "x" * max(0, (BODY_LIMIT - 64 * 1024) // JSON_MAX_ITEMS - 200)
    items = [
        {"name": f"Item {i}", "uuid": f"{i:032x}", "examinee": f"u{i}", "comment": filler}
        for i in range(JSON_MAX_ITEMS)
    ]
    yield f"{JSON_MAX_ITEMS:,} bulky items (the item limit)", json.dumps(items).encode()
    yield "1,000,001 bare values", ("[" + ",".join(["0"] * 1_000_001) + "]").encode()
    depth = 5_000_000
    yield f"{depth:,} nested arrays", b"[" * depth + b"]" * depth


def webhook_inputs() -> Iterator[tuple[str, bytes]]:
    count = (WEBHOOK_LIMIT - 16) // 2
    yield (
        "a signed body of 1 M values (the body limit)",
        ("[" + ",".join(["0"] * count) + "]").encode()[: WEBHOOK_LIMIT - 1],
    )


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at its peak since the last reset (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def peak_rss_mb(pid: int) -> float:
    return rss_mb(pid, "VmHWM")


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    assert len(children) == 1, f"expected one gunicorn worker, found {children}"
    return int(children[0])


def follow(session: Session, location: str) -> str:
    """Follow a job to its end (if the upload started one) and fetch the page it leads to: the answer."""
    path = urllib.parse.urlsplit(location).path
    job = ""
    if path.startswith("/jobs/"):
        while True:
            status, body, _ = session.request("GET", f"{path}/progress.json")
            if status != 200:  # the worker is busy with the job (SQLite locked, a timeout): ask again
                print(f"  progress.json answered {status}: {body[:200]!r}", file=sys.stderr, flush=True)
                time.sleep(0.5)
                continue
            data = json.loads(body)
            if not data["active"]:
                break
            time.sleep(0.5)
        job = f"job {data['status']}" + (f" ({data['message'][:40]})" if data["status"] != "done" else "") + ", "
        path = urllib.parse.urlsplit(data["next"]).path if data.get("next") else path
    status, _, _ = session.request("GET", path)
    return f"{job}{status} {path}"


def measure(pid: int, send: Callable[[Session], Send], session: Session) -> tuple[str, float]:
    reset_peak(pid)
    status, body, headers = send(session)
    answer = f"{status}"
    if status >= 400:
        refusal = re.search(r'class="[^"]*(?:field-error|flash-error|error-message)[^"]*"[^>]*>([^<]+)', body)
        answer += f" ({refusal.group(1).strip()[:60]})" if refusal else ""
    if status in (302, 303) and headers.get("Location"):
        answer += " → " + follow(session, headers["Location"])
    return answer, peak_rss_mb(pid)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit-mb", type=float, default=250.0)
    parser.add_argument("--only", default="", help="run only the doors whose name contains this")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{tmp}/memory.db",
            "SECRET_KEY": "upload-memory-bench",
            "PROCTORING_WEBHOOK_SECRET": SECRET,
        }
        env.pop("REDIS_URL", None)
        flask = [str(BIN / "flask"), "--app", "wsgi"]
        subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        spec = ROOT / "webapp" / "demo" / "spec.yaml"
        subprocess.run([*flask, "data", "load", str(spec)], cwd=ROOT, env=env, check=True, capture_output=True)
        failures = 0
        cases: list[tuple[str, str, Callable[[Session], Send]]] = []
        for door in CSV_DOORS:
            cases += [(door.name, label, _upload(door, content)) for label, content in csv_inputs()]
        for door in JSON_DOORS:
            cases += [(door.name, label, _upload(door, content)) for label, content in json_inputs()]
        cases += [("webhook", label, _signed(content)) for label, content in webhook_inputs()]
        print(f"{'door':<22}{'input':<46}{'peak MB':>8}  answer")
        pidfile = Path(tmp) / "gunicorn.pid"
        for name, label, send in cases:
            if args.only and args.only not in name:
                continue
            with gunicorn(env, str(BIN / "gunicorn"), workers=1, timeout=600, pidfile=pidfile) as base:
                pid = worker_pid(int(pidfile.read_text()))
                session = Session(base)
                session.login("staff")
                session.request("GET", "/")
                idle = rss_mb(pid)
                answer, peak = measure(pid, send, session)
            over = peak > args.limit_mb
            failures += over
            flag = "  OVER THE LIMIT" if over else ""
            print(f"{name:<22}{label:<46}{peak:>8.0f}  {answer} (before: {idle:.0f} MB){flag}", flush=True)
        print(f"limit {args.limit_mb:.0f} MB: {'all under it' if not failures else f'{failures} over it'}")
        return 1 if failures else 0


def _upload(door: Door, content: bytes) -> Callable[[Session], Send]:
    return lambda session: session.upload(door.path, door.filename, content, door.fields)


def _signed(body: bytes) -> Callable[[Session], Send]:
    headers = {"Content-Type": "application/json"}
    return lambda session: session.request(
        "POST", "/api/proctoring/v1/reviews", body=body, headers={**headers, **sign_headers(body, SECRET)}
    )


if __name__ == "__main__":
    sys.exit(main())
