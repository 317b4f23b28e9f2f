"""Each scripted step as the canonical message the commission publishes — (type, body as JSON, the commission's
own status after it, in the coarse vocabulary of schemas/arbitration.py ArbPartnerStatus) — with the instrument
numbers and fee notice it writes. Bodies are validated by their typed models (schemas/arbitration.py BODIES)
before they are published, so the sandbox never publishes what the wire would refuse."""

import hashlib
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.arbitration.config import CommissionConfig
from schemas.arbitration import BODIES
from schemas.clock import china_iso

if TYPE_CHECKING:  # the case record lives in case.py
    from sandbox.arbitration.case import CommissionCase

REFUSAL_TEXT = {
    "no_agreement": "当事人未提交书面仲裁协议，本会不予受理",
    "pre_dispute_confirmation": "仲裁协议及调解协议均在纠纷发生前确认，属先予仲裁，本会不予受理",
}
# What the commission issues for what was asked: a 调解书, or an award (on the agreed terms, or on the claims).
ISSUES = {"mediation_statement": "mediation_statement", "award_on_agreed_terms": "award", "award": "award"}


def body_of(
    step: str, case: "CommissionCase", at: datetime, config: CommissionConfig
) -> tuple[str, dict[str, Any], str]:
    """(message type, body, status after) for one step of `case` at simulated time `at`."""
    name, _, arg = step.partition(":")
    when = china_iso(at)
    kind, body, status = _step(name, arg, case, at, when, config)
    return kind, BODIES[kind].model_validate({**body, "type": kind}).model_dump(mode="json"), status


def _step(
    name: str, arg: str, case: "CommissionCase", at: datetime, when: str, config: CommissionConfig
) -> tuple[str, dict[str, Any], str]:
    if name == "receipt":
        return "arb.receipt", {"received_at": when, "commission_ref": f"SJ-{case.case_no}"}, "received"
    if name == "accepted":
        due = (at + timedelta(days=config.fee_days)).astimezone(at.tzinfo).date().isoformat()
        notice = {"amount": f"{config.fee:.2f}", "due": due}
        return "arb.accepted", {"case_no": case.case_no, "accepted_at": when, "fee_notice": notice}, "accepted"
    if name == "refused":
        return "arb.refused", {"reason": arg, "text": REFUSAL_TEXT.get(arg, ""), "refused_at": when}, "refused"
    if name == "withdrawn":
        return "arb.withdrawn", {"reason": "fee_unpaid", "withdrawn_at": when, "text": "逾期未缴费"}, "withdrawn"
    if name == "tribunal_formed":
        return "arb.tribunal_formed", {"formed_at": when, "arbitrators": ["陈仲明"]}, "in_proceedings"
    if name == "hearing":
        return "arb.hearing", {"at": when, "mode": "online"}, "in_proceedings"
    if name == "instrument_issued":
        issued = ISSUES[arg]
        number = instrument_number(case.case_no, issued)
        body = {"kind": issued, "number": number, "issued_at": when, "pdf": _pdf(number)}
        return "arb.instrument_issued", body, "effective" if issued == "award" else "instrument_issued"
    if name == "served":
        last = int(arg) == len(case.parties) - 1
        body = {"party": case.parties[int(arg)], "signed_for_at": when}
        return "arb.service", body, "effective" if last else "instrument_issued"
    if name == "repented":
        body = {"party": case.parties[int(arg)], "at": when, "text": "签收前反悔"}
        return "arb.party_repented", body, "instrument_issued"
    if name == "corrected":
        number = instrument_number(case.case_no, case.issued)
        return "arb.corrected", {"corrected_at": when, "number": number, "text": "更正第二页笔误"}, "effective"
    if name == "set_aside":
        return "arb.set_aside", {"filed_at": when, "court": "广州市中级人民法院"}, "set_aside_pending"
    raise ValueError(f"no step {name!r}")


def entrustment(
    case: "CommissionCase", at: datetime, claim: str, amount: str, parties: Sequence[Mapping[str, Any]]
) -> dict[str, Any]:
    """The body entrusting mediation of `case` to the centre (parties as schemas/arbitration.py ArbParty JSON)."""
    body = {
        "type": "arb.mediation_entrusted",
        "case_no": case.case_no,
        "entrusted_at": china_iso(at),
        "parties": list(parties),
        "claims": [{"text": claim, "amount": amount}],
        "facts": "申请人与被申请人因物业服务费发生争议，经双方同意委托调解。",
    }
    return BODIES["arb.mediation_entrusted"].model_validate(body).model_dump(mode="json")


def instrument_number(case_no: str, kind: str) -> str:
    """The instrument carries the case number; a 调解书 is marked 调 (（2026）穗仲案字第123号 → …第123号调)."""
    return f"{case_no}调" if kind == "mediation_statement" else case_no


def _pdf(number: str) -> dict[str, Any]:
    return {"name": f"{number}.pdf", "sha256": hashlib.sha256(number.encode()).hexdigest(), "size": 52_480}


# Two fictitious parties for an entrustment (check-digit valid, not real): a person and a company.
ENTRUSTED_PARTIES: tuple[dict[str, Any], ...] = (
    {"ref": "A1", "role": "applicant", "kind": "natural_person", "name": "王五", "id_type": "resident_id",
     "id_number": "440104199001011232", "domicile": "广州市海珠区新港中路3号", "sex": "female", "age": 36},
    {"ref": "R1", "role": "respondent", "kind": "legal_person", "name": "广州某某物业管理有限公司",
     "id_type": "uscc", "id_number": "914400001234567899", "domicile": "广州市白云区机场路4号",
     "legal_representative": {"name": "赵六", "position": "总经理"}},
)  # fmt: skip
