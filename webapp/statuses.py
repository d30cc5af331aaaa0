"""Every status and action vocabulary of the app, in one place.

Templates and services use these enums; no status string is written anywhere else. Every label is marked
`N_` (extracted for translation): values and labels are stored and exported in English, and pages show the
labels in the reader's language through `|translated`.
"""

from __future__ import annotations

from enum import StrEnum

from webapp.services.messages import N_


class Action(StrEnum):
    """What a plan row will do (or did) when the plan is applied."""

    CREATE = "create"  # a new record is written
    UPDATE = "update"  # an existing record changes; the row carries before/after values
    DELETE = "delete"  # an existing record is removed
    DEACTIVATE = "deactivate"  # an existing record is kept but marked inactive
    UNCHANGED = "unchanged"  # the record already matches the input; nothing to write
    SKIP = "skip"  # the row is passed over on purpose (blank row, duplicate, no name…)
    ERROR = "error"  # the row cannot be applied; the code and message say why

    @property
    def writes(self) -> bool:
        return self in WRITE_ACTIONS

    @property
    def label(self) -> str:
        return ACTION_LABELS[self]


ACTION_LABELS = {
    Action.CREATE: N_("Create"),
    Action.UPDATE: N_("Update"),
    Action.DELETE: N_("Delete"),
    Action.DEACTIVATE: N_("Deactivate"),
    Action.UNCHANGED: N_("Unchanged"),
    Action.SKIP: N_("Skip"),
    Action.ERROR: N_("Error"),
}
WRITE_ACTIONS = frozenset({Action.CREATE, Action.UPDATE, Action.DELETE, Action.DEACTIVATE})
ACTION_ORDER = [
    Action.ERROR,
    Action.CREATE,
    Action.UPDATE,
    Action.DELETE,
    Action.DEACTIVATE,
    Action.UNCHANGED,
    Action.SKIP,
]


class PlanStatus(StrEnum):
    """Life cycle of a plan: previewed -> applying -> applied, or stale / expired."""

    PREVIEWED = "previewed"  # planned and shown; nothing written yet
    APPLYING = "applying"  # one worker has claimed it and is writing
    APPLIED = "applied"  # written; per-row outcomes recorded
    STALE = "stale"  # the database changed since the preview; nothing was written
    EXPIRED = "expired"  # not applied in time; can no longer be applied
    FAILED = "failed"  # an atomic plan whose apply failed as a whole; nothing was written

    @property
    def label(self) -> str:
        return PLAN_STATUS_LABELS[self]


PLAN_STATUS_LABELS = {
    PlanStatus.PREVIEWED: N_("Previewed"),
    PlanStatus.APPLYING: N_("Applying"),
    PlanStatus.APPLIED: N_("Applied"),
    PlanStatus.STALE: N_("Stale"),
    PlanStatus.EXPIRED: N_("Expired"),
    PlanStatus.FAILED: N_("Failed"),
}


# The stored values themselves, as messages name them ("Plan #7 is previewed."): marked so a page translates
# them inside such a message.
STATUS_WORDS = (
    N_("previewed"),
    N_("applying"),
    N_("applied"),
    N_("stale"),
    N_("expired"),
    N_("failed"),
    N_("queued"),
    N_("running"),
    N_("done"),
    N_("cancelled"),
)


class RowOutcome(StrEnum):
    """What happened to one write row when its plan was applied."""

    APPLIED = "applied"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return N_("Applied") if self is RowOutcome.APPLIED else N_("Failed")


