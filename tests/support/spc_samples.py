"""Sample SPC roster messages (partners.md §4) as canonical envelopes, for the spc_form connector, the sandbox
SPC platform and the roster end-to-end tests. IDs are valid GB 11643 numbers made up here (check digit computed)."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from mappings.times import CHINA
from schemas.partner import PartnerEnvelope, PartnerKind


def resident_id(serial: int, born: date = date(1980, 5, 17)) -> str:
    """A valid 18-character ID (Guangzhou address code, `serial` in the sequence digits)."""
    first17 = f"440106{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + ric.calc_check_digit(first17)


def envelope(
    type_: str,
    record_id: str,
    body: dict[str, Any],
    *,
    partner: str = "spc",
    ref: str | None = None,
    at: datetime | None = None,
) -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id=f"m-{uuid.uuid4().hex[:20]}",
        kind=PartnerKind.ROSTER,
        partner=partner,
        record_id=record_id,
        partner_ref=ref,
        type=type_,
        sent_at=at or datetime.now(CHINA),
        body=body,
    )


def org(record_id: str = "RO-ORG-1", name: str = "广州金融纠纷调解中心") -> PartnerEnvelope:
    return envelope(
        "roster.org_upsert",
        record_id,
        {
            "name": name,
            "uscc": "52440000MJL1234567",
            "kind": "行业调解",
            "scope": ["金融"],
            "fee": "free",
            "courts": ["广州市天河区人民法院"],
            "status": "active",
        },
    )


def mediator(record_id: str, organisation: str, serial: int, *, term_to: date | None = None) -> PartnerEnvelope:
    today = datetime.now(CHINA).date()
    return envelope(
        "roster.mediator_upsert",
        record_id,
        {
            "name": f"调解员{serial}",
            "id_number": resident_id(serial),
            "organisation": organisation,
            "specialties": ["银行", "保险"],
            "term_from": (today - timedelta(days=300)).isoformat(),
            "term_to": (term_to or today + timedelta(days=400)).isoformat(),
            "status": "active",
        },
    )


def retire(record_id: str, reason: str = "本人申请退出") -> PartnerEnvelope:
    return envelope("roster.mediator_retire", record_id, {"reason": reason})


def offline(record_id: str, mediator_ref: str = "SPC-M000002") -> PartnerEnvelope:
    closed = datetime.now(CHINA).replace(microsecond=0)
    return envelope(
        "case.offline_register",
        record_id,
        {
            "cause_code": "9299",
            "amount": "12000.00",
            "claim_amount": "15000.00",
            "success": "1",
            "started_at": (closed - timedelta(days=20)).isoformat(),
            "closed_at": closed.isoformat(),
            "agreement": "双方自愿达成调解协议",
            "mediator_ref": mediator_ref,
            "applicants": [{"name": "张三", "credentialsType": "1", "idCard": resident_id(901)}],
            "respondents": [{"name": "某银行股份有限公司", "credentialsType": "9"}],
        },
    )
