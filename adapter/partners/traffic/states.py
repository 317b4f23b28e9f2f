"""The traffic case's state machine (partners.md §2 "Suggested model", refined): statuses, events, the table, the
Machine. Pure: the generic core advances a record through `MACHINE.advance` and stores what it returns.

    OFFERED ─accept→ ACCEPTED ─start_mediation→ MEDIATING ─agree→ AGREEMENT_EFFECTIVE
    OFFERED ─decline→ DECLINED (final)        OFFERED ─offer_overdue→ OFFER_OVERDUE ─accept|decline|close→ …
    pauses (mediation clock stands still [P44 Arts 24, 26]):
        MEDIATING ─request_appraisal→ APPRAISAL_PENDING ─appraisal_done→ MEDIATING
        ACCEPTED|MEDIATING|APPRAISAL_PENDING ─review_requested→ LIABILITY_UNDER_REVIEW
            ─review_closed→ MEDIATING  |  ─review_closed_appraisal_open→ APPRAISAL_PENDING
            |  ─review_closed_unstarted→ ACCEPTED (reviewed before a mediator was assigned: still to start)
    judicial confirmation: AGREEMENT_EFFECTIVE ─apply_jc→ JC_APPLIED ─jc_confirm→ JC_CONFIRMED | ─jc_reject→ JC_REJECTED
        | ─jc_withdraw→ AGREEMENT_EFFECTIVE (withdrawn or not accepted: the agreement stands) | ─close→ CLOSED
        (the court's ruling is due in 30 calendar days [S3 Art 187]: deadlines.py jc_ruling alerts when it is not)
    insurer claim (一键理赔) on an enforceable basis: AGREEMENT_EFFECTIVE (调解书) | JC_CONFIRMED | LITIGATION_ADVISED
        (judgment) | ESCALATED ─request_claim→ CLAIM_REQUESTED ─assess→ CLAIM_ASSESSING ─agree_claim→ CLAIM_AGREED
        ─pay→ PAID | ─part_pay→ PART_PAID | ─refuse→ CLAIM_REFUSED ─escalate→ ESCALATED
        (a case with several insurers: the status is the claims' aggregate, adapter/partners/traffic/claims.py;
        another claim filed from any claim status returns it to CLAIM_REQUESTED)
    failure: ACCEPTED|MEDIATING|pauses ─terminate→ TERMINATED ─advise_litigation→ LITIGATION_ADVISED
    JC_REJECTED ─advise_litigation→ LITIGATION_ADVISED
    close → CLOSED (final) from PAID, PART_PAID, ESCALATED, TERMINATED, LITIGATION_ADVISED, JC_REJECTED,
        AGREEMENT_EFFECTIVE, JC_CONFIRMED (performed without a claim), OFFER_OVERDUE (the platform took it back),
        JC_APPLIED (the court never ruled and the parties gave up on it)
"""

from enum import StrEnum

from adapter.partners.machine import Machine
from schemas.partner import PartnerKind


class TrafficStatus(StrEnum):
    OFFERED = "OFFERED"
    DECLINED = "DECLINED"
    OFFER_OVERDUE = "OFFER_OVERDUE"
    ACCEPTED = "ACCEPTED"
    MEDIATING = "MEDIATING"
    APPRAISAL_PENDING = "APPRAISAL_PENDING"
    LIABILITY_UNDER_REVIEW = "LIABILITY_UNDER_REVIEW"
    AGREEMENT_EFFECTIVE = "AGREEMENT_EFFECTIVE"
    JC_APPLIED = "JC_APPLIED"
    JC_CONFIRMED = "JC_CONFIRMED"
    JC_REJECTED = "JC_REJECTED"
    CLAIM_REQUESTED = "CLAIM_REQUESTED"
    CLAIM_ASSESSING = "CLAIM_ASSESSING"
    CLAIM_AGREED = "CLAIM_AGREED"
    PAID = "PAID"
    PART_PAID = "PART_PAID"
    CLAIM_REFUSED = "CLAIM_REFUSED"
    ESCALATED = "ESCALATED"
    TERMINATED = "TERMINATED"
    LITIGATION_ADVISED = "LITIGATION_ADVISED"
    CLOSED = "CLOSED"


