"""Roster samples for the pure tests (and the SPC sandbox's): organisations, mediators with valid made-up IDs, a
registration form, and PartnerRecord views of them as the core would hold them — built through the kind's own
opening actions, so the facts have the layout adapter/partners/roster/facts.py reads."""

from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from stdnum.cn import ric

from adapter.partners.roster import actions, registration
from adapter.partners.roster.rules import RosterRules
from adapter.partners.roster.states import MACHINE
from adapter.partners.spec import Change, PartnerRecord
from schemas.clock import CHINA
from schemas.enums import IdType
from schemas.partner import PartnerKind
from schemas.roster import (
    Fee,
    MediationResult,
    Mediator,
    OfflineParty,
    OfflineRegistration,
    Organisation,
    OrgKind,
)

CENTRE_USCC = "52440000MJL17000X2"  # GB 32100 check character valid, not a real organisation
OTHER_USCC = "91440101MA5CYQW4J4"
RULES = RosterRules()
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=CHINA)  # a Monday


def resident_id(serial: int) -> str:
    """A GB 11643 number with a valid check digit (Guangzhou Yuexiu, born 1980-01-01), not a real person."""
    base = f"44010419800101{serial:03d}"
    return base + ric.calc_check_digit(base + "0")  # stdnum reads the first 17 of 18


def organisation(uscc: str = CENTRE_USCC, **changes: Any) -> Organisation:
    data: dict[str, Any] = {
        "uscc": uscc,
        "name": "广东省银行业保险业纠纷调解中心",
        "kind": OrgKind.INDUSTRY,
        "scope": "银行业、保险业合同纠纷",
        "specialties": ("金融借款", "保险理赔"),
        "fee": Fee(free=True),
        "courts": ("粤01", "粤0104"),
    }
    return Organisation(**{**data, **changes})


def mediator(serial: int = 1, org: str = CENTRE_USCC, **changes: Any) -> Mediator:
    data: dict[str, Any] = {
        "ref": f"M-{serial:04d}",
        "name": f"调解员{serial}",
        "id_type": IdType.RESIDENT_ID,
        "id_number": resident_id(serial),
        "organisation": org,
        "specialties": ("保险",),
        "term_from": date(2026, 1, 1),
        "term_to": date(2028, 12, 31),
    }
    return Mediator(**{**data, **changes})


def form(case_id: str = "MC-2026-000123", **changes: Any) -> OfflineRegistration:
    party = OfflineParty(name="王某", id_type=IdType.RESIDENT_ID, id_number=resident_id(901), phone="13800138000",
                         area_code="440104", birthday=date(1980, 1, 1))  # fmt: skip
    bank = OfflineParty(name="某银行股份有限公司", kind="legal_person", id_type=IdType.USCC, id_number=OTHER_USCC)
    data: dict[str, Any] = {
        "case_id": case_id,
        "cause_code": "金融借款合同纠纷",
        "money": Decimal("12000.00"),
        "claim_money": Decimal("15000.00"),
        "success_state": MediationResult.SUCCESS,
        "start_time": datetime(2026, 1, 26, 10, 0, tzinfo=CHINA),
        "end_time": datetime(2026, 2, 5, 16, 0, tzinfo=CHINA),
        "agreement": "被申请人于2026年3月31日前向申请人支付12000元。",
        "mediator_id": "SPC-M-0001",
        "applicants": (party,),
        "respondents": (bank,),
    }
    return OfflineRegistration(**{**data, **changes})


def applied(change: Change, record: PartnerRecord | None = None, *, status: str, at: datetime = T0) -> PartnerRecord:
    """The record after `change`, as the core would show it (status given by the caller — the machine's business)."""
    facts = {**(record.facts if record else {}), **change.facts}
    base = record or PartnerRecord(
        record_id="RO-000001", kind=PartnerKind.ROSTER, partner="spc", partner_ref=None, status=status, version=0,
        subject="", amount=None, facts={}, case_id=None, opened_at=at, updated_at=at, closed_at=None,
    )  # fmt: skip
    return replace(
        base,
        status=status,
        version=base.version + 1,
        facts=facts,
        subject=change.subject or base.subject,
        amount=change.amount or base.amount,
        partner_ref=change.partner_ref or base.partner_ref,
        case_id=change.case_id or base.case_id,
        updated_at=at,
    )


def org_record(status: str = "DRAFT", org: Organisation | None = None, **facts: Any) -> PartnerRecord:
    opened = actions.upsert_org(None, actions.OrgInput(organisation=org or organisation()), T0, RULES)
    record = applied(opened, status=status)
    return replace(record, facts={**record.facts, **facts})


def mediator_record(
    status: str = "ACTIVE", med: Mediator | None = None, record_id: str = "", **facts: Any
) -> PartnerRecord:
    med = med or mediator()
    opened = actions.upsert_mediator(None, actions.MediatorInput(mediator=med), T0, RULES)
    record = applied(opened, status=status)
    return replace(record, record_id=record_id or f"RO-{med.ref}", facts={**record.facts, **facts})


def registration_record(status: str = "PENDING", closed_at: datetime = T0, **facts: Any) -> PartnerRecord:
    data = registration.RegisterCaseInput(closed_at=closed_at, registration=form())
    record = applied(registration.register_case(None, data, max(closed_at, T0), RULES), status=status)
    return replace(record, facts={**record.facts, **facts})


def step(record: PartnerRecord | None, change: Change, at: datetime = T0) -> PartnerRecord:
    """Apply `change` as the core does: the status through the roster machine (NEW for an opening change)."""
    before = record.status if record is not None else MACHINE.initial.value
    after = MACHINE.advance(before, change.event) if change.event is not None else before
    return applied(change, record, status=after, at=at)