class EffectKind(StrEnum):
    """A consequence of a plan row beyond its own target (design §1), stated before the click and counted."""

    CERTIFICATE_UNAVAILABLE = "certificate_unavailable"  # a certificate stops being downloadable
    CERTIFICATE_ISSUED = "certificate_issued"  # a certificate is issued or changes status (generation)
    CREDIT_STATUS = "credit_status"  # a credit requirement status changes or is removed
    ACADEMY_DEACTIVATED = "academy_deactivated"  # an academy is taken off the catalog
    ATTEMPT_ARCHIVED = "attempt_archived"  # an exam attempt is archived; the learner may take the exam again
    SUPPORT_NOTIFIED = "support_notified"  # support gets a notification to look at a review

    @property
    def label(self) -> str:
        return EFFECT_LABELS[self]

    @property
    def destructive(self) -> bool:
        """Whether a plan with this effect makes something unavailable (styled as destructive)."""
        return self in DESTRUCTIVE_EFFECTS


EFFECT_LABELS = {
    EffectKind.CERTIFICATE_UNAVAILABLE: N_("Certificate made unavailable"),
    EffectKind.CERTIFICATE_ISSUED: N_("Certificate issued or changed"),
    EffectKind.CREDIT_STATUS: N_("Credit status changes"),
    EffectKind.ACADEMY_DEACTIVATED: N_("Academy deactivated"),
    EffectKind.ATTEMPT_ARCHIVED: N_("Attempt archived"),
    EffectKind.SUPPORT_NOTIFIED: N_("Support notified"),
}
DESTRUCTIVE_EFFECTS = frozenset(
    {EffectKind.CERTIFICATE_UNAVAILABLE, EffectKind.ACADEMY_DEACTIVATED, EffectKind.ATTEMPT_ARCHIVED}
)


class RowFilter(StrEnum):
    """The row tabs of a plan page: one per action, and the rows whose apply failed."""

    ERROR = Action.ERROR.value
    CREATE = Action.CREATE.value
    UPDATE = Action.UPDATE.value
    DELETE = Action.DELETE.value
    DEACTIVATE = Action.DEACTIVATE.value
    UNCHANGED = Action.UNCHANGED.value
    SKIP = Action.SKIP.value
    FAILED = RowOutcome.FAILED.value  # written rows whose apply failed

    @property
    def label(self) -> str:
        if self is RowFilter.ERROR:
            return N_("Errors")
        return N_("Failed") if self is RowFilter.FAILED else Action(self.value).label

    @property
    def action(self) -> Action | None:
        """The action this tab shows, or None for the failed rows (an outcome, not an action)."""
        return None if self is RowFilter.FAILED else Action(self.value)

    @classmethod
    def parse(cls, value: str | None) -> RowFilter | None:
        """The filter a query argument names; None (all rows) for a missing or unknown one."""
        try:
            return cls(value) if value else None
        except ValueError:
            return None


class Pacing(StrEnum):
    INSTRUCTOR = "instructor"
    SELF = "self"

    @property
    def label(self) -> str:
        return N_("Instructor") if self is Pacing.INSTRUCTOR else N_("Self")


class CourseRole(StrEnum):
    STAFF = "staff"
    INSTRUCTOR = "instructor"

    @property
    def label(self) -> str:
        return N_("Staff") if self is CourseRole.STAFF else N_("Instructor")


class EnrollmentMode(StrEnum):
    AUDIT = "audit"
    HONOR = "honor"
    VERIFIED = "verified"
    PROFESSIONAL = "professional"
    NO_ID_PROFESSIONAL = "no-id-professional"
    MASTERS = "masters"
    CREDIT = "credit"
    EXECUTIVE_EDUCATION = "executive-education"

    @property
    def label(self) -> str:
        return ENROLLMENT_MODE_LABELS[self]


ENROLLMENT_MODE_LABELS = {  # the platform's course-mode names
    EnrollmentMode.AUDIT: N_("Audit"),
    EnrollmentMode.HONOR: N_("Honor"),
    EnrollmentMode.VERIFIED: N_("Verified"),
    EnrollmentMode.PROFESSIONAL: N_("Professional"),
    EnrollmentMode.NO_ID_PROFESSIONAL: N_("Professional (no ID)"),
    EnrollmentMode.MASTERS: N_("Master's"),
    EnrollmentMode.CREDIT: N_("Credit"),
    EnrollmentMode.EXECUTIVE_EDUCATION: N_("Executive Education"),
}


