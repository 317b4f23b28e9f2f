"""The alert conditions: what each announces when it opens and when it clears (pure).

A condition is keyed by (kind, subject). Most are states that open and clear (a breaker open, a platform held, dead
letters on a platform); the deadline kinds are one-shot per case (the deadline sweep raises each once per deadline
and state, adapter/deadlines/sweep.py): they announce once and never clear.
"""

from enum import StrEnum


class AlertKind(StrEnum):
    BREAKER = "breaker"  # subject: platform — opened / closed
    HELD = "held"  # platform: the court refuses our credentials — held / released
    FEED_HELD = "feed_held"  # platform/feed: its next item cannot be read
    FEED_STALE = "feed_stale"  # platform/feed: not read successfully for [alerts] feed_stale_minutes
    DEAD_LETTERS = "dead_letters"  # platform: messages given up on, until replayed
    QUARANTINE = "quarantine"  # platform: open quarantine items
    DEADLINE_AT_RISK = "deadline_at_risk"  # case id (one-shot)
    DEADLINE_PASSED = "deadline_passed"  # case id (one-shot)
    COMPLAINT_DEADLINE_AT_RISK = "complaint_deadline_at_risk"  # complaint id:deadline (one-shot)
    COMPLAINT_DEADLINE_PASSED = "complaint_deadline_passed"  # complaint id:deadline (one-shot)
    PARTNER_DEADLINE_AT_RISK = "partner_deadline_at_risk"  # partner record id:due date (one-shot)
    PARTNER_DEADLINE_PASSED = "partner_deadline_passed"  # partner record id:due date (one-shot)
    RECONCILE = "reconcile_differences"  # platform: the last reconciliation found differences
    JOB_FAILING = "job_failing"  # job: its last run failed
    CALENDAR_MISSING = "calendar_missing"  # year: no holiday data
    CERTIFICATE_EXPIRY = "certificate_expiry"  # certificate label: expiring, expired or unreadable


ONE_SHOT = frozenset(
    {
        AlertKind.DEADLINE_AT_RISK,
        AlertKind.DEADLINE_PASSED,
        AlertKind.COMPLAINT_DEADLINE_AT_RISK,
        AlertKind.COMPLAINT_DEADLINE_PASSED,
        AlertKind.PARTNER_DEADLINE_AT_RISK,
        AlertKind.PARTNER_DEADLINE_PASSED,
    }
)

# (opened, cleared): the title a person reads first; {subject} is the condition's subject
TITLES: dict[AlertKind, tuple[str, str]] = {
    AlertKind.BREAKER: (
        "{subject}: circuit breaker OPEN, the court keeps failing",
        "{subject}: circuit breaker closed",
    ),
    AlertKind.HELD: ("{subject}: HELD, the court refuses our credentials", "{subject}: released, accepted again"),
    AlertKind.FEED_HELD: ("{subject}: feed HELD, its next item cannot be read", "{subject}: feed moves again"),
    AlertKind.FEED_STALE: ("{subject}: feed stale, not read successfully", "{subject}: feed read again"),
    AlertKind.DEAD_LETTERS: ("{subject}: dead messages wait for an operator", "{subject}: no dead messages left"),
    AlertKind.QUARANTINE: ("{subject}: quarantined items are open", "{subject}: no open quarantine left"),
    AlertKind.DEADLINE_AT_RISK: (
        "case {subject}: a deadline closes soon",
        "case {subject}: deadline no longer at risk",
    ),
    AlertKind.DEADLINE_PASSED: ("case {subject}: a deadline has PASSED", "case {subject}: deadline settled"),
    AlertKind.COMPLAINT_DEADLINE_AT_RISK: (
        "complaint {subject}: a deadline closes soon",
        "complaint {subject}: deadline no longer at risk",
    ),
    AlertKind.COMPLAINT_DEADLINE_PASSED: (
        "complaint {subject}: a deadline has PASSED",
        "complaint {subject}: deadline settled",
    ),
    AlertKind.PARTNER_DEADLINE_AT_RISK: (
        "partner record {subject}: a due date closes soon",
        "partner record {subject}: due date no longer at risk",
    ),
    AlertKind.PARTNER_DEADLINE_PASSED: (
        "partner record {subject}: a due date has PASSED",
        "partner record {subject}: due date settled",
    ),
    AlertKind.RECONCILE: ("{subject}: reconciliation found differences", "{subject}: reconciliation clean again"),
    AlertKind.JOB_FAILING: ("job {subject}: failing", "job {subject}: recovered"),
    AlertKind.CALENDAR_MISSING: (
        "holiday calendar has no data for {subject}: deadlines are estimated",
        "holiday calendar covers {subject} again",
    ),
    AlertKind.CERTIFICATE_EXPIRY: (
        "certificate {subject}: expires soon, has expired or cannot be read",
        "certificate {subject}: valid again (renewed)",
    ),
}


def title(kind: str, subject: str, opened: bool) -> str:
    """The one-line title of an alert; an unknown kind (a newer process wrote it) is named as it is."""
    pair = TITLES.get(AlertKind(kind)) if kind in AlertKind.__members__.values() else None
    if pair is None:
        return f"{kind} {subject}: {'opened' if opened else 'cleared'}"
    return pair[0 if opened else 1].format(subject=subject)
