"""What each inbound platform message does to a traffic case: a pure `on_message(record, envelope, now, rules) →
Change` (adapter/partners/spec.py). A body the type's model refuses, or a message that cannot apply (an unknown
appraisal or claim, a certificate replacing one the case never had), raises InvalidRequest naming the field and
rule — the core quarantines it with its bytes. A duplicate or out-of-order message is a note, never a crash:

    traffic.case_offered          opens the record (record None); the same offer again: duplicate; the same
                                  serial with other content: refused as `conflict` (the first offer stands)
    traffic.liability_review      requested: the case pauses; upheld: the pause ends; redo: it goes on until
                                  traffic.certificate_replaced — a message naming a certificate no longer in force
                                  is out of order
    traffic.certificate_replaced  the new certificate takes the old one's place and the figures are recalculated
                                  (claims.py); ends a review pause; after an agreement: kept, the operator decides
    traffic.appraisal_result      ends the appraisal pause (or, during a review, the appraisal only)
    traffic.jc_result             jc.py          traffic.claim_update   claim_updates.py
Types the centre sends (offer_answer, appraisal_request, outcome, claim_request) are refused inbound (rule
"direction").
"""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ValidationError

from adapter.errors import InvalidRequest
from adapter.partners.spec import Change, PartnerRecord
from adapter.partners.traffic import facts, guards
from adapter.partners.traffic.claim_updates import on_claim_update
from adapter.partners.traffic.claims import recalculate
from adapter.partners.traffic.jc import jc_result
from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.states import TrafficEvent, TrafficNote, TrafficStatus
from schemas.clock import china_iso, china_text
from schemas.partner import PartnerEnvelope
from schemas.traffic import (
    BODIES,
    AppraisalResult,
    CaseOffered,
    CertificateReplaced,
    ClaimUpdate,
    JcResult,
    LiabilityReview,
    TrafficMessageType,
)

S, E, N, T = TrafficStatus, TrafficEvent, TrafficNote, TrafficMessageType
OUTBOUND = frozenset({T.OFFER_ANSWER, T.APPRAISAL_REQUEST, T.OUTCOME, T.CLAIM_REQUEST})
_REVIEWABLE = frozenset({S.ACCEPTED, S.MEDIATING, S.APPRAISAL_PENDING})


def on_message(record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: TrafficRules) -> Change:
    kind = envelope.type
    if kind in OUTBOUND:
        raise InvalidRequest(
            f"type: {kind} is sent by the centre, never received; rule direction", field="type", rule="direction"
        )
    body = _body(envelope)
    if isinstance(body, CaseOffered):
        return _offered(record, body, envelope, now, rules)
    if record is None:
        raise InvalidRequest(
            f"record_id: {kind} needs the case it is about (only an offer opens one); rule record",
            field="record_id",
            rule="record",
        )
    if isinstance(body, LiabilityReview):
        return _review(record, body)
    if isinstance(body, CertificateReplaced):
        return _replaced(record, body, rules)
    if isinstance(body, AppraisalResult):
        return _appraised(record, body)
    if isinstance(body, JcResult):
        return jc_result(record, body.confirmed, body.ruling_no, body.ruled_at, body.reason)
    if not isinstance(body, ClaimUpdate):  # a body type added without its handler: refused, never skipped
        raise InvalidRequest(f"type: {envelope.type} has no handler; rule message_type", field="type",
                             rule="message_type")  # fmt: skip
    return on_claim_update(record, body)


def _body(envelope: PartnerEnvelope) -> BaseModel:
    model = BODIES.get(envelope.type)
    if model is None:
        raise InvalidRequest(
            f"type: {envelope.type!r} is no traffic message type; rule message_type", field="type", rule="message_type"
        )
    try:
        return model.model_validate(envelope.body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in ("body", *error["loc"]))
        raise InvalidRequest(f"{where}: {error['msg']}; rule message_body", field=where, rule="message_body") from None


def _offered(
    record: PartnerRecord | None, body: CaseOffered, envelope: PartnerEnvelope, now: datetime, rules: TrafficRules
) -> Change:
    """The offer opens the case in OFFERED with its figures; the same serial again changes nothing. `now` is when the
    message reached us (the core applies it as it arrives): `received_at`, where the answer period runs from
    [P44 Art 12] — the platform's own `offered_at` is kept beside it and shown, not counted.

    The same serial with other content (whatever the record's status, closed too) is not a duplicate: refused as
    InvalidRequest rule `conflict`, so the core keeps its bytes in quarantine with an alert (a push is answered
    409) and the record is left untouched (no history line, no version bump) — as the courts' conflicting re-send
    (adapter/inbox/digest.py); the offer received first stands."""
    if record is not None:
        first = record.facts.get("offer")
        if first == body.model_dump(mode="json"):
            return Change(note=N.DUPLICATE, detail=f"offer {body.serial_no} again")
        changed = sorted(k for k, v in body.model_dump(mode="json").items() if (first or {}).get(k) != v)
        raise InvalidRequest(
            f"body: offer {body.serial_no} again with other content ({', '.join(changed) or 'body'}) than the offer "
            f"{record.record_id} was opened from; rule conflict (the first offer stands)",
            field="body",
            rule="conflict",
        )
    for number, item in enumerate(body.claims):
        guards.head(item.head, rules.claim_heads_version, field=f"body.claims[{number}].head")
    figures = recalculate(body.claims, body.accident, body.parties, body.policies, rules)
    found: dict[str, Any] = {
        "offer": body.model_dump(mode="json"),
        "offer_message_id": envelope.message_id,
        "offered_at": china_iso(body.offered_at),
        "received_at": china_iso(now),
        "certificate": body.accident.model_dump(mode="json"),
        "figures": figures.as_facts(),
    }
    detail = (
        f"offer {body.serial_no}: certificate {body.accident.cert_no}, {len(body.parties)} parties, "
        f"{len(body.policies)} policies, {figures.total} yuan claimed"
    )
    return Change(
        note=N.OFFERED,
        facts=found,
        detail=detail,
        subject=body.accident.cert_no,
        amount=f"{figures.total:.2f}",
        partner_ref=body.serial_no,
    )


