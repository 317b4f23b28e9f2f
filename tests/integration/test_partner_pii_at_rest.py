"""Personal numbers a partner sends, or the centre enters, for each kind (traffic offer and payee account,
arbitration entrustment, roster mediator and case registration) — applied or refused into quarantine — are in clear
nowhere at rest or on the way out: not in the raw SQLite file (facts, envelopes and quarantined bytes sealed,
adapter/persistence/vault.py SEALED_FIELDS), not in any stored text column (history notes and detail, list columns,
quarantine reasons and details, centre event bodies: masked, adapter/masking.py), not in any log line."""

import glob
import json
import logging
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from adapter.partners import inbound
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.roster.rules import RosterRules
from adapter.partners.service import run_action
from adapter.partners.traffic.rules import TrafficRules
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.reseal import sealed_columns
from adapter.persistence.vault import Vault, new_key
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.arb_samples import NOW, application
from tests.support.roster_samples import form, mediator, resident_id
from tests.support.traffic_samples import CLAIMANT_ID, LIABLE_ID, offer_data, pdf

pytestmark = pytest.mark.integration

PHONE, OTHER_PHONE, ACCOUNT = "13912345678", "13800138000", "6222021234567890123"
ARB_ID, MEDIATOR_ID, FORM_ID = "440104199001011232", resident_id(7), resident_id(901)
FIELDS = (CLAIMANT_ID, LIABLE_ID, PHONE, OTHER_PHONE, ACCOUNT, ARB_ID, MEDIATOR_ID, FORM_ID)  # in named fields
FREE_ID, FREE_PHONE, FREE_ACCOUNT = "110101198001010053", "13700001111", "6217000011112222333"
FREE = f"身份证{FREE_ID} 电话{FREE_PHONE} 账号{FREE_ACCOUNT}"  # what a clerk or a partner may type into any text
CLEAR = (*FIELDS, FREE_ID, FREE_PHONE, FREE_ACCOUNT)
SEALED = {(t.name, c) for t, _, columns in sealed_columns() for c in columns}


def _envelope(kind: PartnerKind, type: str, body: dict[str, Any], n: int, **extra: Any) -> PartnerEnvelope:
    return PartnerEnvelope(message_id=f"PII-{n}", kind=kind, partner=f"p-{kind.value}", type=type, sent_at=NOW,
                           body=body, **extra)  # fmt: skip


def _arb_party(id_number: str) -> dict[str, Any]:
    return {**application()["parties"][0], "id_number": id_number, "phone": PHONE}


# (kind, type, body, rules): applied first, then the same kinds refused (a field the kind's model refuses), each
# carrying the personal numbers in its named fields and in free text.
MESSAGES = [
    (PartnerKind.TRAFFIC, "traffic.case_offered",
     offer_data(source=FREE, parties=[{**p, "phone": PHONE} for p in offer_data()["parties"]]), TrafficRules()),
    (PartnerKind.ARBITRATION, "arb.mediation_entrusted",
     {"case_no": "（2026）穗仲案字第9号", "entrusted_at": NOW.isoformat(), "facts": FREE,
      "parties": [_arb_party(ARB_ID), application()["parties"][1]], "claims": [{"text": FREE}]}, CommissionRules()),
    (PartnerKind.TRAFFIC, "traffic.case_offered",
     offer_data(serial_no="DJ-BAD", parties=[{"id_number": CLAIMANT_ID, "phone": PHONE, "note": FREE}]),
     TrafficRules()),
    (PartnerKind.ARBITRATION, "arb.mediation_entrusted",
     {"case_no": "X", "parties": [_arb_party(ARB_ID[:-1] + "9")], "facts": FREE}, CommissionRules()),
    (PartnerKind.ROSTER, "roster.certified", {"id_number": MEDIATOR_ID, "phone": PHONE, "detail": FREE}, RosterRules()),
    # Refused by the kind quoting the partner's own identifier back (an appraisal never requested), which a partner
    # may have filled with a personal number: the refusal's detail goes to the quarantine, the log and the answer.
    (PartnerKind.TRAFFIC, "traffic.appraisal_result",
     {"appraisal_id": FREE_ACCOUNT, "conclusion": FREE, "pdf": pdf("鉴定意见书.pdf"), "fee": "2800.00",
      "challenge_deadline": "2026-10-20T17:00:00+08:00", "delivered_at": "2026-10-09T10:00:00+08:00"}, TrafficRules()),
]  # fmt: skip
REF_OF = {5: offer_data()["serial_no"]}  # the appraisal result is about the offer's record (its serial number)


