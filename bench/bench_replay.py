"""Benchmark: replay a backlog of N provider review payloads (plan, then apply), server-side time.

Builds N learners with one submitted attempt each (4 exams of one course, a quarter of the learners with a
credit requirement status already, a human reviewer named on a tenth of the payloads), writes a JSON file of
N payloads (Clean, Rules Violation, Suspicious, Not Reviewed in turn), then times the services the upload
page and the apply button call (`plan_replay`, `apply_plan`) inside the app: what the server spends on the
request, without the HTTP round trip. Each run starts from a fresh database; the median of the runs is
printed. Target (issue 15): apply ≤ 0.4 s for 1,000 payloads (batched: no per-payload statements).

Usage: .venv/bin/python bench/bench_replay.py [--payloads 1000] [--runs 3] [--postgres [URL]]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.capability import Figures, arguments, backends, database, label, make_app, timed

STATUSES = ("Clean", "Rules Violation", "Suspicious", "Not Reviewed")
COURSE = "course-v1:BenchX+Replay+2026"


def build(n: int) -> bytes:
    """The population (inserted in bulk) and the payload file."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import Course, User
    from webapp.models.proctoring import CreditRequirementStatus, ExamAttempt, ProctoredExam

    db.session.execute(
        User.__table__.insert(),
        [
            {
                "username": f"learner{i:05d}",
                "email": f"learner{i:05d}@example.org",
                "full_name": "",
                "is_staff": i == 0,
                "is_active": True,
                "password_hash": "",
                "session_token": f"{i:032d}",
            }
            for i in range(n + 1)
        ],
    )
    db.session.execute(Course.__table__.insert(), [{"key": COURSE, "name": "Replay", "pacing": "self"}])
    course_id = db.session.scalar(select(Course.id))
    db.session.execute(
        ProctoredExam.__table__.insert(),
        [
            {"course_id": course_id, "content_id": f"block-v1:B+type@sequential+block@e{e}", "name": f"Exam {e}"}
            for e in range(4)
        ],
    )
    exams = list(db.session.execute(select(ProctoredExam.id, ProctoredExam.content_id).order_by(ProctoredExam.id)))
    users = list(db.session.scalars(select(User.id).where(User.is_staff.is_(False)).order_by(User.id)))
    db.session.execute(
        ExamAttempt.__table__.insert(),
        [
            {
                "exam_id": exams[i % 4].id,
                "user_id": user_id,
                "status": "submitted",
                "attempt_code": f"00000000-0000-4000-8000-{i:012d}",
                "external_id": f"LOC{i}",
                "taking_as_proctored": True,
            }
            for i, user_id in enumerate(users)
        ],
    )
    db.session.execute(
        CreditRequirementStatus.__table__.insert(),
        [
            {
                "user_id": user_id,
                "course_id": course_id,
                "namespace": "proctored_exam",
                "name": exams[i % 4].content_id,
                "status": "submitted",
            }
            for i, user_id in enumerate(users)
            if i % 4 == 0
        ],
    )
    db.session.commit()
    payloads = [
        {
            "examDate": "2026-05-01",
            "examProcessingStatus": "Review Completed",
            "examCode": f"00000000-0000-4000-8000-{i:012d}",
            "examMetaData": {"examCode": f"00000000-0000-4000-8000-{i:012d}", "ssiRecordLocator": f"LOC{i}"},
            "reviewStatus": STATUSES[i % 4],
            "videoReviewLink": "https://video.example.org/secret",
            **({"reviewed_by": "learner00000@example.org"} if i % 10 == 0 else {}),
            "webCamComments": [
                {
                    "comments": "looked away",
                    "duration": 12,
                    "eventFinish": 112,
                    "eventStart": 100,
                    "eventStatus": "Suspicious",
                }
            ],
            "desktopComments": [],
        }
        for i in range(n)
    ]
    return json.dumps(payloads).encode()


def run(backend: str, n: int, figures: Figures) -> None:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import User
    from webapp.models.proctoring import Review
    from webapp.services import plans
    from webapp.services.proctoring.replay import plan_replay

    with database(backend, "replay") as url:
        app = make_app(url)
        with app.app_context():
            raw = build(n)
            staff = db.session.scalar(select(User).where(User.is_staff.is_(True)))
            plan_s, plan = timed(lambda: plan_replay(raw, "backlog.json", actor=staff))
            plan_id = plan.id  # type: ignore[attr-defined]
            db.session.expire_all()
            apply_s, result = timed(lambda: plans.apply_plan(plan_id, staff))
            stored = db.session.scalar(select(func.count()).select_from(Review))
            db.session.remove()
            db.engine.dispose()
    if stored != n or result.applied != n:  # type: ignore[attr-defined]
        raise SystemExit(f"replay stored {stored} reviews, applied {result.applied} rows of {n}")  # type: ignore[attr-defined]
    print(f"  {label(backend)}: plan {plan_s:.3f} s, apply {apply_s:.3f} s ({stored} reviews stored)", flush=True)
    figures.add(f"{label(backend)} plan (preview), {n:,} payloads", plan_s)
    figures.add(f"{label(backend)} apply, {n:,} payloads", apply_s)


def main() -> int:
    parser = arguments(__doc__.splitlines()[0], payloads=1000)
    options = parser.parse_args()
    n = options.payloads
    targets = {}
    for backend in backends(options):
        targets[f"{label(backend)} apply, {n:,} payloads"] = (0.4 * n / 1000, "s")
    figures = Figures(f"proctoring replay, {n:,} payloads, server-side, median of {options.runs}", targets)
    for backend in backends(options):
        for _ in range(max(options.runs, 1)):
            run(backend, n, figures)
    figures.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
