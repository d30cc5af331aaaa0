"""Every table of the app; importing this package registers them all with the metadata."""

from webapp.models import academies, enterprise, proctoring  # noqa: F401
from webapp.models.audit import AuditEvent
from webapp.models.certificates import AllowlistEntry, Certificate, Invalidation
from webapp.models.courses import Course, CourseStaff, Enrollment
from webapp.models.jobs import Job
from webapp.models.login_throttle import LoginThrottle
from webapp.models.people import User
from webapp.models.plans import Plan, PlanRow

__all__ = [
    "AllowlistEntry",
    "AuditEvent",
    "Certificate",
    "Course",
    "CourseStaff",
    "Enrollment",
    "Invalidation",
    "Job",
    "LoginThrottle",
    "Plan",
    "PlanRow",
    "User",
]