def test_personal_numbers_of_every_kind_are_sealed_at_rest_and_masked_in_every_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    db = tmp_path / "adapter.db"
    engine = make_engine(f"sqlite:///{db}", vault=Vault([new_key("k1")], "k1"))
    create_schema(engine)
    uow = UnitOfWork(engine)
    results = []
    for n, (kind, type, body, rules) in enumerate(MESSAGES):
        about: dict[str, Any] = {"partner_ref": f"REF-{n}"}
        if n in REF_OF:
            with uow.begin() as session:
                found = store.find_by_ref(session, f"p-{kind.value}", REF_OF[n], lock=False)
                assert found is not None
                about = {"record_id": found.record_id}
        envelope = _envelope(kind, type, body, n, **about)
        raw = envelope.model_dump_json().encode()
        results.append(inbound.receive(uow, envelope.partner, envelope, raw, clock=lambda: NOW, rules=rules,
                                       kind=kind.value))  # fmt: skip
    assert results == ["applied", "applied", *["quarantined"] * 4]
    roster = RosterRules()
    opened = run_action(uow, "roster", "upsert_mediator", None,
                        {"mediator": json.loads(mediator(7).model_dump_json())},
                        partner="spc", actor="clerk", now=NOW, rules=roster)  # fmt: skip
    run_action(uow, "roster", "retire", opened.record.record_id, {"reason": FREE}, partner=None, actor="clerk",
               now=NOW, rules=roster)  # fmt: skip
    with uow.begin() as session:
        # A case registration's form (its parties' IDs and phones) and an insurer claim's payee (schemas/traffic.py),
        # as the kinds keep them: registering needs a closed case, claiming a confirmed agreement.
        registration = {"entity": "registration", "registration": json.loads(form().model_dump_json())}
        store.insert(session, record_id="RS-PII", kind="roster", partner="spc", at=NOW, status="PENDING",
                     facts_json=store.facts_text(registration), subject="MC-2026-000123")  # fmt: skip
        (row,) = [r for r in session.exec(store.select(store.PartnerRecordRow)) if r.kind == "traffic"]
        facts = {**json.loads(row.facts_json), "payee": {"name": "王五", "bank": "某银行", "account": ACCOUNT}}
        store.update(session, row, at=NOW, facts_json=store.facts_text(facts))
    with engine.connect() as connection:  # every text column but the sealed ones (opened by their type on read)
        for table in inspect(engine).get_table_names():
            for stored in connection.execute(text(f"SELECT * FROM {table}")):
                for column, value in stored._mapping.items():
                    if isinstance(value, str) and (table, column) not in SEALED:
                        assert not [c for c in CLEAR if c in value], (table, column, value[:300])
    engine.dispose()
    raw = b"".join(Path(p).read_bytes() for p in glob.glob(f"{db}*"))  # the file and any write-ahead log
    # Sealed: every named field (id_number, phone, account) of facts, envelopes and the quarantined bytes. Free text
    # inside the sealed facts is kept as written (as a case's texts are): masked wherever it is shown, not sealed.
    assert b"enc:1:k1:" in raw and [c for c in FIELDS if c.encode() in raw] == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "quarantined" in logged and [c for c in CLEAR if c in logged] == []