class TrafficEvent(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    OFFER_OVERDUE = "offer_overdue"
    START_MEDIATION = "start_mediation"
    REQUEST_APPRAISAL = "request_appraisal"
    APPRAISAL_DONE = "appraisal_done"
    REVIEW_REQUESTED = "review_requested"
    REVIEW_CLOSED = "review_closed"
    REVIEW_CLOSED_APPRAISAL_OPEN = "review_closed_appraisal_open"
    REVIEW_CLOSED_UNSTARTED = "review_closed_unstarted"
    AGREE = "agree"
    TERMINATE = "terminate"
    ADVISE_LITIGATION = "advise_litigation"
    APPLY_JC = "apply_jc"
    JC_CONFIRM = "jc_confirm"
    JC_REJECT = "jc_reject"
    JC_WITHDRAW = "jc_withdraw"
    REQUEST_CLAIM = "request_claim"
    ASSESS = "assess"
    AGREE_CLAIM = "agree_claim"
    PAY = "pay"
    PART_PAY = "part_pay"
    REFUSE = "refuse"
    ESCALATE = "escalate"
    CLOSE = "close"


class TrafficNote(StrEnum):
    """History entries that move no state."""

    OFFERED = "offered"  # the platform's offer opened the record (in OFFERED)
    REVIEW_REDO = "review_redo"  # the review will reissue the certificate: the pause goes on
    DUPLICATE = "duplicate"  # a message seen before under another id, or one that no longer applies
    OUT_OF_ORDER = "out_of_order"  # a message the status does not expect: kept for the operator, nothing moves
    CERTIFICATE_REPLACED = "certificate_replaced"  # figures recalculated
    APPRAISAL_RESULT = "appraisal_result"  # a result while the case is paused for review: the appraisal ends
    CLAIM_RECEIVED = "claim_received"  # the insurer received a claim
    CLAIM_PROGRESS = "claim_progress"  # one claim of several moved, the aggregate did not
    DEADLINE_ALERT = "deadline_alert"


S, E = TrafficStatus, TrafficEvent

PAUSES = frozenset({S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW})
FINAL = frozenset({S.DECLINED, S.CLOSED})
# Where a claim's progress arrives; the record's status is the aggregate of its claims (claims.aggregate).
CLAIM_STATUSES = (S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED, S.PAID, S.PART_PAID, S.CLAIM_REFUSED)
# Enforceable bases on which a claim can be filed (the action's guard checks which basis fits which status).
CLAIM_FROM = (S.AGREEMENT_EFFECTIVE, S.JC_CONFIRMED, S.LITIGATION_ADVISED, S.ESCALATED, *CLAIM_STATUSES)

TRANSITIONS: dict[tuple[TrafficStatus, TrafficEvent], TrafficStatus] = {
    # The offer: answered within the platform's period [P44 Art 12]; the sweep marks it overdue, a late answer
    # still counts (the platform decides whether to take the case back — then the centre closes it).
    (S.OFFERED, E.ACCEPT): S.ACCEPTED,
    (S.OFFERED, E.DECLINE): S.DECLINED,
    (S.OFFERED, E.OFFER_OVERDUE): S.OFFER_OVERDUE,
    (S.OFFER_OVERDUE, E.ACCEPT): S.ACCEPTED,
    (S.OFFER_OVERDUE, E.DECLINE): S.DECLINED,
    (S.OFFER_OVERDUE, E.CLOSE): S.CLOSED,
    (S.ACCEPTED, E.START_MEDIATION): S.MEDIATING,
    # Appraisal during mediation (鉴定前置); its time is not counted in the mediation period [P44 Art 26].
    (S.MEDIATING, E.REQUEST_APPRAISAL): S.APPRAISAL_PENDING,
    (S.APPRAISAL_PENDING, E.APPRAISAL_DONE): S.MEDIATING,
    # A liability review pauses the case (*inference*, partners.md §2 Guards); an appraisal still open when the
    # review ends resumes its own pause.
    (S.ACCEPTED, E.REVIEW_REQUESTED): S.LIABILITY_UNDER_REVIEW,
    (S.MEDIATING, E.REVIEW_REQUESTED): S.LIABILITY_UNDER_REVIEW,
    (S.APPRAISAL_PENDING, E.REVIEW_REQUESTED): S.LIABILITY_UNDER_REVIEW,
    (S.LIABILITY_UNDER_REVIEW, E.REVIEW_CLOSED): S.MEDIATING,
    (S.LIABILITY_UNDER_REVIEW, E.REVIEW_CLOSED_APPRAISAL_OPEN): S.APPRAISAL_PENDING,
    # A review requested before mediation started returns there: no mediator was assigned (start_mediation).
    (S.LIABILITY_UNDER_REVIEW, E.REVIEW_CLOSED_UNSTARTED): S.ACCEPTED,
    (S.MEDIATING, E.AGREE): S.AGREEMENT_EFFECTIVE,
    # Failure: the parties may give up at any point of mediation, paused or not.
    **{(s, E.TERMINATE): S.TERMINATED for s in (S.ACCEPTED, S.MEDIATING, *PAUSES)},
    (S.TERMINATED, E.ADVISE_LITIGATION): S.LITIGATION_ADVISED,
    # Judicial confirmation, through the court flows.
    (S.AGREEMENT_EFFECTIVE, E.APPLY_JC): S.JC_APPLIED,
    (S.JC_APPLIED, E.JC_CONFIRM): S.JC_CONFIRMED,
    (S.JC_APPLIED, E.JC_REJECT): S.JC_REJECTED,
    # No ruling (the court never rules, or does not accept it, or the parties withdraw — domain.md §3 results): the
    # clerk takes the case back to the agreement (performed, claimed on as it is, or applied for again) or closes it.
    (S.JC_APPLIED, E.JC_WITHDRAW): S.AGREEMENT_EFFECTIVE,
    (S.JC_APPLIED, E.CLOSE): S.CLOSED,
    (S.JC_REJECTED, E.ADVISE_LITIGATION): S.LITIGATION_ADVISED,
    # The insurer claim: one more claim (another insurer, or a new basis after escalation) re-opens the aggregate.
    **{(s, E.REQUEST_CLAIM): S.CLAIM_REQUESTED for s in CLAIM_FROM},
    (S.CLAIM_REQUESTED, E.ASSESS): S.CLAIM_ASSESSING,
    **{(s, E.AGREE_CLAIM): S.CLAIM_AGREED for s in (S.CLAIM_REQUESTED, S.CLAIM_ASSESSING)},
    # Paid, part-paid or refused without the intermediate updates (an insurer that reports only the result):
    # refusing the payment would lose it.
    **{(s, E.PAY): S.PAID for s in (S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED, S.PART_PAID)},
    **{(s, E.PART_PAY): S.PART_PAID for s in (S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED)},
    **{(s, E.REFUSE): S.CLAIM_REFUSED for s in (S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED)},
    # A refusal or a short payment goes to the court (judicial suggestion) or the regulator [P1].
    (S.CLAIM_REFUSED, E.ESCALATE): S.ESCALATED,
    (S.PART_PAID, E.ESCALATE): S.ESCALATED,
    **{
        (s, E.CLOSE): S.CLOSED
        for s in (
            S.PAID,
            S.PART_PAID,
            S.ESCALATED,
            S.TERMINATED,
            S.LITIGATION_ADVISED,
            S.JC_REJECTED,
            S.AGREEMENT_EFFECTIVE,
            S.JC_CONFIRMED,
        )
    },
}

MACHINE = Machine(
    kind=PartnerKind.TRAFFIC.value,
    initial=S.OFFERED,
    # Mapping keys are invariant: rebuilt in the Machine's own key type.
    transitions={(status, event): target for (status, event), target in TRANSITIONS.items()},
    final=frozenset(FINAL),
    paused=frozenset(PAUSES),
)
