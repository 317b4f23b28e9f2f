"""What the demo's centre hands its partners (sandbox/partner_demo.py): settlements for an arbitration commission,
an organisation and its mediators for the SPC roster. Made-up people and organisations; their ID numbers and USCCs
carry valid check characters (computed here), so the adapter's checks pass them as they would real ones."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from stdnum.cn import ric

from schemas.arbitration_application import (
    ArbitrationAgreement,
    ArbitrationApplication,
    ArbParty,
    Claim,
    MediationAgreement,
)
from schemas.case import Attachment
from schemas.identifiers import uscc_check_character
from schemas.roster import Fee, Mediator, Organisation

COMMISSION_NAME = "广州仲裁委员会"


def resident_id(serial: int, born: date = date(1982, 3, 9)) -> str:
    """A valid 18-character resident ID (Guangzhou Tianhe address code, `serial` in the sequence digits)."""
    first17 = f"440106{born:%Y%m%d}{serial % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # the function ignores the last character


def uscc(serial: int, prefix: str = "91440101MA5") -> str:
    """A valid USCC: `prefix` (11 characters: registry, kind, division, …) and `serial` in the rest."""
    first17 = f"{prefix}{serial % 1000000:06d}"
    return first17 + uscc_check_character(first17)


def _pdf(name: str, serial: int) -> Attachment:
    return Attachment(name=name, sha256=f"{serial:02x}" * 32, size=40_000 + serial)


def application(serial: int, now: datetime, *, requested: str, pre_dispute: bool = False) -> dict[str, Any]:
    """The input of `submit_application`: a loan dispute that arose two months ago, mediated at the centre and
    settled three weeks ago, the parties agreeing then to have the settlement confirmed by the commission. With
    `pre_dispute` the arbitration agreement was signed a year before the dispute arose (先予仲裁 in online lending,
    the SPC's 2018 reply [P26]): the adapter's guard refuses it locally, sending nothing."""
    arose = now - timedelta(days=60)
    signed = arose - timedelta(days=365) if pre_dispute else now - timedelta(days=20)
    amount = Decimal(8000 + 1500 * serial).quantize(Decimal("0.01"))
    parties = (
        ArbParty(
            ref="A1",
            role="applicant",
            kind="natural_person",
            name=f"申请人{serial}",
            id_type="resident_id",
            id_number=resident_id(300 + serial),
            domicile="广州市天河区体育西路1号",
            sex="female",
            age=36,
            occupation="职员",
        ),
        ArbParty(
            ref="R1",
            role="respondent",
            kind="legal_person",
            name=f"广州某某小额贷款有限公司{serial}",
            id_type="uscc",
            id_number=uscc(400 + serial),
            domicile="广州市越秀区中山五路2号",
            legal_representative={"name": "林经理", "position": "执行董事"},
        ),
    )
    built = ArbitrationApplication(
        parties=parties,
        arbitration_agreement=ArbitrationAgreement(
            form="separate",
            signed_at=signed,
            commission=COMMISSION_NAME,
            matters="借款合同纠纷调解协议的确认",
            confirms_settlement=True,
            pdf=_pdf("仲裁协议.pdf", serial),
        ),
        dispute_arose_at=arose,
        claims=(Claim(text=f"请求依调解协议制作法律文书：被申请人返还借款{amount}元", amount=amount),),
        facts="双方因借款合同发生纠纷，经中心调解达成协议。",
        mediation_agreement=MediationAgreement(
            concluded_at=now - timedelta(days=21),
            effective_at=now - timedelta(days=21),
            pdf=_pdf("调解协议.pdf", serial),
        ),
        requested_instrument=requested,
    )
    return {"application": built.model_dump(mode="json")}


def organisation(serial: int = 1) -> dict[str, Any]:
    """`upsert_org`'s input: a free industry mediation organisation invited by a Guangzhou court."""
    org = Organisation(
        uscc=uscc(serial, "51440000MJL"),
        name="广州金融纠纷调解中心",
        kind="行业调解",
        scope="银行业、保险业、证券业合同纠纷",
        specialties=("银行", "保险", "证券"),
        fee=Fee(free=True),
        courts=("粤0106",),
    )
    return {"organisation": org.model_dump(mode="json")}


def mediator(ref: str, serial: int, today: date, org_serial: int = 1) -> dict[str, Any]:
    """`upsert_mediator`'s input: `ref` the name the centre assigns cases by, a term running another 400 days."""
    med = Mediator(
        ref=ref,
        name=ref.removesuffix("调解员") + "某",
        id_type="resident_id",
        id_number=resident_id(serial),
        organisation=uscc(org_serial, "51440000MJL"),
        specialties=("银行",),
        term_from=today - timedelta(days=300),
        term_to=today + timedelta(days=400),
    )
    return {"mediator": med.model_dump(mode="json")}
