"""The insurer's answers to a claim (traffic.claim_update) and the record's claim status as the aggregate of its
claims — a case with two insurers (two vehicles, or 交强险 and 商业三者险 with different insurers) files one claim
per policy, and the record follows the least advanced of them.

Aggregate: while any claim awaits its answer the record is CLAIM_REQUESTED / CLAIM_ASSESSING / CLAIM_AGREED by
the least advanced claim; once all are answered, CLAIM_REFUSED if any was refused, else PART_PAID if any was paid
in part, else PAID. Each claim only moves forward (requested → received → assessing → agreed → paid | part_paid |
refused; part_paid → paid): the same status again is a duplicate, an earlier one out of order — notes, not errors.
"""

from typing import Any

from adapter.errors import InvalidRequest
from adapter.masking import mask_text
from adapter.partners.spec import Change, PartnerRecord
from adapter.partners.traffic import facts
from adapter.partners.traffic.states import MACHINE, TrafficEvent, TrafficNote, TrafficStatus
from schemas.clock import china_iso
from schemas.traffic import ClaimStatus, ClaimUpdate

S, E, C = TrafficStatus, TrafficEvent, ClaimStatus
RANK = {"requested": 0, C.RECEIVED: 1, C.ASSESSING: 2, C.AGREED: 3, C.PART_PAID: 4, C.PAID: 5, C.REFUSED: 5}
ANSWERED = frozenset({C.AGREED, C.PAID, C.PART_PAID, C.REFUSED})  # the insurer has assessed (保险法 Art 23)
DONE = frozenset({C.PAID, C.PART_PAID, C.REFUSED})
EVENT_TO = {
    S.CLAIM_REQUESTED: E.REQUEST_CLAIM,
    S.CLAIM_ASSESSING: E.ASSESS,
    S.CLAIM_AGREED: E.AGREE_CLAIM,
    S.PAID: E.PAY,
    S.PART_PAID: E.PART_PAY,
    S.CLAIM_REFUSED: E.REFUSE,
}


def aggregate(statuses: list[str]) -> TrafficStatus:
    """The record's claim status for its claims' statuses (module docstring)."""
    waiting = [s for s in statuses if s not in DONE]
    if waiting:
        least = min(RANK[s] for s in waiting)
        return (
            S.CLAIM_AGREED
            if least == RANK[C.AGREED]
            else S.CLAIM_ASSESSING
            if least == RANK[C.ASSESSING]
            else S.CLAIM_REQUESTED
        )
    if C.REFUSED in statuses:
        return S.CLAIM_REFUSED
    return S.PART_PAID if C.PART_PAID in statuses else S.PAID


def on_claim_update(record: PartnerRecord, body: ClaimUpdate) -> Change:
    """Apply one insurer answer; InvalidRequest (rule "claim_id") for a claim the case never filed."""
    claims = facts.claims(record)
    claim = claims.get(body.claim_id)
    if claim is None:
        raise InvalidRequest(
            f"body.claim_id: {body.claim_id!r} is no claim of {record.record_id}; rule claim_id",
            field="body.claim_id",
            rule="claim_id",
        )
    before = str(claim.get("status", "requested"))
    said = f"claim {body.claim_id} {body.status.value}" + (f" {body.amount} yuan" if body.amount is not None else "")
    if body.status == before:
        return Change(note=TrafficNote.DUPLICATE, detail=f"{said} again")
    if RANK[body.status] <= RANK[before]:
        return Change(note=TrafficNote.OUT_OF_ORDER, detail=f"{said} after {before}: kept, nothing moves")
    claims[body.claim_id] = _updated(claim, body)
    target = aggregate([str(c.get("status", "requested")) for c in claims.values()])
    detail = said + (f": {mask_text(body.reason)}" if body.reason else "")
    if target == record.status or body.status is C.RECEIVED:
        note = TrafficNote.CLAIM_RECEIVED if body.status is C.RECEIVED else TrafficNote.CLAIM_PROGRESS
        return Change(note=note, facts={"claims": claims}, detail=detail)
    event = EVENT_TO[target]
    if event.value not in MACHINE.allowed(record.status):  # e.g. a late payment after the case was escalated
        return Change(note=TrafficNote.OUT_OF_ORDER, facts={"claims": claims}, detail=f"{detail} in {record.status}")
    return Change(event=event, facts={"claims": claims}, detail=detail)


def _updated(claim: dict[str, Any], body: ClaimUpdate) -> dict[str, Any]:
    at = china_iso(body.at)
    claim = {**claim, "status": body.status.value}
    if body.status is C.RECEIVED:  # the insurer's receipt: where 保险法 Art 23's 30 days run from
        claim.setdefault("received_at", at)
    if body.status in ANSWERED:
        claim.setdefault("answered_at", at)
    if body.status is C.AGREED:
        claim.update(agreed_at=at, agreed_amount=f"{body.amount:.2f}")
    if body.status in (C.PAID, C.PART_PAID):
        claim.update(paid_at=at, paid_amount=f"{body.amount:.2f}")
    if body.reason:
        claim["reason"] = body.reason
    return claim