class CertificateStatus(StrEnum):
    """The platform's GeneratedCertificate statuses."""

    DOWNLOADABLE = "downloadable"  # issued; the learner can download it
    NOTPASSING = "notpassing"  # graded, not passing
    UNAVAILABLE = "unavailable"  # revoked or invalidated
    ERROR = "error"  # generation failed
    GENERATING = "generating"  # being generated (counts as passing)
    AUDIT_PASSING = "audit_passing"  # audit learner who passed; no certificate for audit
    AUDIT_NOTPASSING = "audit_notpassing"
    UNVERIFIED = "unverified"  # passed, but identity not verified
    RESTRICTED = "restricted"  # embargo restriction
    DELETED = "deleted"
    DELETING = "deleting"
    AUDITING = "auditing"
    HONOR_PASSING = "honor_passing"
    INVALIDATED = "invalidated"
    REQUESTING = "requesting"

    @property
    def is_passing(self) -> bool:
        return self in PASSING_CERTIFICATE_STATUSES

    @property
    def label(self) -> str:
        """The platform's badge words (domain §1.1); statuses without one read as their words."""
        return CERTIFICATE_STATUS_LABELS[self]


PASSING_CERTIFICATE_STATUSES = frozenset({CertificateStatus.DOWNLOADABLE, CertificateStatus.GENERATING})


class CertificateFilter(StrEnum):
    """The friendly labels staff filter the issued-certificates list by (domain §1.1)."""

    ALL = "all"
    RECEIVED = "received"
    NOT_RECEIVED = "not_received"
    AUDIT_PASSING = "audit_passing"
    AUDIT_NOT_PASSING = "audit_not_passing"
    ERROR_STATE = "error_state"
    GRANTED_EXCEPTIONS = "granted_exceptions"
    INVALIDATED = "invalidated"

    @property
    def label(self) -> str:
        return CERTIFICATE_FILTER_LABELS[self]


CERTIFICATE_FILTER_LABELS = {  # exactly the platform's filter words (domain §1.1)
    CertificateFilter.ALL: N_("All Learners"),
    CertificateFilter.RECEIVED: N_("Received"),
    CertificateFilter.NOT_RECEIVED: N_("Not Received"),
    CertificateFilter.AUDIT_PASSING: N_("Audit - Passing"),
    CertificateFilter.AUDIT_NOT_PASSING: N_("Audit - Not Passing"),
    CertificateFilter.ERROR_STATE: N_("Error State"),
    CertificateFilter.GRANTED_EXCEPTIONS: N_("Granted Exceptions"),
    CertificateFilter.INVALIDATED: N_("Invalidated"),
}

CERTIFICATE_STATUS_LABELS = {  # the badges use the filters' words
    CertificateStatus.DOWNLOADABLE: N_("Received"),
    CertificateStatus.NOTPASSING: N_("Not Received"),
    CertificateStatus.UNAVAILABLE: N_("Not Received"),
    CertificateStatus.AUDIT_PASSING: N_("Audit - Passing"),
    CertificateStatus.AUDIT_NOTPASSING: N_("Audit - Not Passing"),
    CertificateStatus.ERROR: N_("Error State"),
    CertificateStatus.GENERATING: N_("Generating"),
    CertificateStatus.UNVERIFIED: N_("Unverified"),
    CertificateStatus.RESTRICTED: N_("Restricted"),
    CertificateStatus.DELETED: N_("Deleted"),
    CertificateStatus.DELETING: N_("Deleting"),
    CertificateStatus.AUDITING: N_("Auditing"),
    CertificateStatus.HONOR_PASSING: N_("Honor passing"),
    CertificateStatus.INVALIDATED: N_("Invalidated"),
    CertificateStatus.REQUESTING: N_("Requesting"),
}


