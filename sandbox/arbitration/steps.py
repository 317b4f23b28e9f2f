"""Each scripted step as the canonical message the commission publishes — (type, body as JSON, the commission's
status after it) — and the instrument numbers and fee notice it writes. Bodies are the canonical ones of
schemas/arbitration.py, as JSON (mappings/arbitration.py turns them into the commission's wire)."""

import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sandbox.arbitration.config import CommissionConfig
from schemas.clock import china_iso

if TYPE_CHECKING:  # the case record lives in commission.py, which imports this module
    from sandbox.arbitration.commission import CommissionCase

REFUSAL_TEXT = {
    "no_agreement": "当事人未提交书面仲裁协议，本会不予受理",
    "pre_dispute_confirmation": "仲裁协议及调解协议均在纠纷发生前确认，属先予仲裁，本会不予受理",
}


def body_of(
    step: str, case: "CommissionCase", at: datetime, config: CommissionConfig
) -> tuple[str, dict[str, Any], str]:
    """(message type, body, status after) for one step of `case` at simulated time `at`."""
    name, _, arg = step.partition(":")
    case_no, parties, fee, fee_days = case.case_no, case.parties, config.fee, config.fee_days
    when = china_iso(at)
    if name == "accepted":
        notice = {"amount": f"{fee:.2f}", "due_at": china_iso(at + timedelta(days=fee_days)), "payer": "applicant"}
        return "arb.accepted", {"case_no": case_no, "accepted_at": when, "fee_notice": notice}, "accepted"
    if name == "refused":
        return "arb.refused", {"reason": arg, "detail": REFUSAL_TEXT.get(arg, ""), "refused_at": when}, "refused"
    if name == "withdrawn":
        return "arb.withdrawn", {"reason": "fee_unpaid", "withdrawn_at": when}, "withdrawn"
    if name == "tribunal_formed":
        tribunal = {"formed_at": when, "arbitrators": ["陈仲明"], "procedure": "simplified"}
        return "arb.tribunal_formed", tribunal, "tribunal_formed"
    if name == "hearing":
        return "arb.hearing", {"held_at": when, "mode": "online"}, "tribunal_formed"
    if name == "instrument_issued":
        number = instrument_number(case_no, arg)
        digest = hashlib.sha256(f"{number}|{arg}".encode()).hexdigest()
        body = {"kind": arg, "number": number, "issued_at": when, "sha256": digest}
        return "arb.instrument_issued", body, "effective" if arg == "award_on_agreed_terms" else "instrument_issued"
    if name in ("served", "repented"):
        party = parties[int(arg)]
        if name == "served":
            last = int(arg) == len(parties) - 1
            return "arb.service", {"party": party, "signed_at": when}, "effective" if last else "instrument_issued"
        return "arb.party_repented", {"party": party, "repented_at": when}, "instrument_issued"
    if name == "corrected":
        body = {"corrected_at": when, "number": f"{case_no}之一", "summary": "更正裁决书第二页笔误"}
        return "arb.corrected", body, "effective"
    if name == "set_aside":
        body = {"stage": "filed", "filed_at": when, "court": "广州市中级人民法院"}
        return "arb.set_aside", body, "set_aside_pending"
    raise ValueError(f"no step {step!r}")


def instrument_number(case_no: str, kind: str) -> str:
    """The instrument carries the case number, the 调解书 marked 调 (（2026）穗仲案字第123号 → …第123号调)."""
    return f"{case_no}调" if kind == "mediation_statement" else case_no
