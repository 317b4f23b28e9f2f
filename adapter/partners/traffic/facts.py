"""A traffic record's facts (PartnerRecord.facts, sealed at rest by the core): what is kept, under which key, and
typed readers. Facts are JSON (yuan as text, times ISO with offset); the writers are actions.py and inbound.py.

    offer               the CaseOffered body as received (parties with their ID numbers: sealed, never in history)
    offer_message_id    the platform's message id of the offer (what our answer correlates to)
    offered_at          when the platform says it made the offer (shown; no clock runs from it)
    received_at         when the offer reached us: the offer-answer clock's start [P44 Art 12]
    certificate         the certificate in force (a replacement takes its place); replaced: the numbers it replaced
    figures             claims.Figures.as_facts() under the certificate in force
    answer              our OfferAnswer body (resent by reconciliation)
    mediator            who mediates
    appraisals          {appraisal_id: {"request": AppraisalRequest body, "result": AppraisalResult body | absent}}
    review              the last liability review message (phase, at, cert_no)
    review_from         the status the last review paused (ACCEPTED, MEDIATING, APPRAISAL_PENDING): where it returns
    outcome             our Outcome body
    jc                  {"applied_at", "court_code", "case_id"} then {"confirmed", "ruling_no", "ruled_at", "reason"}
    claims              {claim_id: {"request": ClaimRequest body (payee account: sealed), "status", "requested_at",
                        "received_at" (the insurer's acknowledgement), "answered_at", "agreed_at", "agreed_amount",
                        "paid_at", "paid_amount", "reason"}}
    escalated           {"to", "at", "note"}
"""

from collections.abc import Mapping
from typing import Any

from adapter.errors import InvalidRequest
from adapter.partners.spec import PartnerRecord
from schemas.traffic import CaseOffered, Certificate, Policy


def offer(record: PartnerRecord) -> CaseOffered:
    """The offer the record was opened with; InvalidRequest (rule "record_facts") if the record holds none."""
    stored = record.facts.get("offer")
    if not isinstance(stored, Mapping):
        raise InvalidRequest(f"{record.record_id} holds no traffic offer", field="facts.offer", rule="record_facts")
    return CaseOffered.model_validate(stored)


def certificate(record: PartnerRecord) -> Certificate:
    """The certificate in force: the last replacement, else the offer's."""
    stored = record.facts.get("certificate")
    return Certificate.model_validate(stored) if isinstance(stored, Mapping) else offer(record).accident


def policy_of_case(record: PartnerRecord, insurer_uscc: str, policy_no: str) -> Policy | None:
    return next(
        (p for p in offer(record).policies if p.insurer_uscc == insurer_uscc and p.policy_no == policy_no), None
    )


def claims(record: PartnerRecord) -> dict[str, dict[str, Any]]:
    """The claims by id (a copy: facts merge by top-level key, so a writer returns the whole map)."""
    return {key: dict(value) for key, value in (record.facts.get("claims") or {}).items()}


def appraisals(record: PartnerRecord) -> dict[str, dict[str, Any]]:
    return {key: dict(value) for key, value in (record.facts.get("appraisals") or {}).items()}


def appraisal_open(found: Mapping[str, Mapping[str, Any]]) -> bool:
    """An appraisal requested and without its result."""
    return any("result" not in entry for entry in found.values())
