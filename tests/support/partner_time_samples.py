"""One valid instance per partner record holding a time field (traffic, arbitration, roster, the envelope), and
the fields: the rows tests/unit/test_schema_times.py adds to its table, as (model, JSON data, *time fields)."""

from typing import Any

from pydantic import BaseModel

from schemas import arbitration as arb
from schemas import arbitration_application as app
from schemas import roster as ro
from schemas import traffic as tr
from schemas.partner import PartnerEnvelope
from tests.support import arbitration_wire_samples as aw
from tests.support import roster_samples, traffic_samples
from tests.support.samples import T0

T = T0.isoformat()
DAY = T0.date().isoformat()

_OFFER = traffic_samples.offer_data()
_CERT = traffic_samples.certificate_data()
_PDF = traffic_samples.pdf("a.pdf")
_BODIES = aw.bodies()
_APPLICATION = aw.application().model_dump(mode="json")
_FORM = roster_samples.form().model_dump(mode="json")

ROWS: list[tuple[type[BaseModel], dict[str, Any], tuple[str, ...]]] = [
    # traffic (schemas/traffic.py, schemas/traffic_case.py)
    (tr.CaseOffered, _OFFER, ("offered_at",)),
    (tr.Certificate, _CERT, ("issued_at", "delivered_at")),
    (tr.OfferAnswer, {"accepted": True, "answered_at": T}, ("answered_at",)),
    (tr.LiabilityReview, {"phase": "requested", "at": T, "cert_no": "C1"}, ("at",)),
    (tr.CertificateReplaced, {"certificate": {**_CERT, "supersedes": "C0"}, "at": T}, ("at",)),
    (tr.AppraisalRequest, {"appraisal_id": "A1", "matters": "伤残等级", "requested_at": T}, ("requested_at",)),
    (
        tr.AppraisalResult,
        {
            "appraisal_id": "A1",
            "conclusion": "十级",
            "pdf": _PDF,
            "fee": "1.00",
            "challenge_deadline": T,
            "delivered_at": T,
        },
        ("challenge_deadline", "delivered_at"),
    ),
    (tr.Instalment, {"due_on": DAY, "amount": "1.00", "payer_ref": "P2"}, ("due_on",)),
    (tr.Outcome, {"result": "failure", "at": T, "failure_code": 2}, ("at",)),
    (tr.JcResult, {"confirmed": True, "ruling_no": "R1", "ruled_at": T}, ("ruled_at",)),
    (
        tr.ClaimRequest,
        {
            "claim_id": "C1",
            "basis": "agreement_jc",
            "basis_ref": "R1",
            "policy": {"insurer_uscc": traffic_samples.INSURER_A, "policy_no": "JQ-A-001"},
            "payee": {"name": "王五", "account": "6222020000000000"},
            "amount": "1.00",
            "requested_at": T,
        },
        ("requested_at",),
    ),
    (tr.ClaimUpdate, {"claim_id": "C1", "status": "agreed", "amount": "1.00", "at": T}, ("at",)),
    # arbitration (schemas/arbitration.py, schemas/arbitration_application.py)
    (app.ArbitrationApplication, _APPLICATION, ("dispute_arose_at",)),
    (app.ArbParty, {**_APPLICATION["parties"][0], "birth_date": "1985-03-07"}, ("birth_date",)),
    (app.ArbitrationAgreement, _APPLICATION["arbitration_agreement"], ("signed_at",)),
    (app.MediationAgreement, _APPLICATION["mediation_agreement"], ("concluded_at", "effective_at")),
    (app.Waiver, {"party": "A1", "at": T}, ("at",)),
    (arb.FeeNotice, _BODIES["arb.accepted"]["fee_notice"], ("due",)),
    (arb.SetAsideBody, {**_BODIES["arb.set_aside"], "ruling": "dismissed", "ruled_at": T}, ("filed_at", "ruled_at")),
    *(
        (arb.BODIES[kind], _BODIES[kind], names)
        for kind, names in [
            ("arb.application", ("submitted_at",)),
            ("arb.receipt", ("received_at",)),
            ("arb.accepted", ("accepted_at",)),
            ("arb.refused", ("refused_at",)),
            ("arb.fee_paid", ("paid_at",)),
            ("arb.tribunal_formed", ("formed_at",)),
            ("arb.hearing", ("at",)),
            ("arb.instrument_issued", ("issued_at",)),
            ("arb.service", ("signed_for_at",)),
            ("arb.party_repented", ("at",)),
            ("arb.corrected", ("corrected_at",)),
            ("arb.mediation_entrusted", ("entrusted_at", "due")),
            ("arb.mediation_result", ("at",)),
        ]
    ),
    # roster (schemas/roster.py)
    (ro.Mediator, roster_samples.mediator().model_dump(mode="json"), ("term_from", "term_to")),
    (ro.OfflineRegistration, _FORM, ("start_time", "end_time")),
    (ro.OfflineParty, {**_FORM["applicants"][0], "birthday": "1985-03-07"}, ("birthday",)),
    (ro.MediatorRetireBody, {"ref": "M1", "reason": "退休", "retired_at": T}, ("retired_at",)),
    (ro.CertifiedBody, {"platform_id": "P1", "certified_at": T, "term_to": DAY}, ("certified_at", "term_to")),
    (ro.RejectedBody, {"reason": "不符", "rejected_at": T}, ("rejected_at",)),
    (ro.RemovedBody, {"reason": "违规", "removed_at": T}, ("removed_at",)),
    (ro.OfflineRegisteredBody, {"platform_case_id": "P1", "registered_at": T}, ("registered_at",)),
    (ro.OfflineRejectedBody, {"reason": "-1", "rejected_at": T}, ("rejected_at",)),
    (ro.StatsSnapshotBody, {"month": "2026-03", "counts": {"cases": 1}, "taken_at": T}, ("taken_at",)),
    # the envelope every partner message travels in (schemas/partner.py)
    (
        PartnerEnvelope,
        {"message_id": "M1", "kind": "traffic", "partner": "dj", "type": "traffic.outcome", "sent_at": T},
        ("sent_at",),
    ),
]
