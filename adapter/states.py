"""The case state machine (domain.md §2 "A canonical state machine"): statuses, events, the table, `advance()`;
and the notes a case's history holds beside its events.

Driven by events only — never by the case-number type, because since the 2025 reform a 民初 number can carry
either a new entrusted mediation or a legacy flow (domain.md §2 "2025 reform").
"""

from enum import StrEnum

from adapter.errors import DockingError
from schemas.enums import CourtStatus


class CaseStatus(StrEnum):
    RECEIVED = "RECEIVED"
    PENDING_ACCEPTANCE = "PENDING_ACCEPTANCE"
    DECLINED = "DECLINED"
    ACCEPTANCE_OVERDUE = "ACCEPTANCE_OVERDUE"
    ACCEPTED = "ACCEPTED"
    MEDIATOR_ASSIGNED = "MEDIATOR_ASSIGNED"
    IN_MEDIATION = "IN_MEDIATION"
    SUSPENDED = "SUSPENDED"
    EXTENDED = "EXTENDED"
    AGREEMENT_DRAFTED = "AGREEMENT_DRAFTED"
    SIGNING = "SIGNING"
    AGREEMENT_EFFECTIVE = "AGREEMENT_EFFECTIVE"
    JC_APPLIED = "JC_APPLIED"
    JC_NOT_ACCEPTED = "JC_NOT_ACCEPTED"
    JC_CONFIRMED = "JC_CONFIRMED"
    JC_REJECTED = "JC_REJECTED"
    JC_WITHDRAWN = "JC_WITHDRAWN"
    MEDIATION_DOC_ISSUED = "MEDIATION_DOC_ISSUED"
    CLOSED_WITHDRAWN = "CLOSED_WITHDRAWN"
    CLOSED_PERFORMED = "CLOSED_PERFORMED"
    TERMINATED = "TERMINATED"
    RETURNED_TO_COURT = "RETURNED_TO_COURT"


class Event(StrEnum):
    REGISTER = "register"
    ACCEPT = "accept"
    DECLINE = "decline"
    ACCEPTANCE_TIMEOUT = "acceptance_timeout"
    ASSIGN_MEDIATOR = "assign_mediator"
    HOLD_SESSION = "hold_session"
    SUSPEND = "suspend"
    RESUME = "resume"
    EXTEND = "extend"
    DRAFT_AGREEMENT = "draft_agreement"
    PARTY_SIGNS = "party_signs"
    LAST_PARTY_SIGNS = "last_party_signs"
    TERMINATE = "terminate"
    RETURN_TO_COURT = "return_to_court"
    APPLY_JC = "apply_jc"
    JC_NOT_ACCEPTED = "jc_not_accepted"
    JC_CONFIRMED = "jc_confirmed"
    JC_REJECTED = "jc_rejected"
    JC_WITHDRAWN = "jc_withdrawn"
    ISSUE_MEDIATION_DOC = "issue_mediation_doc"
    ALLOW_WITHDRAWAL = "allow_withdrawal"
    CLOSE_PERFORMED = "close_performed"
    REMEDIATE = "remediate"


class HistoryNote(StrEnum):
    """Entries in a case's history (CaseEventRow.event) that move no state: recorded beside the events, counted by
    adapter/stats.py like them."""

    DEADLINE_ALERT = "deadline_alert"  # a deadline due soon or overdue (adapter/deadlines/sweep.py)


# Everything CaseEventRow.event may hold.
HistoryEvent = Event | HistoryNote

S, E = CaseStatus, Event

# Mediation-in-progress states share their exits: sessions, suspension, extension, agreement, termination.
_MEDIATING = (S.MEDIATOR_ASSIGNED, S.IN_MEDIATION, S.EXTENDED)

