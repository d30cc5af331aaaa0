"""Every status and action vocabulary of the app, in one place.

Templates and services use these enums; no status string is written anywhere else.
"""

from __future__ import annotations

from enum import StrEnum


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
        return self.value.capitalize()


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


class RowOutcome(StrEnum):
    """What happened to one write row when its plan was applied."""

    APPLIED = "applied"
    FAILED = "failed"


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

    def summary(self, count: int) -> str:
        """The effect in words with its count, e.g. "makes 4 certificates unavailable"."""
        singular, plural = EFFECT_SUMMARIES[self]
        return (singular if count == 1 else plural).format(n=f"{count:,}")


EFFECT_LABELS = {
    EffectKind.CERTIFICATE_UNAVAILABLE: "Certificate made unavailable",
    EffectKind.CERTIFICATE_ISSUED: "Certificate issued or changed",
    EffectKind.CREDIT_STATUS: "Credit status changes",
    EffectKind.ACADEMY_DEACTIVATED: "Academy deactivated",
    EffectKind.ATTEMPT_ARCHIVED: "Attempt archived",
    EffectKind.SUPPORT_NOTIFIED: "Support notified",
}
EFFECT_SUMMARIES = {
    EffectKind.CERTIFICATE_UNAVAILABLE: (
        "makes {n} certificate unavailable",
        "makes {n} certificates unavailable",
    ),
    EffectKind.CERTIFICATE_ISSUED: ("issues or changes {n} certificate", "issues or changes {n} certificates"),
    EffectKind.CREDIT_STATUS: ("changes {n} credit requirement status", "changes {n} credit requirement statuses"),
    EffectKind.ACADEMY_DEACTIVATED: ("deactivates {n} academy", "deactivates {n} academies"),
    EffectKind.ATTEMPT_ARCHIVED: ("archives {n} exam attempt", "archives {n} exam attempts"),
    EffectKind.SUPPORT_NOTIFIED: ("notifies support {n} time", "notifies support {n} times"),
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
        return "Errors" if self is RowFilter.ERROR else self.value.capitalize()

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


class CourseRole(StrEnum):
    STAFF = "staff"
    INSTRUCTOR = "instructor"


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
    EnrollmentMode.AUDIT: "Audit",
    EnrollmentMode.HONOR: "Honor",
    EnrollmentMode.VERIFIED: "Verified",
    EnrollmentMode.PROFESSIONAL: "Professional",
    EnrollmentMode.NO_ID_PROFESSIONAL: "Professional (no ID)",
    EnrollmentMode.MASTERS: "Master's",
    EnrollmentMode.CREDIT: "Credit",
    EnrollmentMode.EXECUTIVE_EDUCATION: "Executive Education",
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
        return CERTIFICATE_STATUS_LABELS.get(self, self.value.replace("_", " ").capitalize())


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
    CertificateFilter.ALL: "All Learners",
    CertificateFilter.RECEIVED: "Received",
    CertificateFilter.NOT_RECEIVED: "Not Received",
    CertificateFilter.AUDIT_PASSING: "Audit - Passing",
    CertificateFilter.AUDIT_NOT_PASSING: "Audit - Not Passing",
    CertificateFilter.ERROR_STATE: "Error State",
    CertificateFilter.GRANTED_EXCEPTIONS: "Granted Exceptions",
    CertificateFilter.INVALIDATED: "Invalidated",
}

CERTIFICATE_STATUS_LABELS = {  # the badges use the filters' words
    CertificateStatus.DOWNLOADABLE: "Received",
    CertificateStatus.NOTPASSING: "Not Received",
    CertificateStatus.UNAVAILABLE: "Not Received",
    CertificateStatus.AUDIT_PASSING: "Audit - Passing",
    CertificateStatus.AUDIT_NOTPASSING: "Audit - Not Passing",
    CertificateStatus.ERROR: "Error State",
}


class SpecialCase(StrEnum):
    """A learner's special certificate case in a course (the platform's `IssuedCertificateSerializer`)."""

    EXCEPTION = "exception"  # on the allowlist (wins over an invalidation)
    INVALIDATED = "invalidated"  # has an active invalidation
    NONE = ""

    @property
    def label(self) -> str:
        return {"exception": "Exception", "invalidated": "Invalidation", "": ""}[self.value]


