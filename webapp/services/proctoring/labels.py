"""The proctoring words pages show through the `translated` filter, marked here for extraction (`N_`).

Statuses are stored and exported in English (`webapp.statuses`); a page translates the label it shows
(`status_label(value, Vocabulary)|translated`) and the status words inside rule messages ("The attempt becomes
rejected"), which are the stored values with underscores read as spaces.
"""

from __future__ import annotations

from webapp.services.messages import N_

# Provider review statuses (stored as the provider sends them) and the standard review statuses' labels.
PROVIDER_REVIEW_LABELS = (N_("Clean"), N_("Rules Violation"), N_("Suspicious"), N_("Not Reviewed"))
REVIEW_LABELS = (N_("Passed"), N_("Rules violation"), N_("Not reviewed"))

# Attempt statuses as `status_label` shows them (the value's words, capitalised).
ATTEMPT_LABELS = (
    N_("Eligible"),
    N_("Created"),
    N_("Download software clicked"),
    N_("Ready to start"),
    N_("Started"),
    N_("Ready to submit"),
    N_("Declined"),
    N_("Timed out"),
    N_("Submitted"),
    N_("Second review required"),
    N_("Verified"),
    N_("Rejected"),
    N_("Error"),
    N_("Onboarding missing"),
    N_("Onboarding pending"),
    N_("Onboarding failed"),
    N_("Onboarding expired"),
)
# Credit requirement statuses as `status_label` shows them.
CREDIT_LABELS = (N_("Satisfied"), N_("Failed"))

# The same words in lower case, as rule messages name them ("the credit requirement becomes failed").
LOWER_CASE = (
    N_("eligible"),
    N_("created"),
    N_("download software clicked"),
    N_("ready to start"),
    N_("started"),
    N_("ready to submit"),
    N_("declined"),
    N_("timed out"),
    N_("submitted"),
    N_("second review required"),
    N_("verified"),
    N_("rejected"),
    N_("error"),
    N_("onboarding missing"),
    N_("onboarding pending"),
    N_("onboarding failed"),
    N_("onboarding expired"),
    N_("satisfied"),
    N_("failed"),
    N_("none"),
    # second-review decisions
    N_("passed"),
    N_("violation"),
    N_("suspicious"),
    N_("not reviewed"),
)

# Where a provider comment was seen.
COMMENT_SOURCES = (N_("webcam"), N_("desktop"))

# Academy states.
ACADEMY_STATES = (N_("Active"), N_("Inactive"))

# The note the plan page shows after a replay is planned (the planner's `done_note`).
REPLAY_DONE_NOTE = N_("This is the preview of the replay. Nothing is written until you apply it.")

# The side effects' labels a proctoring page shows (`EffectKind.label`, webapp/statuses.py).
EFFECT_LABELS = (
    N_("Credit status changes"),
    N_("Academy deactivated"),
    N_("Attempt archived"),
    N_("Support notified"),
)
