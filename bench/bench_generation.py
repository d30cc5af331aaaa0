"""Benchmark: certificate generation "All Learners" over a course of N enrolled learners, server-side time.

Builds N learners enrolled in one instructor-paced course (audit for every tenth), a grade record for 95% of them
(two in three passing), 1% allowlisted, and a downloadable certificate already held by 2% (left to Regenerate).
Then times the services the generation form and the apply button call (`plan_generation`, `apply_plan`) inside
the app, without the HTTP round trip. Each run starts from a fresh database; medians are printed.
Targets (issue 15): preview ≤ 2 s, apply ≤ 3 s at 100,000 learners.

Usage: .venv/bin/python bench/bench_generation.py [--learners 100000] [--runs 3] [--postgres [URL]]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.capability import Figures, arguments, backends, database, label, make_app, timed

COURSE = "course-v1:BenchX+Generation+2026"


def build(n: int) -> None:
    """The population, inserted in bulk."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import AllowlistEntry, Certificate, Course, Enrollment, User
    from webapp.models.enterprise import GradeRecord

    db.session.execute(Course.__table__.insert(), [{"key": COURSE, "name": "Generation", "pacing": "instructor"}])
    course_id = db.session.scalar(select(Course.id))
    step = 20_000
    for start in range(0, n + 1, step):
        db.session.execute(
            User.__table__.insert(),
            [
                {
                    "username": "staff" if i == 0 else f"learner{i:06d}",
                    "email": f"user{i:06d}@example.org",
                    "full_name": "",
                    "is_staff": i == 0,
                    "is_active": True,
                    "password_hash": "",
                    "session_token": f"{i:032d}",
                }
                for i in range(start, min(start + step, n + 1))
            ],
        )
    ids = list(db.session.scalars(select(User.id).where(User.is_staff.is_(False)).order_by(User.id)))
    for start in range(0, len(ids), step):
        part = list(enumerate(ids[start : start + step], start=start))
        db.session.execute(
            Enrollment.__table__.insert(),
            [
                {
                    "user_id": u,
                    "course_id": course_id,
                    "mode": "audit" if i % 10 == 0 else "verified",
                    "is_active": True,
                }
                for i, u in part
            ],
        )
        db.session.execute(
            GradeRecord.__table__.insert(),
            [
                {"user_id": u, "course_key": COURSE, "percent": (i % 100) / 100, "passed": i % 3 != 0}
                for i, u in part
                if i % 20 != 0
            ],
        )
        allowed = [{"user_id": u, "course_id": course_id, "notes": "bench"} for i, u in part if i % 100 == 1]
        if allowed:
            db.session.execute(AllowlistEntry.__table__.insert(), allowed)
        held = [
            {"user_id": u, "course_id": course_id, "status": "downloadable", "grade": 0.9}
            for i, u in part
            if i % 50 == 7
        ]
        if held:
            db.session.execute(Certificate.__table__.insert(), held)
    db.session.commit()


def run(backend: str, n: int, figures: Figures) -> None:
    from sqlalchemy import func, select

    from webapp.extensions import db
    from webapp.models import Certificate, User
    from webapp.services import plans
    from webapp.services.certificates.generation_runs import plan_generation

    with database(backend, "generation") as url:
        app = make_app(url)
        with app.app_context():
            build(n)
            staff = db.session.scalar(select(User).where(User.is_staff.is_(True)))
            preview_s, plan = timed(lambda: plan_generation(staff, COURSE, "all"))
            plan_id, counts = plan.id, dict(plan.counts)  # type: ignore[attr-defined]
            db.session.expire_all()
            apply_s, result = timed(lambda: plans.apply_plan(plan_id, staff))
            issued = db.session.scalar(select(func.count()).select_from(Certificate))
            db.session.remove()
            db.engine.dispose()
    print(
        f"  {label(backend)}: preview {preview_s:.2f} s, apply {apply_s:.2f} s — counts {counts}, "
        f"{result.applied} applied, {issued:,} certificates now",  # type: ignore[attr-defined]
        flush=True,
    )
    figures.add(f"{label(backend)} preview, {n:,} learners", preview_s)
    figures.add(f"{label(backend)} apply, {n:,} learners", apply_s)


def main() -> int:
    options = arguments(__doc__.splitlines()[0], learners=100_000).parse_args()
    n = options.learners
    scale = n / 100_000
    targets = {}
    for backend in backends(options):
        targets[f"{label(backend)} preview, {n:,} learners"] = (2.0 * scale, "s")
        targets[f"{label(backend)} apply, {n:,} learners"] = (3.0 * scale, "s")
    figures = Figures(f"certificate generation All Learners, server-side, median of {options.runs}", targets)
    for backend in backends(options):
        for _ in range(max(options.runs, 1)):
            run(backend, n, figures)
    figures.report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
