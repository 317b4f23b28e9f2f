"""The complaint state machine (partners.md §1 "Suggested model", CBIRC Order 2020 No 3): statuses, events, the
table, `advance()`. Pure: the use cases (adapter/complaints/service.py) call it and store what it returns.

    RECEIVED ─forward→ FORWARDED ─acknowledge→ ACKNOWLEDGED ─contact→ HANDLING ─extend_30→ EXTENDED_30 ─extend_60→
    EXTENDED_60 ─decide→ DECIDED ─visit→ VISITED ─close→ CLOSED
    small claim: … ─small_claim_decide→ SMALL_CLAIM_DECIDED ─small_claim_paid→ PAID ─visit→ VISITED
    review: DECIDED|VISITED ─request_review→ REVIEW_REQUESTED ─decide_review→ REVIEW_DECIDED ─visit|close→ …
    anywhere open: ─withdraw→ WITHDRAWN, ─convert_to_mediation→ TO_MEDIATION (a flow-C case is opened)
    RECEIVED only: ─merge→ MERGED (a repeat without new facts, found before forwarding [P33])
"""

from enum import StrEnum

from adapter.errors import DockingError


class ComplaintStatus(StrEnum):
    RECEIVED = "RECEIVED"
    FORWARDED = "FORWARDED"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    HANDLING = "HANDLING"
    EXTENDED_30 = "EXTENDED_30"
    EXTENDED_60 = "EXTENDED_60"
    SMALL_CLAIM_DECIDED = "SMALL_CLAIM_DECIDED"
    PAID = "PAID"
    DECIDED = "DECIDED"
    REVIEW_REQUESTED = "REVIEW_REQUESTED"
    REVIEW_DECIDED = "REVIEW_DECIDED"
    VISITED = "VISITED"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"
    MERGED = "MERGED"
    TO_MEDIATION = "TO_MEDIATION"


class ComplaintEvent(StrEnum):
    FORWARD = "forward"
    ACKNOWLEDGE = "acknowledge"
    CONTACT = "contact"
    EXTEND_30 = "extend_30"
    EXTEND_60 = "extend_60"
    DECIDE = "decide"
    SMALL_CLAIM_DECIDE = "small_claim_decide"
    SMALL_CLAIM_PAID = "small_claim_paid"
    REQUEST_REVIEW = "request_review"
    DECIDE_REVIEW = "decide_review"
    VISIT = "visit"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    MERGE = "merge"
    CONVERT_TO_MEDIATION = "convert_to_mediation"


class ComplaintNote(StrEnum):
    """History entries that move no state, recorded beside the events."""

    APPRAISAL_STARTED = "appraisal_started"  # the decision clock pauses [P33]
    APPRAISAL_ENDED = "appraisal_ended"
    DUPLICATE_ACK = "duplicate_ack"  # a second acknowledgement under another message id: kept, changes nothing
    DEADLINE_ALERT = "deadline_alert"
    NEW_FACTS = "new_facts"  # a repeat with new facts: the clock restarts [P33]


S, E = ComplaintStatus, ComplaintEvent

# With the institution, before its decision: where acknowledgements, extensions and decisions arrive.
_AT_DESK = (S.FORWARDED, S.ACKNOWLEDGED, S.HANDLING, S.EXTENDED_30, S.EXTENDED_60)

FINAL: frozenset[ComplaintStatus] = frozenset({S.CLOSED, S.WITHDRAWN, S.MERGED, S.TO_MEDIATION})

TRANSITIONS: dict[tuple[ComplaintStatus, ComplaintEvent], ComplaintStatus] = {
    # Forwarded the day received (当日接收、当日转办 [P67a]); a repeat without new facts is merged instead [P33].
    (S.RECEIVED, E.FORWARD): S.FORWARDED,
    (S.RECEIVED, E.MERGE): S.MERGED,
    (S.FORWARDED, E.ACKNOWLEDGE): S.ACKNOWLEDGED,
    # The institution reached the complainant (first-contact duty).
    (S.ACKNOWLEDGED, E.CONTACT): S.HANDLING,
    (S.HANDLING, E.CONTACT): S.HANDLING,
    (S.EXTENDED_30, E.CONTACT): S.EXTENDED_30,
    (S.EXTENDED_60, E.CONTACT): S.EXTENDED_60,
    # Extensions only 15 → 30 → 60 days, each approved and told to the complainant (Order 2020 No 3 Art 20).
    (S.ACKNOWLEDGED, E.EXTEND_30): S.EXTENDED_30,
    (S.HANDLING, E.EXTEND_30): S.EXTENDED_30,
    (S.EXTENDED_30, E.EXTEND_60): S.EXTENDED_60,
    # A decision normally follows an acknowledgement; one arriving first (a desk that never acks) still decides:
    # the desk has plainly received the complaint, and refusing its decision would lose the outcome.
    **{(state, E.DECIDE): S.DECIDED for state in _AT_DESK},
    # Small-claim fast track: the mediator decides within the delegated authority; the institution pays [P67a].
    **{(state, E.SMALL_CLAIM_DECIDE): S.SMALL_CLAIM_DECIDED for state in _AT_DESK},
    (S.SMALL_CLAIM_DECIDED, E.SMALL_CLAIM_PAID): S.PAID,
    # Review (核查) of a decision the complainant disputes [P34][P42b].
    (S.DECIDED, E.REQUEST_REVIEW): S.REVIEW_REQUESTED,
    (S.VISITED, E.REQUEST_REVIEW): S.REVIEW_REQUESTED,
    (S.REVIEW_REQUESTED, E.DECIDE_REVIEW): S.REVIEW_DECIDED,
    # Return visit (回访, satisfaction) and closing.
    (S.DECIDED, E.VISIT): S.VISITED,
    (S.PAID, E.VISIT): S.VISITED,
    (S.REVIEW_DECIDED, E.VISIT): S.VISITED,
    (S.DECIDED, E.CLOSE): S.CLOSED,
    (S.PAID, E.CLOSE): S.CLOSED,
    (S.REVIEW_DECIDED, E.CLOSE): S.CLOSED,
    (S.VISITED, E.CLOSE): S.CLOSED,
    # Withdrawal ends handling on arrival, from any open state.
    **{(state, E.WITHDRAW): S.WITHDRAWN for state in S if state not in FINAL},
    # Converted to mediation with both parties' consent: unsettled at the desk (a desk that never acknowledged
    # included, as for decisions), or after a decision disputed.
    **{
        (state, E.CONVERT_TO_MEDIATION): S.TO_MEDIATION
        for state in (*_AT_DESK, S.DECIDED, S.VISITED, S.REVIEW_DECIDED, S.SMALL_CLAIM_DECIDED)
    },
}


class IllegalComplaintTransition(DockingError):
    """An event the complaint's current status does not allow; names the status and what is allowed there."""

    def __init__(self, status: ComplaintStatus, event: ComplaintEvent) -> None:
        allowed = sorted(e.value for (s, e) in TRANSITIONS if s is status)
        super().__init__(
            f"cannot {event.value} a complaint in {status.value}; allowed here: {', '.join(allowed) or 'nothing'}"
        )
        self.status = status
        self.event = event
        self.allowed = allowed


def advance(status: ComplaintStatus, event: ComplaintEvent) -> ComplaintStatus:
    """The status after `event`, or IllegalComplaintTransition. Pure."""
    try:
        return TRANSITIONS[(status, event)]
    except KeyError:
        raise IllegalComplaintTransition(status, event) from None


def is_final(status: ComplaintStatus) -> bool:
    """At rest: nobody needs to act on it any more."""
    return status in FINAL