TRANSITIONS: dict[tuple[CaseStatus, Event], CaseStatus] = {
    (S.RECEIVED, E.REGISTER): S.PENDING_ACCEPTANCE,
    # Step 1: confirm or decline within 3 working days; a late case may still be accepted or declined
    # until the court reassigns it [S2 Art 12].
    (S.PENDING_ACCEPTANCE, E.ACCEPT): S.ACCEPTED,
    (S.PENDING_ACCEPTANCE, E.DECLINE): S.DECLINED,
    (S.PENDING_ACCEPTANCE, E.ACCEPTANCE_TIMEOUT): S.ACCEPTANCE_OVERDUE,
    (S.ACCEPTANCE_OVERDUE, E.ACCEPT): S.ACCEPTED,
    (S.ACCEPTANCE_OVERDUE, E.DECLINE): S.DECLINED,
    # Step 2: mediator assignment; a replacement may be requested [S1 Arts 12–13].
    (S.ACCEPTED, E.ASSIGN_MEDIATOR): S.MEDIATOR_ASSIGNED,
    **{(state, E.ASSIGN_MEDIATOR): state for state in _MEDIATING},
    # Step 4: the other side unreachable or refusing → end and return at once [S2 Art 15].
    (S.ACCEPTED, E.TERMINATE): S.TERMINATED,
    # Step 5: sessions; suspension (e.g. suspected sham mediation) [S1 Art 18].
    **{(state, E.HOLD_SESSION): S.IN_MEDIATION for state in _MEDIATING},
    **{(state, E.SUSPEND): S.SUSPENDED for state in _MEDIATING},
    (S.SUSPENDED, E.RESUME): S.IN_MEDIATION,
    (S.SUSPENDED, E.TERMINATE): S.TERMINATED,
    **{(state, E.EXTEND): S.EXTENDED for state in _MEDIATING},
    # Step 6: agreement drafted, signed party by party; effective at the last party's e-signature [S2 Art 19].
    **{(state, E.DRAFT_AGREEMENT): S.AGREEMENT_DRAFTED for state in _MEDIATING},
    **{(state, E.TERMINATE): S.TERMINATED for state in _MEDIATING},
    (S.AGREEMENT_DRAFTED, E.PARTY_SIGNS): S.SIGNING,
    (S.AGREEMENT_DRAFTED, E.LAST_PARTY_SIGNS): S.AGREEMENT_EFFECTIVE,
    (S.SIGNING, E.PARTY_SIGNS): S.SIGNING,
    (S.SIGNING, E.LAST_PARTY_SIGNS): S.AGREEMENT_EFFECTIVE,
    # Outcome 7: a party refuses to sign.
    (S.AGREEMENT_DRAFTED, E.TERMINATE): S.TERMINATED,
    (S.SIGNING, E.TERMINATE): S.TERMINATED,
    # Step 8: failure goes back to the court.
    (S.TERMINATED, E.RETURN_TO_COURT): S.RETURNED_TO_COURT,
    # Steps 9–10: 调解书 or withdrawal (post-filing), judicial confirmation, voluntary performance.
    (S.AGREEMENT_EFFECTIVE, E.APPLY_JC): S.JC_APPLIED,
    (S.AGREEMENT_EFFECTIVE, E.ISSUE_MEDIATION_DOC): S.MEDIATION_DOC_ISSUED,
    (S.AGREEMENT_EFFECTIVE, E.ALLOW_WITHDRAWAL): S.CLOSED_WITHDRAWN,
    (S.AGREEMENT_EFFECTIVE, E.CLOSE_PERFORMED): S.CLOSED_PERFORMED,
    (S.JC_APPLIED, E.JC_NOT_ACCEPTED): S.JC_NOT_ACCEPTED,
    (S.JC_APPLIED, E.JC_CONFIRMED): S.JC_CONFIRMED,
    (S.JC_APPLIED, E.JC_REJECTED): S.JC_REJECTED,
    (S.JC_APPLIED, E.JC_WITHDRAWN): S.JC_WITHDRAWN,
    # A rejected agreement may be mediated again [S3 Art 206].
    (S.JC_REJECTED, E.REMEDIATE): S.IN_MEDIATION,
}

# A case at rest in one of these needs nobody to act (TERMINATED is final only for flow C, which has no court).
FINAL: frozenset[CaseStatus] = frozenset(
    {
        S.DECLINED,
        S.JC_NOT_ACCEPTED,
        S.JC_CONFIRMED,
        S.JC_REJECTED,
        S.JC_WITHDRAWN,
        S.MEDIATION_DOC_ISSUED,
        S.CLOSED_WITHDRAWN,
        S.CLOSED_PERFORMED,
        S.RETURNED_TO_COURT,
    }
)


class IllegalTransition(DockingError):
    """An event that the case's current status does not allow."""

    def __init__(self, status: CaseStatus, event: Event) -> None:
        allowed = sorted(e.value for (s, e) in TRANSITIONS if s is status)
        super().__init__(
            f"cannot {event.value} a case in {status.value}; allowed here: {', '.join(allowed) or 'nothing'}"
        )
        self.status = status
        self.event = event


def advance(status: CaseStatus, event: Event) -> CaseStatus:
    """The status after `event`, or IllegalTransition. Pure."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalTransition(status, event) from None


_COURT_VIEW: dict[CaseStatus, CourtStatus] = {
    S.RECEIVED: CourtStatus.PENDING,
    S.PENDING_ACCEPTANCE: CourtStatus.PENDING,
    S.ACCEPTANCE_OVERDUE: CourtStatus.PENDING,
    S.DECLINED: CourtStatus.DECLINED,
    S.ACCEPTED: CourtStatus.ACCEPTED,
    S.MEDIATOR_ASSIGNED: CourtStatus.MEDIATING,
    S.IN_MEDIATION: CourtStatus.MEDIATING,
    S.EXTENDED: CourtStatus.MEDIATING,
    S.AGREEMENT_DRAFTED: CourtStatus.MEDIATING,
    S.SIGNING: CourtStatus.MEDIATING,
    S.SUSPENDED: CourtStatus.SUSPENDED,
    S.AGREEMENT_EFFECTIVE: CourtStatus.SETTLED,
    S.TERMINATED: CourtStatus.RETURNED,
    S.RETURNED_TO_COURT: CourtStatus.RETURNED,
    S.JC_APPLIED: CourtStatus.JC_PENDING,
    S.JC_NOT_ACCEPTED: CourtStatus.JC_NOT_ACCEPTED,
    S.JC_CONFIRMED: CourtStatus.JC_CONFIRMED,
    S.JC_REJECTED: CourtStatus.JC_REJECTED,
    S.JC_WITHDRAWN: CourtStatus.JC_WITHDRAWN,
    S.MEDIATION_DOC_ISSUED: CourtStatus.MEDIATION_DOC_ISSUED,
    S.CLOSED_WITHDRAWN: CourtStatus.CLOSED,
    S.CLOSED_PERFORMED: CourtStatus.CLOSED,
}


def court_view(status: CaseStatus) -> CourtStatus:
    """What a court platform should show for a case once every message about it has been delivered."""
    return _COURT_VIEW[status]


def is_final(status: CaseStatus, has_court: bool) -> bool:
    """At rest: nobody needs to act. A terminated flow-C case has no court to return to, so it rests there."""
    return status in FINAL or (status is CaseStatus.TERMINATED and not has_court)
