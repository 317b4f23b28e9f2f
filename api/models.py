"""Request and answer bodies of the centre API that are not canonical records (those come from schemas/ as they
are: a self-received case is a `CaseDispatch`, an agreement a `MediationAgreement`). Unknown fields are refused,
as in every canonical record, so a misspelt field never passes silently."""

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from schemas.enums import DeclineReason, OutcomeCode
from schemas.text import Line, Text


class ActionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Note(ActionBody):
    note: Text = Field(default="", max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "第一次调解：双方到场"}]})


class SuspendBody(ActionBody):
    note: Text = Field(min_length=1, max_length=2000)  # why: the rules ask for a reason

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "疑似虚假调解，暂停核查"}]})


class DeclineBody(ActionBody):
    reason: DeclineReason
    note: Text = Field(default="", max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "outside_expertise", "note": ""}]})


class MediatorBody(ActionBody):
    mediator: Line = Field(min_length=1, max_length=100)

    model_config = ConfigDict(json_schema_extra={"examples": [{"mediator": "陈调解员"}]})


class ExtendBody(ActionBody):
    until: date  # the new last day of the mediation period (China calendar day)
    note: Text = Field(default="all parties consented", max_length=2000)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"until": "2027-01-31", "note": "all parties consented"}]}
    )


class OutcomeBody(ActionBody):
    """Outcome codes 2–8 end the mediation without agreement; 1 (agreement reached) is the agreement action."""

    code: OutcomeCode
    reason: Text = Field(min_length=1, max_length=2000)
    facts: Text = Field(default="", max_length=5000)
    cost_raising_conduct: Text = Field(default="", max_length=2000)
    points_for_court: Text = Field(default="", max_length=2000)
    undisputed_facts: Text = Field(default="", max_length=5000)

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"code": 5, "reason": "双方对还款金额分歧过大", "facts": ""}]}
    )


class JcBody(ActionBody):
    applicant: Line = Field(min_length=1, max_length=200)
    consenting_party: Line = Field(min_length=1, max_length=200)
    platform: Line | None = Field(default=None, max_length=64)  # self-received cases only: the court platform

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"applicant": "某某银行股份有限公司", "consenting_party": "张三"}]}
    )


class CloseBody(ActionBody):
    note: Text = Field(default="performed voluntarily", max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"note": "performed voluntarily"}]})


class ActionResult(BaseModel):
    """What every action answers: the case, its new status and its new version (also the ETag header)."""

    case_id: str
    status: str
    etag: str
    # the agreement action only: the digest the recorded agreement names (the sealed PDF's when `[seal]` is on)
    document_sha256: str | None = None

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"case_id": "MC-3f2a9c…", "status": "ACCEPTED", "etag": '"v42"'}]}
    )


class CasePage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None  # pass as ?cursor= for the next page; null on the last


PROBLEM_EXAMPLE = {
    "type": "urn:court-docking:problem:illegal-transition",
    "title": "Conflict",
    "status": 409,
    "detail": "cannot accept a case in DECLINED; allowed here: nothing; no centre action is open now: the case waits "
    "for the court or has ended",
    "current_state": "DECLINED",
    "event": "accept",
    "allowed_events": [],
    "allowed_actions": [],
}


def _problem(code: int, kind: str, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    return {"type": f"urn:court-docking:problem:{kind}", "title": title, "status": code, "detail": detail, **extra}


def _invalid(field: str, rule: str, message: str) -> dict[str, Any]:
    errors = [{"field": field, "rule": rule, "message": message}]
    return _problem(422, "validation", "Unprocessable content", f"the request is not valid: {field}: {message}",
                    errors=errors)  # fmt: skip


# One example per status, each as the API answers it (a 422 is not the 409's illegal transition renumbered).
PROBLEM_EXAMPLES: dict[int, dict[str, Any]] = {
    400: _problem(400, "idempotency-key-missing", "Bad request", "every POST needs an Idempotency-Key header",
                  errors=[{"field": "header.Idempotency-Key", "rule": "missing", "message": "required on every POST"}]),
    401: _problem(401, "unauthorized", "Unauthorized", "send the API key as `Authorization: Bearer <key>`"),
    403: _problem(403, "forbidden", "Forbidden", "role ops may not use this endpoint (centre API)"),
    404: _problem(404, "case-not-found", "Not found", "no case 'MC-…'"),
    409: PROBLEM_EXAMPLE,
    412: _problem(412, "stale-version", "Precondition failed", "the case has changed since that version",
                  current_etag='"v792"', current_state="ACCEPTED"),
    413: _problem(413, "body-too-large", "Content too large", "the request body is larger than 8388608 bytes"),
    422: _invalid("body.reason", "enum", "Input should be 'outside_charter', 'outside_expertise' or 'unsuitable'"),
}  # fmt: skip


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the refusals an endpoint can give, each application/problem+json with its own example."""
    return {
        code: {
            "description": f"refused ({code}), RFC 9457 problem details",
            "content": {
                "application/problem+json": {"example": PROBLEM_EXAMPLES.get(code, {**PROBLEM_EXAMPLE, "status": code})}
            },
        }
        for code in codes
    }


SELF_RECEIVED_EXAMPLE = {
    "platform_case_id": "ZS-2026-0001",
    "flow": "self_received",
    "cause": "信用卡纠纷",
    "claims": "请求调解信用卡欠款分期还款",
    "amount": "8320.00",
    "parties": [
        {"name": "张三", "role": "applicant", "kind": "natural_person", "id_type": "resident_id",
         "id_number": "11010519491231002X", "phone": "13800138000"},
        {"name": "某某银行股份有限公司", "role": "respondent", "kind": "legal_person", "id_type": "uscc",
         "id_number": "91110000600037341L"},
    ],
    "dispatched_at": "2026-11-23T09:00:00+08:00",
}  # fmt: skip
AGREEMENT_EXAMPLE = {
    "terms": "张三于两个月内分两期向某某银行股份有限公司支付8000.00元",
    "document_name": "agreement.pdf",
    "document_sha256": "f184128a1e28bf1f5d32ca36924d9ad23d3f9e2e68bbc61bceb0960f7386af83",
    "signatures": [
        {"signer": "某某银行股份有限公司", "role": "applicant", "signed_at": "2026-11-23T10:00:00+08:00"},
        {"signer": "张三", "role": "respondent", "signed_at": "2026-11-23T10:05:00+08:00"},
    ],
}