class SpecialCase(StrEnum):
    """A learner's special certificate case in a course (the platform's `IssuedCertificateSerializer`)."""

    EXCEPTION = "exception"  # on the allowlist (wins over an invalidation)
    INVALIDATED = "invalidated"  # has an active invalidation
    NONE = ""

    @property
    def label(self) -> str:
        return {"exception": N_("Exception"), "invalidated": N_("Invalidation"), "": ""}[self.value]


class GenerationScope(StrEnum):
    """Who a certificate generation run covers (the platform's history labels, domain §1.7)."""

    ALL = "all"  # every actively enrolled learner
    EXCEPTIONS = "exceptions"  # allowlisted learners without a downloadable certificate

    @property
    def label(self) -> str:
        return {"all": N_("All Learners"), "exceptions": N_("For exceptions")}[self.value]


class AttemptStatus(StrEnum):
    """edx-proctoring ProctoredExamStudentAttemptStatus."""

    ELIGIBLE = "eligible"  # may take the exam proctored
    CREATED = "created"  # attempt record exists
    DOWNLOAD_SOFTWARE_CLICKED = "download_software_clicked"
    READY_TO_START = "ready_to_start"
    STARTED = "started"
    READY_TO_SUBMIT = "ready_to_submit"
    DECLINED = "declined"  # learner chose to take the exam without proctoring
    TIMED_OUT = "timed_out"  # stored as submitted unless ALLOW_TIMED_OUT_STATE
    SUBMITTED = "submitted"  # submitted, awaiting review
    SECOND_REVIEW_REQUIRED = "second_review_required"  # provider flagged it; a person must look
    VERIFIED = "verified"  # review passed
    REJECTED = "rejected"  # review failed
    ERROR = "error"  # the review could not be done
    ONBOARDING_MISSING = "onboarding_missing"
    ONBOARDING_PENDING = "onboarding_pending"
    ONBOARDING_FAILED = "onboarding_failed"
    ONBOARDING_EXPIRED = "onboarding_expired"

    @property
    def label(self) -> str:
        return ATTEMPT_STATUS_LABELS[self]

    @property
    def is_completed(self) -> bool:
        return self not in INCOMPLETE_ATTEMPT_STATUSES

    @property
    def is_incomplete(self) -> bool:
        return self in INCOMPLETE_ATTEMPT_STATUSES


ATTEMPT_STATUS_LABELS = {
    AttemptStatus.ELIGIBLE: N_("Eligible"),
    AttemptStatus.CREATED: N_("Created"),
    AttemptStatus.DOWNLOAD_SOFTWARE_CLICKED: N_("Download software clicked"),
    AttemptStatus.READY_TO_START: N_("Ready to start"),
    AttemptStatus.STARTED: N_("Started"),
    AttemptStatus.READY_TO_SUBMIT: N_("Ready to submit"),
    AttemptStatus.DECLINED: N_("Declined"),
    AttemptStatus.TIMED_OUT: N_("Timed out"),
    AttemptStatus.SUBMITTED: N_("Submitted"),
    AttemptStatus.SECOND_REVIEW_REQUIRED: N_("Second review required"),
    AttemptStatus.VERIFIED: N_("Verified"),
    AttemptStatus.REJECTED: N_("Rejected"),
    AttemptStatus.ERROR: N_("Error"),
    AttemptStatus.ONBOARDING_MISSING: N_("Onboarding missing"),
    AttemptStatus.ONBOARDING_PENDING: N_("Onboarding pending"),
    AttemptStatus.ONBOARDING_FAILED: N_("Onboarding failed"),
    AttemptStatus.ONBOARDING_EXPIRED: N_("Onboarding expired"),
}
INCOMPLETE_ATTEMPT_STATUSES = frozenset(
    {
        AttemptStatus.ELIGIBLE,
        AttemptStatus.CREATED,
        AttemptStatus.DOWNLOAD_SOFTWARE_CLICKED,
        AttemptStatus.READY_TO_START,
        AttemptStatus.STARTED,
        AttemptStatus.READY_TO_SUBMIT,
    }
)


