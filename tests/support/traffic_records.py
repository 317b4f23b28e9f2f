"""Traffic records for the unit tests: the sample offer opened through the kind's own inbound handling, then put in
any status with extra facts — what the core would hold (PartnerRecord), without a database."""

from dataclasses import replace
from datetime import datetime
from typing import Any

from adapter.partners.spec import Change, PartnerRecord
from adapter.partners.traffic.inbound import on_message
from adapter.partners.traffic.rules import TrafficRules
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.traffic_samples import OFFERED_AT, offer_data


def envelope(
    type: str, body: dict[str, Any], *, record_id: str | None = "TR-1", message_id: str = "M-1"
) -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id=message_id,
        kind=PartnerKind.TRAFFIC,
        partner="dj",
        record_id=record_id,
        partner_ref="DJ2026092100017",
        type=type,
        sent_at=OFFERED_AT,
        body=body,
    )


def opening() -> Change:
    return on_message(
        None,
        envelope("traffic.case_offered", offer_data(), record_id=None, message_id="OFFER-1"),
        OFFERED_AT,
        TrafficRules(),
    )


def partner_record(status: str, facts: dict[str, Any], opened_at: datetime = OFFERED_AT) -> PartnerRecord:
    """A traffic record as the core would hold it, in `status` with exactly `facts`."""
    return PartnerRecord(
        record_id="TR-1",
        kind=PartnerKind.TRAFFIC,
        partner="dj",
        partner_ref="DJ2026092100017",
        status=status,
        version=3,
        subject="粤公交认字〔2026〕第0001号",
        amount=None,
        facts=facts,
        case_id=None,
        opened_at=opened_at,
        updated_at=opened_at,
        closed_at=None,
    )


def record(status: str, **facts: Any) -> PartnerRecord:
    """The sample case in `status`, its facts as the offer left them plus `facts` (top-level keys replaced)."""
    return partner_record(status, {**opening().facts, **facts})


def after(record_: PartnerRecord, change: Change, status: str | None = None) -> PartnerRecord:
    """The record as the core would leave it after `change` (facts merged; `status` given by the test)."""
    return replace(record_, status=status or record_.status, facts={**record_.facts, **change.facts})
