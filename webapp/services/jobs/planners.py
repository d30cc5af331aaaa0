"""The capabilities' planning services as jobs may run them (listed in `webapp.assembly.job_planners()`).

Each adapter reads the job's stored arguments and input and calls the capability's own service, so a
plan made by a job is the very plan the request would have made.
"""

from __future__ import annotations

import io

from webapp.models import Course, Plan, User
from webapp.services import csvio, permissions
from webapp.services.certificates import exceptions, generation_runs, invalidations
from webapp.services.certificates.common import changing_course
from webapp.services.jobs.registry import Args, Planner
from webapp.services.messages import N_
from webapp.services.proctoring import replay


def _csv_check(actor: User | None, args: Args) -> Course | None:
    course = changing_course(actor, str(args["course_key"]))
    csvio.check_csv_filename(str(args.get("filename") or ""))
    return course


def _exceptions(actor: User | None, args: Args, data: bytes) -> Plan:
    return exceptions.plan_upload(
        actor,
        str(args["course_key"]),
        io.BytesIO(data),
        str(args["filename"]),
        encoding=str(args.get("encoding") or "utf-8"),
        removal=bool(args.get("removal")),
    )


def _invalidations(actor: User | None, args: Args, data: bytes) -> Plan:
    return invalidations.plan_upload(
        actor, str(args["course_key"]), io.BytesIO(data), str(args["filename"]), encoding=str(args.get("encoding"))
    )


def _replay_check(actor: User | None, args: Args) -> Course | None:
    key = str(args.get("course_key") or "")
    return permissions.course_for(actor, key) if key else None


def _replay_input(args: Args, data: bytes) -> None:
    replay.check_upload(data, str(args.get("filename") or ""))


def _replay(actor: User | None, args: Args, data: bytes) -> Plan:
    return replay.plan_replay(data, str(args["filename"]), actor=actor, course_key=str(args.get("course_key") or ""))


def _generation_check(actor: User | None, args: Args) -> Course | None:
    course = changing_course(actor, str(args["course_key"]))
    generation_runs.parse_scope(str(args.get("scope") or ""))
    return course


def _generation(actor: User | None, args: Args, _data: bytes) -> Plan:
    return generation_runs.plan_generation(
        actor, str(args["course_key"]), str(args["scope"]), regenerate=bool(args.get("regenerate"))
    )


EXCEPTIONS_UPLOAD = Planner("exceptions-upload", N_("Certificate exceptions upload"), _csv_check, _exceptions)
INVALIDATIONS_UPLOAD = Planner("invalidations-upload", N_("Invalidations upload"), _csv_check, _invalidations)
REPLAY = Planner(
    "proctoring-replay",
    N_("Proctoring review replay"),
    _replay_check,
    _replay,
    always=True,
    done_note=N_("This is the preview of the replay. Nothing is written until you apply it."),
    check_input=_replay_input,
)
GENERATION = Planner(
    "certificate-generation", N_("Certificate generation run"), _generation_check, _generation, always=True
)
