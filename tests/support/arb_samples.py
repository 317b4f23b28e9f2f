"""Arbitration samples (partners.md §3): a valid application as JSON-ready dicts to vary per test, and a record view
builder — shared by the unit tests and the sandbox tests. Made-up people; check digits valid."""

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from adapter.partners.arbitration.states import MACHINE
from adapter.partners.spec import Change, PartnerRecord
from schemas.arbitration import ArbitrationApplication
from schemas.clock import CHINA
from schemas.partner import PartnerEnvelope, PartnerKind

PERSON_ID = "11010519491231002X"
COMPANY_USCC = "914400001234567899"
DISPUTE = datetime(2026, 4, 1, 10, 0, tzinfo=CHINA)  # when the dispute arose
NOW = datetime(2026, 6, 1, 10, 0, tzinfo=CHINA)
_IDS = itertools.count(1)


def digest(n: int) -> dict[str, Any]:
    return {"name": f"doc{n}.pdf", "sha256": f"{n:064x}", "size": 1024}


def at(days: float, base: datetime = DISPUTE) -> str:
    """An ISO time `days` after the dispute arose (negative: before it)."""
    return (base + timedelta(days=days)).isoformat()


def application(**changes: Any) -> dict[str, Any]:
    """A valid application for a 调解书 on a settlement concluded 20 days after the dispute arose; `changes` replace
    top-level keys (None removes one)."""
    doc: dict[str, Any] = {
        "parties": [
            {
                "ref": "A1",
                "role": "applicant",
                "kind": "natural_person",
                "name": "王某",
                "id_type": "resident_id",
                "id_number": PERSON_ID,
                "domicile": "广州市越秀区某路1号",
                "sex": "male",
                "age": 45,
                "occupation": "职员",
                "employer": "某公司",
            },
            {
                "ref": "R1",
                "role": "respondent",
                "kind": "legal_person",
                "name": "某贸易有限公司",
                "id_type": "uscc",
                "id_number": COMPANY_USCC,
                "domicile": "广州市天河区某路2号",
                "legal_representative": {"name": "李某", "position": "执行董事"},
            },
        ],
        "arbitration_agreement": {
            "form": "separate",
            "signed_at": at(20),
            "commission": "广州仲裁委员会",
            "matters": "货款纠纷及调解协议的履行",
            "confirms_settlement": True,
            "pdf": digest(1),
        },
        "dispute_arose_at": DISPUTE.isoformat(),
        "claims": [{"text": "确认调解协议，被申请人支付货款", "amount": "150000.00"}],
        "facts": "双方于调解中心达成调解协议。",
        "mediation_agreement": {
            "case_id": "C-2026-0001",
            "concluded_at": at(20),
            "effective_at": at(21),
            "pdf": digest(2),
        },
        "requested_instrument": "mediation_statement",
        "fee_payer": "respondent",
    }
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def agreement(**changes: Any) -> dict[str, Any]:
    return {**application()["arbitration_agreement"], **changes}


def settlement(**changes: Any) -> dict[str, Any]:
    return {**application()["mediation_agreement"], **changes}


def parsed(**changes: Any) -> ArbitrationApplication:
    return ArbitrationApplication.model_validate(application(**changes))


def record(status: str, facts: dict[str, Any] | None = None, **columns: Any) -> PartnerRecord:
    """A record view as the core would hand it over."""
    opened = columns.pop("opened_at", NOW.astimezone(UTC))
    values: dict[str, Any] = {
        "record_id": "AR-0001",
        "kind": PartnerKind.ARBITRATION,
        "partner": "gzac",
        "partner_ref": None,
        "status": status,
        "version": 1,
        "subject": "C-2026-0001",
        "amount": "150000.00",
        "facts": facts or {},
        "case_id": "C-2026-0001",
        "opened_at": opened,
        "updated_at": opened,
        "closed_at": None,
    }
    values.update(columns)
    return PartnerRecord(**values)


def apply(current: PartnerRecord | None, change: Change) -> PartnerRecord:
    """What the core does with a Change, in memory: open (from the machine's initial status), advance, merge facts,
    update the list columns — for pure tests of whole paths."""
    base = current or record(MACHINE.initial.value, partner_ref=None, subject="", amount=None, case_id=None)
    status = MACHINE.advance(base.status, change.event) if change.event else base.status
    columns = {
        k: v
        for k, v in (("subject", change.subject), ("amount", change.amount), ("partner_ref", change.partner_ref))
        if v is not None
    }
    return replace(base, status=status, facts={**base.facts, **change.facts}, version=base.version + 1, **columns)


def envelope(
    type: str, body: dict[str, Any], *, sent_at: datetime = NOW, record_id: str | None = "AR-0001"
) -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id=f"M{next(_IDS):06d}",
        kind=PartnerKind.ARBITRATION,
        partner="gzac",
        record_id=record_id,
        type=type,
        sent_at=sent_at,
        body=body,
    )
