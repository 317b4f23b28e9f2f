"""Each scripted step as the canonical body the desk publishes, and the desk status it leaves (the desk's own
coarse view, what its status query answers)."""

from datetime import datetime, timedelta
from decimal import Decimal

from schemas.complaint import (
    AckBody,
    ComplaintBody,
    ContactedBody,
    DecidedBody,
    DecisionResult,
    ExtendedBody,
    Remedy,
    ReviewDecidedBody,
    SmallClaimPerformedBody,
    ToMediationBody,
)

ALL_ROUTES = (Remedy.REVIEW, Remedy.MEDIATION, Remedy.ARBITRATION, Remedy.LITIGATION)  # Order 2020 No 3 Art 22
RANK = {"received": 0, "acknowledged": 1, "handling": 2, "extended": 3, "decided": 4, "paid": 5}


def body_of(step: str, desk_ref: str, at: datetime, amount: Decimal) -> tuple[ComplaintBody, str]:
    """(the body, the status after it) for one step at simulated time `at`."""
    if step in ("ack", "ack_unknown"):
        return AckBody(desk_ref=desk_ref, acknowledged_at=at, handler="客服专员 王五"), "acknowledged"
    if step == "contacted":
        return ContactedBody(contacted_at=at, note="已电话联系投诉人"), "handling"
    if step in ("extended30", "extended60"):
        stage = 30 if step == "extended30" else 60
        return (
            ExtendedBody(
                stage=stage,
                new_due=at + timedelta(days=stage - 12 if stage == 30 else stage - 28),
                approver_level="分公司总经理" if stage == 30 else "总公司消保部",
                complainant_told_at=at,
                reason="案情复杂，需调取保单及理赔材料",
            ),
            "extended",
        )
    if step == "decided":
        return (
            DecidedBody(
                result=DecisionResult.UPHELD,
                remedy_amount=amount,
                notified_at=at,
                remedies_told=ALL_ROUTES,
                summary="经核实，同意投诉人诉求",
            ),
            "decided",
        )
    if step == "to_mediation":
        return (
            ToMediationBody(complainant_consented_at=at, institution_consented_at=at, note="双方同意调解"),
            "to_mediation",
        )
    if step == "paid":
        return SmallClaimPerformedBody(paid_at=at, amount=amount), "paid"
    if step == "review_decided":
        return ReviewDecidedBody(result=DecisionResult.REJECTED, decided_at=at), "decided"
    raise ValueError(f"no step {step!r}")
