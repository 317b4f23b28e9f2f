"""What the sandbox platform does with each message of the centre (CENTRE: the status it leaves and the steps it
schedules) and each of its scripted steps as the canonical body it publishes (`body_of`), in the typed bodies of
schemas/traffic.py. Its statuses are the platform's coarse vocabulary (TrafficPartnerStatus), what its status
query answers.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from sandbox.court import CourtRefusal
from sandbox.traffic import script
from sandbox.traffic.case import PlatformCase
from sandbox.traffic.police import pdf
from schemas.traffic import BODIES, TrafficMessageType, TrafficPartnerStatus

if TYPE_CHECKING:  # the platform imports this module; its type only for checking
    from sandbox.traffic.platform import TrafficCore

Models = Callable[[str], type[BaseModel]]
T, P = TrafficMessageType, TrafficPartnerStatus
Handler = Callable[[PlatformCase, dict[str, Any], "TrafficCore"], tuple[str, list[script.Step]]]
APPRAISAL_CHALLENGE_DAYS = 15  # the appraiser's opinion can be challenged within 15 days of delivery (sandbox value)
PAUSED = (P.ACCEPTED, P.MEDIATING)


def default_models() -> Models:
    return BODIES.__getitem__


def _answer(known: PlatformCase, body: dict[str, Any], core: "TrafficCore") -> tuple[str, list[script.Step]]:
    if known.status != P.OFFERED:
        raise CourtRefusal(409, "rejected", f"case {known.serial_no} was answered already ({known.status})")
    if not body["accepted"]:
        return P.DECLINED, []
    # Accepted is in mediation, for the platform (调解中): the centre's own start of mediation is not sent
    return P.MEDIATING, script.after_acceptance(known.faults)


def _appraisal(known: PlatformCase, body: dict[str, Any], core: "TrafficCore") -> tuple[str, list[script.Step]]:
    if known.status not in PAUSED:
        raise CourtRefusal(409, "rejected", f"case {known.serial_no} is not in mediation ({known.status})")
    known.facts["appraisal_id"] = body["appraisal_id"]
    days = core.config.appraisal_days
    return P.SUSPENDED, script.after_appraisal_request(known.faults, core.calendar, core.today(), days)


def _outcome(known: PlatformCase, body: dict[str, Any], core: "TrafficCore") -> tuple[str, list[script.Step]]:
    if known.status not in (*PAUSED, P.SUSPENDED):
        raise CourtRefusal(409, "rejected", f"case {known.serial_no} is not in mediation ({known.status})")
    agreed = body["result"] == "agreement"
    return (P.AGREED if agreed else P.FAILED), script.after_outcome(known.faults, agreed)


def _claim(known: PlatformCase, body: dict[str, Any], core: "TrafficCore") -> tuple[str, list[script.Step]]:
    if known.status not in (P.AGREED, P.FAILED, P.CLAIMING, P.SETTLED):
        raise CourtRefusal(409, "rejected", f"case {known.serial_no} has no enforceable basis yet ({known.status})")
    known.facts.update(claim_id=body["claim_id"], claim_amount=body["amount"])
    return P.CLAIMING, script.after_claim(known.faults)


CENTRE: dict[str, Handler] = {
    T.OFFER_ANSWER: _answer,
    T.APPRAISAL_REQUEST: _appraisal,
    T.OUTCOME: _outcome,
    T.CLAIM_REQUEST: _claim,
}


def body_of(
    step: str, known: PlatformCase, at: datetime, core: "TrafficCore"
) -> tuple[str, dict[str, Any], str | None]:
    """(message type, canonical body, the platform's status after it or None) for one step at simulated `at`."""
    stamp = at.isoformat()
    if step == "case_offered":
        source = "广州市公安局交通警察支队"
        return (
            T.CASE_OFFERED,
            {"serial_no": known.serial_no, "source": source, "offered_at": stamp, **known.offer},
            P.OFFERED,
        )
    accident = known.offer["accident"]
    if step in ("superseded", "review_replaced"):
        # A review that redid the certificate changes the liability; a superseding one (a correction) keeps it
        liability = _changed(accident["liability"]) if step == "review_replaced" else accident["liability"]
        number = f"{accident['cert_no'].removesuffix('号')}-{len(known.facts.get('replaced', [])) + 2}号"
        new = {
            **accident,
            "cert_no": number,
            "liability": liability,
            "supersedes": accident["cert_no"],
            "issued_at": stamp,
            "delivered_at": stamp,
            "pdf": pdf(number, core.rng),
        }
        known.facts.setdefault("replaced", []).append(accident["cert_no"])
        known.offer = {**known.offer, "accident": new}
        after = P.MEDIATING if step == "review_replaced" else None
        return T.CERTIFICATE_REPLACED, {"certificate": new, "at": stamp}, after
    if step in ("review_requested", "review_redo"):
        phase = "requested" if step == "review_requested" else "redo"
        note = "当事人对责任认定申请复核" if phase == "requested" else "复核决定：撤销原认定，重新调查认定"
        body = {"phase": phase, "at": stamp, "cert_no": accident["cert_no"], "note": note}
        return T.LIABILITY_REVIEW, body, P.SUSPENDED
    if step in ("appraisal_result", "appraisal_redone"):
        grade = "十级伤残" if step == "appraisal_result" else "九级伤残"
        body = {
            "appraisal_id": known.facts.get("appraisal_id", "JD-1"),
            "conclusion": f"被鉴定人右腿损伤构成{grade}，误工期120日，护理期60日，营养期60日",
            "pdf": pdf(f"司法鉴定意见书-{step}", core.rng),
            "fee": "2800.00",
            "challenge_deadline": (at + timedelta(days=APPRAISAL_CHALLENGE_DAYS)).isoformat(),
            "delivered_at": stamp,
        }
        return T.APPRAISAL_RESULT, body, P.MEDIATING
    if step in ("jc_confirmed", "jc_rejected"):
        confirmed = step == "jc_confirmed"
        body = {
            "confirmed": confirmed,
            "ruling_no": f"（{at.year}）粤0104民特{int(known.serial_no[-4:])}号",
            "ruled_at": stamp,
            "reason": "" if confirmed else "调解协议内容违反法律强制性规定",
        }
        known.facts["ruling_no"] = body["ruling_no"]
        return T.JC_RESULT, body, None  # the platform's case stays agreed either way
    return _claim_update(step, known, stamp)


def _changed(liability: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The two drivers' levels swapped (equal shares become main and secondary): the figures must be recalculated."""
    levels = [item["level"] for item in reversed(liability)]
    if levels == [item["level"] for item in liability]:
        levels = ["main", "secondary"]
    return [{"party_ref": item["party_ref"], "level": level} for item, level in zip(liability, levels, strict=True)]


def _claim_update(step: str, known: PlatformCase, stamp: str) -> tuple[str, dict[str, Any], str | None]:
    status = step.removeprefix("claim_")
    amount = Decimal(str(known.facts.get("claim_amount", "0")))
    if status == "part_paid":
        amount = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
    body: dict[str, Any] = {"claim_id": known.facts.get("claim_id", "CL-1"), "status": status, "at": stamp}
    if status in ("agreed", "paid", "part_paid"):
        body["amount"] = f"{amount:.2f}"
    if status == "refused":
        body["reason"] = "保险合同约定的免责情形：驾驶人未取得驾驶资格"
    after = P.SETTLED if status in ("paid", "part_paid") else P.CLAIMING
    return T.CLAIM_UPDATE, body, after
