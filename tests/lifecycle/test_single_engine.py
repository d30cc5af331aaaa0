"""The single-row engine (`run_single`, `decide_single`) with a kind that does what its item says: the exact
refusal for each shape of row (label and code, label, code, neither), unchanged rows refused only on request,
the context a decision sees, and the reason given when the write fails (unit level: the capabilities' forms
reach only some of these shapes)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from tests.builders import make_user
from webapp.extensions import db
from webapp.models import Plan
from webapp.services.errors import InputRefused, PermissionDenied, ServiceError
from webapp.services.plans import kinds
from webapp.services.plans.kinds import Decision, Item, PlanContext, PlanKind
from webapp.services.plans.single import decide_single, run_single
from webapp.statuses import Action
from webapp.timeutil import utcnow


class Echo(PlanKind):
    """Decides what the item's data says; its apply fails when the item asks it to."""

    name = "test_echo"
    title = "Echo"
    needs_course = False

    def decide(self, ctx: PlanContext, items: Sequence[Item]):
        for item in items:
            d = item.data
            seen = f"{ctx.actor.username if ctx.actor else '-'} {sorted(ctx.params.items())} {ctx.now is not None}"
            yield Decision(
                Action(d["action"]),
                key=str(item.row),
                label=d.get("label", ""),
                code=d.get("code", ""),
                message=d.get("message", seen),
            )

    def apply(self, ctx: PlanContext, rows) -> None:
        for row in rows:
            if row.data.get("fail"):
                raise ServiceError(row.data["fail"])


@pytest.fixture
def staff(app, monkeypatch):
    monkeypatch.setitem(kinds.KINDS, Echo.name, Echo())
    user = make_user("staff", is_staff=True)
    db.session.commit()
    return user


def _item(**data) -> Item:
    return Item(1, ["x"], data)


@pytest.mark.parametrize(
    ("data", "refusal"),
    [
        (
            {"label": "ann", "code": "unknown_learner", "message": "no such learner"},
            "ann: no such learner (unknown_learner).",
        ),
        ({"label": "ann", "message": "no such learner"}, "ann: no such learner."),
        ({"code": "bad_format", "message": "not a row"}, "not a row (bad_format)."),
        ({"message": "not a row"}, "not a row."),
    ],
)
@pytest.mark.parametrize("action", ["error", "skip"])
def test_a_refused_row_reads_exactly_for_each_shape(staff, data, refusal, action):
    with pytest.raises(InputRefused) as refused:
        decide_single("test_echo", _item(action=action, **data), actor=staff, course=None)
    assert str(refused.value) == refusal
    with pytest.raises(InputRefused) as refused:
        run_single("test_echo", _item(action=action, **data), actor=staff, course=None)
    assert str(refused.value) == refusal
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_an_unchanged_row_is_refused_only_when_asked(staff):
    item = _item(action="unchanged", label="ann", message="already listed", code="already_listed")
    assert decide_single("test_echo", item, actor=staff, course=None).action == Action.UNCHANGED
    done = run_single("test_echo", item, actor=staff, course=None)
    assert (done.action, done.label, done.message, done.code, done.written) == (
        Action.UNCHANGED,
        "ann",
        "already listed",
        "already_listed",
        False,
    )
    with pytest.raises(InputRefused, match=r"^ann: already listed \(already_listed\)\.$"):
        decide_single("test_echo", item, actor=staff, course=None, refuse_unchanged=True)
    with pytest.raises(InputRefused, match=r"^ann: already listed \(already_listed\)\.$"):
        run_single("test_echo", item, actor=staff, course=None, refuse_unchanged=True)


def test_a_decision_sees_the_actor_the_params_and_the_time(staff):
    decision = decide_single("test_echo", _item(action="create"), actor=staff, course=None, params={"p": 1})
    assert decision.message == "staff [('p', 1)] True"
    done = run_single("test_echo", _item(action="create"), actor=staff, course=None, params={"p": 1})
    assert (done.written, done.message) == (True, "staff [('p', 1)] True")


@pytest.mark.parametrize(
    ("label", "refusal"),
    [("ann", "ann: nothing was written: the row broke a rule."), ("", "nothing was written: the row broke a rule.")],
)
def test_a_row_whose_write_fails_says_why(staff, label, refusal):
    item = _item(action="create", label=label, fail="the row broke a rule")
    with pytest.raises(InputRefused) as refused:
        run_single("test_echo", item, actor=staff, course=None)
    assert str(refused.value) == refusal


def test_the_base_kind_counts_what_it_surveys_and_adds_no_empty_note(staff):
    ctx = PlanContext(actor=staff, course=None, params={}, now=utcnow())
    assert Echo().survey(ctx, iter([_item(action="create")] * 3)) == 3
    assert Echo().empty_note(None) == ""


class CourseEcho(Echo):
    name = "test_course_echo"
    title = "Course echo"
    needs_course = True
    action_labels = {Action.DEACTIVATE: "Re-validate"}


def test_the_base_kind_lets_only_global_staff_plan_without_a_course(staff):
    learner = make_user("learner")
    db.session.commit()
    with pytest.raises(PermissionDenied):
        decide_single("test_echo", _item(action="create"), actor=learner, course=None)
    assert Echo().may_change(learner, None) is False
    assert Echo().may_change(staff, None) is True


def test_a_kind_that_needs_a_course_refuses_a_plan_without_one(staff):
    with pytest.raises(ServiceError) as refused:
        CourseEcho().authorize(staff, None)
    assert str(refused.value) == "A Course echo plan needs a course."
    with pytest.raises(ServiceError) as refused:
        PlanContext(actor=staff, course=None, params={}, now=utcnow()).require_course()
    assert str(refused.value) == "This plan needs a course."


def test_a_kinds_own_action_label_wins_over_the_generic_one():
    assert CourseEcho.action_label(Action.DEACTIVATE) == "Re-validate"
    assert CourseEcho.action_label(Action.CREATE) == Action.CREATE.label
