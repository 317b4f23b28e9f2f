"""One valid canonical body per arbitration message type (schemas/arbitration.py), as the JSON an envelope
carries — for the wire's tests and the sandbox commission's. IDs are check-digit valid and fictitious."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from schemas.arbitration import (
    BODIES,
    ArbitrationAgreement,
    ArbitrationApplication,
    ArbParty,
    Claim,
    MediationAgreement,
    Representative,
)
from schemas.case import Attachment
from tests.support.complaint_samples import BANK_USCC, RESIDENT_ID

AT = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)
CASE_NO = "（2026）穗仲案字第123号"


def pdf(name: str) -> Attachment:
    return Attachment(name=name, sha256="ab" * 32, size=48_213)


def parties() -> tuple[ArbParty, ...]:
    return (
        ArbParty(
            ref="A1", role="applicant", kind="natural_person", name="张三", id_type="resident_id",
            id_number=RESIDENT_ID, domicile="广州市天河区体育西路1号", sex="male", age=41, occupation="教师",
        ),
        ArbParty(
            ref="R1", role="respondent", kind="legal_person", name="广州某某商贸有限公司", id_type="uscc",
            id_number=BANK_USCC, domicile="广州市越秀区中山五路2号",
            legal_representative=Representative(name="李四", position="执行董事"),
        ),
    )  # fmt: skip


def application(
    *, requested: str = "mediation_statement", dispute: datetime | None = None, **changes: Any
) -> ArbitrationApplication:
    """A settlement mediated at the centre, handed over for an instrument: dispute in January, settled and effective
    in February, the arbitration agreement signed with the settlement (after the dispute arose)."""
    arose = dispute or AT - timedelta(days=60)
    fields: dict[str, Any] = {
        "parties": parties(),
        "arbitration_agreement": ArbitrationAgreement(
            form="separate", signed_at=AT - timedelta(days=20), commission="广州仲裁委员会",
            matters="货款纠纷调解协议的确认", confirms_settlement=True, pdf=pdf("仲裁协议.pdf"),
        ),
        "dispute_arose_at": arose,
        "claims": (Claim(text="请求依调解协议制作调解书：被申请人支付货款12000元", amount=Decimal("12000.00")),),
        "facts": "双方因货款发生纠纷，经中心调解达成协议。",
        "mediation_agreement": MediationAgreement(
            concluded_at=AT - timedelta(days=21), effective_at=AT - timedelta(days=21),
            pdf=pdf("调解协议.pdf"),
        ),
        "requested_instrument": requested,
    }  # fmt: skip
    return ArbitrationApplication(**{**fields, **changes})


def bodies() -> dict[str, dict[str, Any]]:
    """Type → a valid body as JSON."""
    at, day = AT.isoformat(), (AT + timedelta(days=7)).date().isoformat()
    raw: dict[str, dict[str, Any]] = {
        "arb.application": {"application": application().model_dump(mode="json"), "submitted_at": at},
        "arb.receipt": {"received_at": at, "commission_ref": "SJ-2026-0001"},
        "arb.accepted": {"case_no": CASE_NO, "accepted_at": at, "fee_notice": {"amount": "1200.00", "due": day}},
        "arb.refused": {"reason": "pre_dispute_confirmation", "text": "先予仲裁", "refused_at": at},
        "arb.fee_paid": {"amount": "1200.00", "paid_at": at, "payer": "applicant", "reference": "PAY-1"},
        "arb.tribunal_formed": {"formed_at": at, "arbitrators": ["陈仲明"]},
        "arb.hearing": {"at": at, "mode": "online"},
        "arb.instrument_issued": {"kind": "mediation_statement", "number": CASE_NO, "issued_at": at,
                                  "pdf": pdf("调解书.pdf").model_dump(mode="json")},
        "arb.service": {"party": "A1", "signed_for_at": at},
        "arb.party_repented": {"party": "R1", "at": at},
        "arb.corrected": {"corrected_at": at, "number": CASE_NO, "text": "笔误更正"},
        "arb.set_aside": {"filed_at": at, "court": "广州市中级人民法院"},
        "arb.withdrawn": {"withdrawn_at": at, "reason": "fee_unpaid"},
        "arb.mediation_entrusted": {"case_no": CASE_NO, "entrusted_at": at,
                                    "parties": [p.model_dump(mode="json") for p in parties()],
                                    "claims": [{"text": "请求支付货款", "amount": "5000.00"}]},
        "arb.mediation_result": {"outcome": "failed", "at": at, "text": "调解不成"},
    }  # fmt: skip
    return {t: BODIES[t].model_validate({**b, "type": t}).model_dump(mode="json") for t, b in raw.items()}