class GenerationScope(StrEnum):
    """Who a certificate generation run covers (the platform's history labels, domain §1.7)."""

    ALL = "all"  # every actively enrolled learner
    EXCEPTIONS = "exceptions"  # allowlisted learners without a downloadable certificate

    @property
    def label(self) -> str:
        return {"all": "All Learners", "exceptions": "For exceptions"}[self.value]


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
    def is_completed(self) -> bool:
        return self not in INCOMPLETE_ATTEMPT_STATUSES

    @property
    def is_incomplete(self) -> bool:
        return self in INCOMPLETE_ATTEMPT_STATUSES


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
    ReviewStatus.PASSED: "Passed",
    ReviewStatus.VIOLATION: "Rules violation",
    ReviewStatus.SUSPICIOUS: "Suspicious",
    ReviewStatus.NOT_REVIEWED: "Not reviewed",
}


class ProviderReviewStatus(StrEnum):
    """SoftwareSecure / PSI reviewStatus strings, stored as given."""

    CLEAN = "Clean"
    RULES_VIOLATION = "Rules Violation"
    SUSPICIOUS = "Suspicious"
    NOT_REVIEWED = "Not Reviewed"


class CreditStatus(StrEnum):
    """Credit requirement status for namespace proctored_exam."""

    SATISFIED = "satisfied"
    SUBMITTED = "submitted"
    DECLINED = "declined"
    FAILED = "failed"


class Grade(StrEnum):
    """The grade column of a learner completion export."""

    PASS = "Pass"
    FAIL = "Fail"
    IN_PROGRESS = "In Progress"
    AUDIT = "Audit"


class Switch(StrEnum):
    """A setting shown as on or off (certificate generation)."""

    ON = "on"
    OFF = "off"


class AcademyState(StrEnum):
    """An academy's state as the list shows it."""

    ACTIVE = "active"  # offered; synced from the catalog
    INACTIVE = "inactive"  # kept for history; no longer offered (e.g. deactivated by a sync)


class InvalidationState(StrEnum):
    """The invalidation list's filter: an invalidation is active or re-validated."""

    ALL = "all"
    ACTIVE = "active"  # the certificate is held unavailable
    REVALIDATED = "revalidated"  # inactive: kept for history

    @property
    def label(self) -> str:
        return {"all": "All", "active": "Active", "revalidated": "Re-validated"}[self.value]


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
    SkipReason.COURSE_UNKNOWN: "Course unknown",
    SkipReason.NO_CONSENT: "No data-sharing consent",
    SkipReason.AUDIT_NOT_REPORTED: "Audit/honor, audit reporting off",
    SkipReason.NO_GRADE: "No grade record",
    SkipReason.UNCHANGED: "Unchanged since last export",
}


def label_of(value: object, of: type[StrEnum] | None = None) -> str:
    """What staff read for a status: the member's label, else its words capitalised ("second_review_required"
    reads "Second review required"). A value no vocabulary knows reads as it is; None and "" read as "—"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
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
    "plan.apply": "Plan applied",
    "plan.recover": "Plan recovered after its worker stopped",
    "plan.stale": "Plan found stale at apply",
    "login.failed": "Failed login",
    "completion.export": "Completion export downloaded",
    "certificates.generation": "Learner self-generation switched",
    "proctoring.review": "Provider review received",
    "proctoring.second_review": "Second review recorded",
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
            JobStatus.QUEUED: "Waiting for a worker",
            JobStatus.RUNNING: "Running",
            JobStatus.DONE: "Done",
            JobStatus.FAILED: "Failed",
            JobStatus.CANCELLED: "Cancelled",
        }[self]


class JobKind(StrEnum):
    """What a job does."""

    PLAN = "plan"  # read an input, decide every row, save the previewed plan
    APPLY = "apply"  # apply a previewed plan


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
            JobPhase.WAITING: "Waiting",
            JobPhase.READING: "Reading the input",
            JobPhase.DECIDING: "Deciding each row",
            JobPhase.SAVING: "Saving the plan",
            JobPhase.APPLYING: "Applying",
        }[self]
