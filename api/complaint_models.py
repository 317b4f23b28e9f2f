"""Request and answer bodies of the centre's complaint routes (api/centre_complaints.py). The complaint itself is
the canonical record (schemas/complaint.py) with what the centre may leave to the adapter made optional; unknown
fields are refused, as everywhere, so a misspelt field never passes silently."""

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.models import ActionBody
from schemas.complaint import Complaint
from schemas.money import RMB
from schemas.text import Line, Text
from schemas.times import Timestamp

ID_PREFIX = "CP-"


class ComplaintIntake(Complaint):
    """A complaint as the centre's intake system posts it: a `Complaint` whose `complaint_id` and `received_at`
    may be left out. `complaint_id` given: the centre's own id, which registers one complaint (a second intake
    under a new Idempotency-Key is a 409 naming the first); left out: the adapter assigns `CP-<32 hex>` and the
    answer names it. `received_at` left out: the time the request arrived (China time)."""

    complaint_id: Line | None = Field(default=None, min_length=1, max_length=40)  # type: ignore[assignment]
    received_at: Timestamp | None = None  # type: ignore[assignment]

    @field_validator("complaint_id")
    @classmethod
    def _addressable(cls, value: str | None) -> str | None:
        """The id is a segment of the complaint's URL (/complaints/{id}, the console's links): a "/" would make it
        unreachable, so it is refused here rather than stored."""
        if value is not None and "/" in value:
            raise ValueError("a complaint id cannot hold '/': it is a segment of the complaint's URL")
        return value

    def complete(self, now: datetime) -> Complaint:
        """The canonical record: the id and the receipt time filled in where the centre left them out."""
        values = self.model_dump()
        values["complaint_id"] = self.complaint_id or f"{ID_PREFIX}{uuid.uuid4().hex}"
        values["received_at"] = self.received_at or now
        return Complaint.model_validate(values)


class WithdrawBody(ActionBody):
    reason: Text = Field(default="", max_length=1000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "投诉人来电撤回"}]})


class VisitBody(ActionBody):
    """The return visit (回访) after a decision or payment: the complainant's satisfaction [P67a]."""

    satisfaction: int = Field(ge=1, le=5)  # 1 very dissatisfied … 5 very satisfied
    note: Text = Field(default="", max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"satisfaction": 5, "note": "电话回访"}]})


class CloseComplaintBody(ActionBody):
    note: Text = Field(default="", max_length=2000)


class ReviewBody(ActionBody):
    """The complainant asks the institution to review (核查) its decision [P34][P42b]."""

    grounds: Text = Field(min_length=1, max_length=2000)

    model_config = ConfigDict(json_schema_extra={"examples": [{"grounds": "对处理结果不满意，申请核查"}]})


class SmallClaimBody(ActionBody):
    """The mediator's decision on the small-claim track, within the cap the institution's memorandum delegates
    (the cap is the memorandum's, never the caller's) [P67a]."""

    amount: RMB
    mediator: Line = Field(min_length=1, max_length=100)

    model_config = ConfigDict(json_schema_extra={"examples": [{"amount": "1200.00", "mediator": "陈调解员"}]})


class MediationBody(ActionBody):
    """Both parties consented to mediation: a flow-C case is opened, linked to the complaint [P67a]."""

    complainant_consented_at: Timestamp
    institution_consented_at: Timestamp
    note: Text = Field(default="", max_length=1000)

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "complainant_consented_at": "2026-11-23T10:00:00+08:00",
                    "institution_consented_at": "2026-11-23T11:00:00+08:00",
                }
            ]
        }
    )


class ComplaintResult(BaseModel):
    """What every complaint action answers: the complaint, its new status and version (also the ETag header);
    `case_id` once it became a mediation case."""

    complaint_id: str
    status: str
    etag: str
    case_id: str | None = None


class ComplaintPage(BaseModel):
    items: list[dict[str, Any]]
    next_cursor: str | None  # pass as ?cursor= for the next page; null on the last


INTAKE_EXAMPLE: dict[str, Any] = {
    "channel": "phone",
    "complainant": {
        "kind": "natural_person",
        "name": "张三",
        "id_type": "resident_id",
        "id_number": "11010519491231002X",
        "phone": "13800138000",
    },
    "institution": {"kind": "bank", "name": "某某银行股份有限公司信用卡中心", "uscc": "91110000600037341L"},
    "classification": {"table": "jrt0169", "version": "2018", "business": "B05", "cause": "C03"},
    "track": "general",
    "request": "退还多收的年费",
    "facts": "2026年11月账单多收年费300元",
    "amount_in_dispute": "300.00",
}