class ReviewStatus(StrEnum):
    """The standard review status a provider's reviewStatus maps to."""

    PASSED = "passed"
    VIOLATION = "violation"
    SUSPICIOUS = "suspicious"
    NOT_REVIEWED = "not_reviewed"

    @property
    def label(self) -> str:
        return REVIEW_STATUS_LABELS[self]


REVIEW_STATUS_LABELS = {
    ReviewStatus.PASSED: N_("Passed"),
    ReviewStatus.VIOLATION: N_("Rules violation"),
    ReviewStatus.SUSPICIOUS: N_("Suspicious"),
    ReviewStatus.NOT_REVIEWED: N_("Not reviewed"),
}


class ProviderReviewStatus(StrEnum):
    """SoftwareSecure / PSI reviewStatus strings, stored as given."""

    CLEAN = "Clean"
    RULES_VIOLATION = "Rules Violation"
    SUSPICIOUS = "Suspicious"
    NOT_REVIEWED = "Not Reviewed"

    @property
    def label(self) -> str:
        return {
            "Clean": N_("Clean"),
            "Rules Violation": N_("Rules Violation"),
            "Suspicious": N_("Suspicious"),
            "Not Reviewed": N_("Not Reviewed"),
        }[self.value]


class CreditStatus(StrEnum):
    """Credit requirement status for namespace proctored_exam."""

    SATISFIED = "satisfied"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    FAILED = "failed"

    @property
    def label(self) -> str:
        return {
            "satisfied": N_("Satisfied"),
            "submitted": N_("Submitted"),
            "declined": N_("Declined"),
            "failed": N_("Failed"),
        }[self.value]


class Grade(StrEnum):
    """The grade column of a learner completion export."""

    PASS = "Pass"
    FAIL = "Fail"
    IN_PROGRESS = "In Progress"
    AUDIT = "Audit"

    @property
    def label(self) -> str:
        return {"Pass": N_("Pass"), "Fail": N_("Fail"), "In Progress": N_("In Progress"), "Audit": N_("Audit")}[
            self.value
        ]


class Switch(StrEnum):
    """A setting shown as on or off (certificate generation)."""

    ON = "on"
    OFF = "off"

    @property
    def label(self) -> str:
        return N_("On") if self is Switch.ON else N_("Off")


class AcademyState(StrEnum):
    """An academy's state as the list shows it."""

    ACTIVE = "active"  # offered; synced from the catalog
    INACTIVE = "inactive"  # kept for history; no longer offered (e.g. deactivated by a sync)

    @property
    def label(self) -> str:
        return N_("Active") if self is AcademyState.ACTIVE else N_("Inactive")


class InvalidationState(StrEnum):
    """The invalidation list's filter: an invalidation is active or re-validated."""

    ALL = "all"
    ACTIVE = "active"  # the certificate is held unavailable
    REVALIDATED = "revalidated"  # inactive: kept for history

    @property
    def label(self) -> str:
        return {"all": N_("All"), "active": N_("Active"), "revalidated": N_("Re-validated")}[self.value]


class SkipReason(StrEnum):
    """Why an enrollment is not in the file (learner completion export)."""

    COURSE_UNKNOWN = "course_unknown"
    NO_CONSENT = "no_consent"
    AUDIT_NOT_REPORTED = "audit_not_reported"
    NO_GRADE = "no_grade"
    UNCHANGED = "unchanged"

    @property
    def label(self) -> str:
        return SKIP_LABELS[self]


SKIP_LABELS = {
    SkipReason.COURSE_UNKNOWN: N_("Course unknown"),
    SkipReason.NO_CONSENT: N_("No data-sharing consent"),
    SkipReason.AUDIT_NOT_REPORTED: N_("Audit/honor, audit reporting off"),
    SkipReason.NO_GRADE: N_("No grade record"),
    SkipReason.UNCHANGED: N_("Unchanged since last export"),
}