def _review(record: PartnerRecord, body: LiabilityReview) -> Change:
    status = S(record.status)
    found = {"review": body.model_dump(mode="json")}
    current = facts.certificate(record).cert_no
    if body.cert_no != current:
        return Change(
            note=N.OUT_OF_ORDER, detail=f"review {body.phase} of {body.cert_no}, no longer in force ({current})"
        )
    if body.phase == "requested":
        if status is S.LIABILITY_UNDER_REVIEW:
            return Change(note=N.DUPLICATE, detail=f"review of {current} requested again")
        if status in _REVIEWABLE:
            return Change(
                event=E.REVIEW_REQUESTED,
                facts={**found, "review_from": status.value},  # where the case returns when the review ends
                detail=f"liability review of {current} requested: the case pauses",
            )
        return Change(note=N.OUT_OF_ORDER, facts=found, detail=f"review of {current} requested in {status}")
    if body.phase == "redo":
        return Change(note=N.REVIEW_REDO, facts=found, detail=f"review of {current}: the certificate will be reissued")
    if status is S.LIABILITY_UNDER_REVIEW:
        return Change(
            event=_review_closed(record), facts=found, detail=f"review of {current}: upheld, mediation resumes"
        )
    return Change(note=N.DUPLICATE, detail=f"review of {current} upheld in {status}")


def _review_closed(record: PartnerRecord) -> TrafficEvent:
    """Back to where the review paused the case: not yet mediating (ACCEPTED), the open appraisal, or mediation."""
    if record.facts.get("review_from") == S.ACCEPTED:
        return E.REVIEW_CLOSED_UNSTARTED
    open_appraisal = facts.appraisal_open(facts.appraisals(record))
    return E.REVIEW_CLOSED_APPRAISAL_OPEN if open_appraisal else E.REVIEW_CLOSED


def _replaced(record: PartnerRecord, body: CertificateReplaced, rules: TrafficRules) -> Change:
    """The new certificate replaces the one in force; figures recalculated under it."""
    new, current = body.certificate, facts.certificate(record)
    replaced: list[str] = list(record.facts.get("replaced") or [])
    if new.cert_no == current.cert_no:
        return Change(note=N.DUPLICATE, detail=f"certificate {new.cert_no} again")
    if new.supersedes != current.cert_no:
        if new.supersedes in replaced or new.cert_no in replaced:
            return Change(
                note=N.OUT_OF_ORDER, detail=f"certificate {new.cert_no} replaces {new.supersedes}, already replaced"
            )
        raise InvalidRequest(
            f"body.certificate.supersedes: {new.supersedes!r} is not the certificate in force ({current.cert_no}); "
            "rule supersedes",
            field="body.certificate.supersedes",
            rule="supersedes",
        )
    offer = facts.offer(record)
    for number, item in enumerate(new.liability):
        guards.party_ref(record, item.party_ref, field=f"body.certificate.liability[{number}].party_ref")
    figures = recalculate(offer.claims, new, offer.parties, offer.policies, rules)
    found = {
        "certificate": new.model_dump(mode="json"),
        "replaced": [*replaced, current.cert_no],
        "figures": figures.as_facts(),
    }
    levels = ", ".join(f"{item.party_ref} {item.level.value}" for item in new.liability)
    detail = f"certificate {current.cert_no} replaced by {new.cert_no} ({levels}): figures recalculated"
    status = S(record.status)
    if status is S.LIABILITY_UNDER_REVIEW:
        return Change(
            event=_review_closed(record), facts=found, detail=f"{detail}; mediation resumes", subject=new.cert_no
        )
    if status in (S.OFFERED, S.OFFER_OVERDUE, S.ACCEPTED, S.MEDIATING, S.APPRAISAL_PENDING):
        return Change(note=N.CERTIFICATE_REPLACED, facts=found, detail=detail, subject=new.cert_no)
    return Change(
        note=N.CERTIFICATE_REPLACED,
        facts=found,
        detail=f"{detail} after the outcome, in {status}: to review",
        subject=new.cert_no,
    )


def _appraised(record: PartnerRecord, body: AppraisalResult) -> Change:
    found = facts.appraisals(record)
    entry = found.get(body.appraisal_id)
    if entry is None:
        raise InvalidRequest(
            f"body.appraisal_id: {body.appraisal_id!r} was never requested for {record.record_id}; rule appraisal_id",
            field="body.appraisal_id",
            rule="appraisal_id",
        )
    challenge = china_text(body.challenge_deadline, seconds=False)
    said = f"appraisal {body.appraisal_id}: fee {body.fee} yuan, challenge by {challenge}"
    if entry.get("result") == body.model_dump(mode="json"):
        return Change(note=N.DUPLICATE, detail=f"{said} again")
    # A second result for the same request (a corrected opinion) replaces the first: the latest is what counts.
    found[body.appraisal_id] = {**entry, "result": body.model_dump(mode="json")}
    still_open = facts.appraisal_open(found)
    if record.status == S.APPRAISAL_PENDING and not still_open:
        return Change(event=E.APPRAISAL_DONE, facts={"appraisals": found}, detail=f"{said}; mediation resumes")
    return Change(note=N.APPRAISAL_RESULT, facts={"appraisals": found}, detail=f"{said} (in {record.status})")
