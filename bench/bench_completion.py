"""Benchmark: the learner completion preview and export over N enrollments, server-side time.

Builds one enterprise customer with N/2 active learners (and a few inactive ones), each enrolled in two courses
(one instructor-paced with certificates for two in three, one self-paced with grade records for 90%), with
data-sharing consent granted for 95% of the enrollments (audit mode for every tenth, audit reporting off).
Times, through the app in-process (what the server spends, no network): preview pages (the first, a middle one,
the last, the skipped view, a grade filter) and the full CSV export (streamed, consumed to the end).
Medians of the runs (a fresh database each). Targets (issue 15): any page ≤ 150 ms, full CSV ≤ 3 s at 100,000.

Usage: .venv/bin/python bench/bench_completion.py [--enrollments 100000] [--runs 3] [--postgres [URL]]
"""

from __future__ import annotations

import re
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.capability import Figures, arguments, backends, database, label, make_app

COURSES = ("course-v1:BenchX+Instructor+2026", "course-v1:BenchX+SelfPaced+2026")
CUSTOMER = "bench-corp"


def build(enrollments: int) -> None:
    """The population, inserted in bulk."""
    from sqlalchemy import select
    from werkzeug.security import generate_password_hash

    from webapp.extensions import db
    from webapp.models import Certificate, Course, Enrollment, User
    from webapp.models.enterprise import DataSharingConsent, EnterpriseCustomer, EnterpriseLearner, GradeRecord

    learners = enrollments // 2
    db.session.execute(
        User.__table__.insert(),
        [
            {
                "username": "staff",
                "email": "staff@example.com",
                "full_name": "",
                "is_staff": True,
                "is_active": True,
                "password_hash": generate_password_hash("edx", method="pbkdf2:sha256:1000"),
                "session_token": "s" * 32,
            }
        ],
    )
    db.session.execute(
        Course.__table__.insert(),
        [
            {"key": COURSES[0], "name": "Instructor-paced", "pacing": "instructor"},
            {"key": COURSES[1], "name": "Self-paced", "pacing": "self"},
        ],
    )
    course_ids = list(db.session.scalars(select(Course.id).order_by(Course.id)))
    db.session.execute(EnterpriseCustomer.__table__.insert(), [{"slug": CUSTOMER, "name": "Bench Corp"}])
    customer_id = db.session.scalar(select(EnterpriseCustomer.id))
    step = 20_000
    for start in range(0, learners, step):
        numbers = range(start, min(start + step, learners))
        db.session.execute(
            User.__table__.insert(),
            [
                {
                    "username": f"learner{i:06d}",
                    "email": f"learner{i:06d}@example.org",
                    "full_name": "",
                    "is_staff": False,
                    "is_active": True,
                    "password_hash": "",
                    "session_token": f"{i:032d}",
                }
                for i in numbers
            ],
        )
    ids = list(db.session.scalars(select(User.id).where(User.is_staff.is_(False)).order_by(User.id)))
    for start in range(0, len(ids), step):
        part = list(enumerate(ids[start : start + step], start=start))
        db.session.execute(
            EnterpriseLearner.__table__.insert(),
            [{"customer_id": customer_id, "user_id": u, "active": i % 500 != 3} for i, u in part],
        )
        db.session.execute(
            Enrollment.__table__.insert(),
            [
                {"user_id": u, "course_id": c, "mode": "audit" if i % 10 == 0 else "verified", "is_active": True}
                for i, u in part
                for c in course_ids
            ],
        )
        db.session.execute(
            DataSharingConsent.__table__.insert(),
            [
                {"customer_id": customer_id, "user_id": u, "course_key": key, "granted": i % 20 != 5}
                for i, u in part
                for key in COURSES
            ],
        )
        db.session.execute(
            Certificate.__table__.insert(),
            [
                {
                    "user_id": u,
                    "course_id": course_ids[0],
                    "status": "downloadable" if i % 2 else "notpassing",
                    "grade": 0.7,
                }
                for i, u in part
                if i % 3
            ],
        )
        db.session.execute(
            GradeRecord.__table__.insert(),
            [
                {"user_id": u, "course_key": COURSES[1], "percent": (i % 100) / 100, "passed": i % 100 >= 60}
                for i, u in part
                if i % 10 != 9
            ],
        )
    db.session.commit()


PAGES = {
    "first page": "",
    "page 500": "&page=500",
    "last page": "&page=100000",
    "skipped view": "&view=skipped",
    "grade Pass, page 100": "&grade=Pass&page=100",
}


def run(backend: str, n: int, figures: Figures) -> None:
    with database(backend, "completion") as url:
        app = make_app(url, WTF_CSRF_ENABLED=False)
        with app.app_context():
            build(n)
        client = app.test_client()
        client.post("/login", data={"username": "staff", "password": "edx"})
        base = f"/completion/?customer={CUSTOMER}&as_of=2026-06-30"
        for name, query in PAGES.items():
            samples = []
            for _ in range(3):
                start = time.perf_counter()
                response = client.get(base + query)
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200, response.status_code
            figures.add(f"{label(backend)} page ({name})", statistics.median(samples))
        page = client.get(base).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
        fields = {
            "customer": CUSTOMER,
            "course": "",
            "as_of": "2026-06-30",
            "csrf_token": token.group(1) if token else "",
        }
        start = time.perf_counter()
        response = client.post("/completion/export.csv", data=fields)
        assert response.status_code == 200, (
            response.status_code,
            response.get_data(as_text=True).split("<main")[-1][:600],
        )
        size = sum(len(chunk) for chunk in response.response)
        response.close()
        csv_s = time.perf_counter() - start
        figures.add(f"{label(backend)} full CSV", csv_s)
        print(f"  {label(backend)}: full CSV {csv_s:.2f} s ({size / 1e6:.1f} MB)", flush=True)
        with app.app_context():
            from webapp.extensions import db

            db.session.remove()
            db.engine.dispose()


def main() -> int:
    options = arguments(__doc__.splitlines()[0], enrollments=100_000).parse_args()
    n = options.enrollments
    targets: dict[str, tuple[float, str]] = {}
    for backend in backends(options):
        for name in PAGES:
            targets[f"{label(backend)} page ({name})"] = (150.0, "ms")
        targets[f"{label(backend)} full CSV"] = (3.0 * n / 100_000, "s")
    figures = Figures(
        f"completion preview and export, {n:,} enrollments, server-side, median of {options.runs}", targets
    )
    for backend in backends(options):
        for _ in range(max(options.runs, 1)):
            run(backend, n, figures)
    figures.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
