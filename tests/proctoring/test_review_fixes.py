"""Fixes from the code review: link schemes, the replay form's course check, odd exam filters."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.builders import enroll, make_course, make_course_staff, make_user
from tests.proctoring.builders import make_attempt, make_exam, payload, post_signed
from webapp.extensions import db
from webapp.models.proctoring import Review


def test_a_video_link_that_is_not_http_is_refused(client):
    course = make_course("course-v1:P+Q+R")
    learner = make_user("ada")
    enroll(learner, course)
    make_attempt(make_exam(course), learner, code="CODE-1", external_id="LOC1")
    db.session.commit()
    body = payload(code="CODE-1", locator="LOC1", status="Clean")
    body["videoReviewLink"] = "javascript:alert(document.cookie)"
    response = post_signed(client, body)
    assert response.status_code == 400 and "videoReviewLink" in response.json["detail"]
    assert db.session.scalar(select(func.count()).select_from(Review)) == 0


def test_the_replay_form_of_another_course_is_403(client):
    mine, theirs = make_course("course-v1:P+Mine+1"), make_course("course-v1:P+Theirs+1")
    make_course_staff(make_user("cs"), mine)
    db.session.commit()
    client.login("cs")
    assert client.get("/courses/course-v1:P+Mine+1/proctoring/replay").status_code == 200
    assert client.get(f"/courses/{theirs.key}/proctoring/replay").status_code == 403
    assert client.get("/courses/course-v1:No+Such+1/proctoring/replay").status_code == 404


def test_odd_exam_filters_are_ignored_not_500(client):
    make_user("staff", is_staff=True)
    course = make_course("course-v1:P+Q+R")
    db.session.commit()
    client.login("staff")
    for exam in ("²", "99999999999999999999999", "-1", "abc"):
        assert client.get(f"/proctoring/reviews?exam={exam}").status_code == 200
        assert client.get(f"/courses/{course.key}/proctoring/attempts?exam={exam}").status_code == 200


def test_a_data_spec_cannot_move_a_completed_attempt_back(runner, tmp_path):
    spec = tmp_path / "spec.yaml"
    base = (
        "users:\n  - {username: ada, email: ada@example.com}\n"
        'courses:\n  - {id: "course-v1:P+Q+R", name: PQR}\n'
        'exams:\n  - {course: "course-v1:P+Q+R", content_id: final, name: Final}\n'
        'attempts:\n  - {course: "course-v1:P+Q+R", content_id: final, username: ada, '
        "attempt_code: CODE-9, status: STATUS}\n"
    )
    spec.write_text(base.replace("STATUS", "verified"))
    assert runner.invoke(args=["data", "load", str(spec)]).exit_code == 0
    spec.write_text(base.replace("STATUS", "started"))
    result = runner.invoke(args=["data", "load", str(spec), "--json"])
    assert '"error": 1' in result.output and "from the completed status verified" in result.output
    from webapp.models.proctoring import ExamAttempt

    assert db.session.scalar(select(ExamAttempt.status)) == "verified"