def label_of(value: object, of: type[StrEnum] | None = None) -> str:
    """What staff read for a status: the member's label, else its words capitalised ("second_review_required"
    reads "Second review required"). A value no vocabulary knows reads as it is; None and "" read as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return N_("yes") if value else N_("no")
    member = value if isinstance(value, StrEnum) else _member_of(of, str(value))
    if member is None:
        return str(value)
    label = getattr(member, "label", None)
    if isinstance(label, str):
        return label
    words = member.value.replace("_", " ")
    return words if words != words.lower() else words.capitalize()


def badge_class(value: StrEnum | str, of: type[StrEnum] | None = None) -> str:
    """CSS badge modifier of one enum member (templates call this, never hard-code a class).

    A stored value (a plain string) is read as a member of `of`, its vocabulary: values repeat across
    vocabularies ("error", "failed", "submitted"...), so a string alone never picks a badge."""
    member = value if isinstance(value, StrEnum) else _member_of(of, value)
    if member is None:
        return "neutral"
    return BADGES.get(type(member), {}).get(member, "neutral")


def _member_of(vocabulary: type[StrEnum] | None, value: str) -> StrEnum | None:
    if vocabulary is None:
        return None
    try:
        return vocabulary(value)
    except ValueError:
        return None


# The badge of each member, per vocabulary; a member not listed is "neutral".
BADGES: dict[type[StrEnum], dict[StrEnum, str]] = {
    Action: {
        Action.CREATE: "good",
        Action.UPDATE: "info",
        Action.DELETE: "warn",
        Action.DEACTIVATE: "warn",
        Action.UNCHANGED: "neutral",
        Action.SKIP: "muted",
        Action.ERROR: "bad",
    },
    PlanStatus: {
        PlanStatus.PREVIEWED: "info",
        PlanStatus.APPLYING: "info",
        PlanStatus.APPLIED: "good",
        PlanStatus.STALE: "warn",
        PlanStatus.EXPIRED: "muted",
        PlanStatus.FAILED: "bad",
    },
    RowOutcome: {RowOutcome.APPLIED: "good", RowOutcome.FAILED: "bad"},
    CertificateStatus: {
        CertificateStatus.DOWNLOADABLE: "good",
        CertificateStatus.GENERATING: "good",
        CertificateStatus.NOTPASSING: "neutral",
        CertificateStatus.UNAVAILABLE: "warn",
        CertificateStatus.ERROR: "bad",
        CertificateStatus.AUDIT_PASSING: "info",
        CertificateStatus.AUDIT_NOTPASSING: "muted",
    },
    AttemptStatus: {
        AttemptStatus.VERIFIED: "good",
        AttemptStatus.REJECTED: "bad",
        AttemptStatus.ERROR: "bad",
        AttemptStatus.SECOND_REVIEW_REQUIRED: "warn",
        AttemptStatus.SUBMITTED: "info",
        AttemptStatus.DECLINED: "muted",
    },
    ReviewStatus: {
        ReviewStatus.PASSED: "good",
        ReviewStatus.VIOLATION: "info",
        ReviewStatus.SUSPICIOUS: "warn",
        ReviewStatus.NOT_REVIEWED: "bad",
    },
    ProviderReviewStatus: {
        ProviderReviewStatus.CLEAN: "good",
        ProviderReviewStatus.RULES_VIOLATION: "info",
        ProviderReviewStatus.SUSPICIOUS: "warn",
        ProviderReviewStatus.NOT_REVIEWED: "bad",
    },
    CreditStatus: {
        CreditStatus.SATISFIED: "good",
        CreditStatus.SUBMITTED: "info",
        CreditStatus.FAILED: "bad",
        CreditStatus.DECLINED: "muted",
    },
    Grade: {Grade.PASS: "good", Grade.FAIL: "bad", Grade.IN_PROGRESS: "info", Grade.AUDIT: "muted"},
    SpecialCase: {SpecialCase.EXCEPTION: "info", SpecialCase.INVALIDATED: "warn"},
    AcademyState: {AcademyState.ACTIVE: "good", AcademyState.INACTIVE: "muted"},
    InvalidationState: {InvalidationState.REVALIDATED: "good"},
    Switch: {Switch.ON: "good", Switch.OFF: "warn"},
    EffectKind: {
        EffectKind.CERTIFICATE_UNAVAILABLE: "bad",
        EffectKind.ACADEMY_DEACTIVATED: "warn",
        EffectKind.ATTEMPT_ARCHIVED: "warn",
        EffectKind.CREDIT_STATUS: "info",
        EffectKind.CERTIFICATE_ISSUED: "good",
        EffectKind.SUPPORT_NOTIFIED: "info",
    },
    SkipReason: {
        SkipReason.NO_CONSENT: "warn",
        SkipReason.COURSE_UNKNOWN: "bad",
        SkipReason.AUDIT_NOT_REPORTED: "muted",
        SkipReason.NO_GRADE: "muted",
        SkipReason.UNCHANGED: "neutral",
    },
}


# Audit event actions (stored codes, stable in the CSV) and the words staff read for them.
AUDIT_ACTION_LABELS: dict[str, str] = {
    "plan.apply": N_("Plan applied"),
    "plan.recover": N_("Plan recovered after its worker stopped"),
    "plan.stale": N_("Plan found stale at apply"),
    "login.failed": N_("Failed login"),
    "completion.export": N_("Completion export downloaded"),
    "certificates.generation": N_("Learner self-generation switched"),
    "proctoring.review": N_("Provider review received"),
    "proctoring.second_review": N_("Second review recorded"),
}


def audit_action_label(code: str) -> str:
    """What staff read for an audit action code; an unknown code reads as its words."""
    return AUDIT_ACTION_LABELS.get(code) or code.replace(".", " ").replace("_", " ").capitalize()


class JobStatus(StrEnum):
    """Life cycle of a background job (planning or applying a large plan): queued -> running -> done."""

    QUEUED = "queued"  # waiting for a worker (or put back after its worker stopped: it resumes)
    RUNNING = "running"  # one worker holds it (its lease is renewed while it runs)
    DONE = "done"  # finished: the plan is planned, or applied (or stale: see its message)
    FAILED = "failed"  # refused or broken; the message says why and what was written
    CANCELLED = "cancelled"  # staff cancelled it while it was planning; nothing was saved

    @property
    def active(self) -> bool:
        return self in (JobStatus.QUEUED, JobStatus.RUNNING)

    @property
    def label(self) -> str:
        return {
            JobStatus.QUEUED: N_("Waiting for a worker"),
            JobStatus.RUNNING: N_("Running"),
            JobStatus.DONE: N_("Done"),
            JobStatus.FAILED: N_("Failed"),
            JobStatus.CANCELLED: N_("Cancelled"),
        }[self]


class JobKind(StrEnum):
    """What a job does."""

    PLAN = "plan"  # read an input, decide every row, save the previewed plan
    APPLY = "apply"  # apply a previewed plan

    @property
    def label(self) -> str:
        return N_("Plan") if self is JobKind.PLAN else N_("Apply")


class JobPhase(StrEnum):
    """Where a running job is (the progress shown to staff)."""

    WAITING = "waiting"  # not started yet
    READING = "reading"  # reading the input (rows so far)
    DECIDING = "deciding"  # deciding each row against the database
    SAVING = "saving"  # saving the plan's rows
    APPLYING = "applying"  # writing the plan's rows

    @property
    def label(self) -> str:
        return {
            JobPhase.WAITING: N_("Waiting"),
            JobPhase.READING: N_("Reading the input"),
            JobPhase.DECIDING: N_("Deciding each row"),
            JobPhase.SAVING: N_("Saving the plan"),
            JobPhase.APPLYING: N_("Applying"),
        }[self]
