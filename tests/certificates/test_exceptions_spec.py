"""Data-spec entities certificates, allowlist, invalidations; the demo files load and are idempotent."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import AllowlistEntry, Certificate, Invalidation

DEMO = Path(__file__).resolve().parents[2] / "webapp" / "demo"


def _spec(tmp_path, body: str) -> str:
    (tmp_path / "certs.yaml").write_text(body)
    top = tmp_path / "spec.yaml"
    top.write_text(f"- data_spec_path: {DEMO / 'core.yaml'}\n- data_spec_path: certs.yaml\n")
    return str(top)


def test_demo_certificates_load_twice_without_changes(runner, tmp_path):
    top = tmp_path / "spec.yaml"
    top.write_text(f"- data_spec_path: {DEMO / 'core.yaml'}\n- data_spec_path: {DEMO / 'certificates.yaml'}\n")
    first = json.loads(runner.invoke(args=["data", "load", str(top), "--json"]).output)
    assert first["status"] == "applied" and first["counts"]["error"] == 0
    second = json.loads(runner.invoke(args=["data", "load", str(top), "--json"]).output)
    assert second["counts"]["create"] == second["counts"]["update"] == 0
    active = db.session.scalars(select(Invalidation).where(Invalidation.active.is_(True))).all()
    assert len(active) == 2 and all(i.certificate.status == "unavailable" for i in active)
    assert {i.status_before for i in active} == {"downloadable"}
    assert db.session.query(AllowlistEntry).count() == 5


def test_invalidation_in_spec_can_be_revalidated_by_a_later_load(runner, tmp_path):
    course = '"course-v1:edX+DemoX+Demo_Course"'
    base = f"certificates:\n  - {{username: learner004, course: {course}, status: downloadable}}\n"
    runner.invoke(
        args=[
            "data",
            "load",
            _spec(tmp_path, base + f"invalidations:\n  - {{username: learner004, course: {course}, notes: x}}\n"),
        ]
    )
    cert = db.session.scalar(select(Certificate))
    assert cert.status == "unavailable"
    result = runner.invoke(
        args=[
            "data",
            "load",
            _spec(
                tmp_path,
                base + f"invalidations:\n  - {{username: learner004, course: {course}, notes: x, active: false}}\n",
            ),
            "--json",
        ]
    )
    assert json.loads(result.output)["counts"]["update"] == 1
    db.session.expire_all()
    assert db.session.scalar(select(Certificate)).status == "downloadable"


def test_unknown_fields_and_bad_status_are_errors(runner, tmp_path):
    course = '"course-v1:edX+DemoX+Demo_Course"'
    body = (
        f"certificates:\n  - {{username: learner004, course: {course}, status: shiny}}\n"
        f"allowlist:\n  - {{username: learner004, course: {course}, colour: red}}\n"
        f"invalidations:\n  - {{username: ana_hassan, course: {course}}}\n"
    )
    data = json.loads(runner.invoke(args=["data", "load", _spec(tmp_path, body), "--json"]).output)
    messages = " ".join(r["message"] for r in data["rows"])
    assert "status" in messages and "colour" in messages and "certificate of" in messages
    assert db.session.query(Certificate).count() == 0
