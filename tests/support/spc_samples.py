"""Sample SPC roster messages (partners.md §4) as canonical envelopes whose bodies are schemas/roster.py's, for the
spc_form connector, the sandbox SPC platform and the roster end-to-end tests. IDs and USCCs are valid numbers made
up here (check characters computed), never real ones."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from stdnum.cn import ric

from mappings.times import CHINA
from schemas.identifiers import uscc_check_character
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.roster import Fee, Mediator, MediatorRetireBody, OfflineParty, OfflineRegistration, Organisation


def resident_id(serial: int, born: date = date(1980, 5, 17)) -> str:
    """A valid 18-character ID (Guangzhou address code, `serial` in the sequence digits)."""
    first17 = f"440106{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # the function drops the last character


def uscc(serial: int) -> str:
    """A valid USCC of a social organisation registered in Guangdong (5 1 440000 …)."""
    first17 = f"51440000MJL{serial % 1000000:06d}"
    return first17 + uscc_check_character(first17)


def today() -> date:
    return datetime.now(CHINA).date()


def envelope(type_: str, record_id: str, body: dict[str, Any], *, partner: str = "spc") -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id=f"m-{uuid.uuid4().hex[:20]}",
        kind=PartnerKind.ROSTER,
        partner=partner,
        record_id=record_id,
        type=type_,
        sent_at=datetime.now(CHINA),
        body=body,
    )


def organisation(serial: int = 1, name: str = "广州金融纠纷调解中心") -> Organisation:
    return Organisation(
        uscc=uscc(serial),
        name=name,
        kind="行业调解",
        scope="银行业、保险业合同纠纷",
        specialties=("银行", "保险"),
        fee=Fee(free=True),
        courts=("粤0106",),
    )


def mediator(
    ref: str, org_serial: int, serial: int, *, term_to: date | None = None, qualifying: bool = True
) -> Mediator:
    return Mediator(
        ref=ref,
        name=f"调解员{serial}",
        id_type="resident_id",
        id_number=resident_id(serial),
        organisation=uscc(org_serial),
        specialties=("银行",),
        term_from=today() - timedelta(days=300),
        term_to=term_to or today() + timedelta(days=400),
        qualifying=qualifying,
    )


def registration(case_id: str = "C-2026-000101", mediator_id: str = "SPC-M000002") -> OfflineRegistration:
    closed = datetime.now(CHINA).replace(microsecond=0)
    return OfflineRegistration(
        case_id=case_id,
        cause_code="金融借款合同纠纷",
        money="12000.00",
        claim_money="15000.00",
        success_state="success",
        start_time=closed - timedelta(days=20),
        end_time=closed,
        agreement="双方自愿达成调解协议",
        mediator_id=mediator_id,
        applicants=(OfflineParty(name="张三", id_type="resident_id", id_number=resident_id(901), area_code="440106"),),
        respondents=(
            OfflineParty(name="某银行股份有限公司", kind="legal_person", id_type="uscc", id_number=uscc(902)),
        ),
    )


def org(record_id: str = "RO-ORG-1", serial: int = 1, name: str = "广州金融纠纷调解中心") -> PartnerEnvelope:
    return envelope("roster.org_upsert", record_id, organisation(serial, name).model_dump(mode="json"))


def mediator_upsert(record_id: str, org_serial: int, serial: int, *, term_to: date | None = None) -> PartnerEnvelope:
    body = mediator(record_id, org_serial, serial, term_to=term_to).model_dump(mode="json")
    return envelope("roster.mediator_upsert", record_id, body)


def retire(record_id: str, reason: str = "本人申请退出") -> PartnerEnvelope:
    body = MediatorRetireBody(ref=record_id, reason=reason, retired_at=datetime.now(CHINA))
    return envelope("roster.mediator_retire", record_id, body.model_dump(mode="json"))


def offline(record_id: str, mediator_id: str = "SPC-M000002") -> PartnerEnvelope:
    return envelope("case.offline_register", record_id, registration(mediator_id=mediator_id).model_dump(mode="json"))
