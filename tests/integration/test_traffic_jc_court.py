"""A traffic agreement judicially confirmed through the court flows (adapter/partners/case_link.py): the centre's
apply_jc, naming the court platform, registers the dispute as a flow-C case, applies for JC on it and links it in
one transaction; the real sandbox court on loopback rules; the ruling moves the traffic record; the platform's own
traffic.jc_result for the same ruling is then a duplicate note. SQLite and PostgreSQL."""

import base64
import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlmodel import select

from adapter.errors import InvalidRequest
from adapter.partners import inbound
from adapter.partners.apply import apply_change
from adapter.partners.service import run_action
from adapter.partners.specs import spec_for
from adapter.partners.traffic.rules import TrafficRules
from adapter.persistence import partner_store as store
from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.seal import Sealed
from sandbox.court.config import SandboxConfig
from scheduler import Runtime
from schemas.agreement import MediationAgreement
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.api import Api
from tests.support.court import COURT_KID, PLATFORM, Court
from tests.support.runtime import DOCUMENT, pump
from tests.support.traffic_records import opening

pytestmark = pytest.mark.integration
RULES = TrafficRules()
PDF = base64.b64encode(DOCUMENT).decode()
# The court's ruling (the sandbox court's rates) → the traffic record's status and jc.confirmed.
RULINGS = {"confirm": (1.0, 0.0, "JC_CONFIRMED", True), "reject": (0.0, 1.0, "JC_REJECTED", False)}
NOT_ACCEPTED = {"not_accepted": (0.0, 0.0, "AGREEMENT_EFFECTIVE", None)}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=sorted(RULINGS | NOT_ACCEPTED))
def ruling(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def sandbox_config(ruling: str) -> SandboxConfig:
    """The court rules at once, every application the same way (confirmed, or rejected)."""
    confirm, reject, _, _ = (RULINGS | NOT_ACCEPTED)[ruling]
    return SandboxConfig(seed=3, decision_delay=0.0, redeliver_rate=0.0, confirm_rate=confirm, reject_rate=reject,
                         court_key_id=COURT_KID)  # fmt: skip


def _agreed(runtime: Runtime) -> str:
    """The sample offer opened, accepted, mediated and agreed on the recalculated figures."""
    with runtime.uow.begin() as session:
        opened = apply_change(session, spec_for(PartnerKind.TRAFFIC), None, opening(), partner="dj", actor="test",
                              now=datetime.now(UTC), label="traffic.case_offered")  # fmt: skip
        record_id = opened.row.record_id
    for action, data in (("accept", {}), ("start_mediation", {"mediator": "调解员 李四"}),
                         ("record_outcome", {"result": "agreement"})):  # fmt: skip
        _act(runtime, record_id, action, data)
    return record_id


def _act(runtime: Runtime, record_id: str, action: str, data: dict[str, Any]) -> Any:
    return run_action(runtime.uow, "traffic", action, record_id, data, partner=None, actor="test:clerk",
                      now=datetime.now(UTC), rules=RULES, services=runtime.services)  # fmt: skip


def _row(runtime: Runtime, record_id: str) -> Any:
    with runtime.uow.begin() as session:
        return store.view(store.get(session, record_id))


@pytest.mark.parametrize("ruling", sorted(RULINGS))
def test_apply_jc_registers_links_and_the_courts_ruling_moves_the_record(
    runtime: Runtime, court: Court, ruling: str
) -> None:
    record_id = _agreed(runtime)
    result = _act(runtime, record_id, "apply_jc", {"court_code": "粤0104", "platform": PLATFORM,
                                                  "agreement_pdf_b64": PDF})  # fmt: skip
    case_id = result.record.case_id
    assert case_id is not None and result.record.facts["jc"]["case_id"] == case_id
    assert result.record.status == "JC_APPLIED"
    with runtime.uow.begin() as session:
        case = session.get(CaseRow, case_id)
        assert case is not None and (case.status, case.flow, case.platform) == ("JC_APPLIED", "self_received", PLATFORM)
        assert case.cause == "机动车交通事故责任纠纷" and case.platform_case_id == record_id
        sent = session.exec(select(OutboxRow.type).where(OutboxRow.case_id == case_id)).all()
    assert list(sent) == ["jc_application"]  # the flow-C case meets its court only at JC

    pump(runtime)
    _, _, status, confirmed = RULINGS[ruling]
    after = _row(runtime, record_id)
    assert after.status == status and after.facts["jc"]["confirmed"] is confirmed
    ruling_no = after.facts["jc"]["ruling_no"]
    assert "民特" in ruling_no  # the court's ruling number, as a claim's basis_ref names it
    with runtime.uow.begin() as session:
        case = session.get(CaseRow, case_id)
        assert case is not None and case.status == status

    # The platform reports the same ruling: a duplicate note, not a second transition.
    body = {"type": "traffic.jc_result", "confirmed": confirmed, "ruling_no": ruling_no,
            "ruled_at": datetime.now(UTC).isoformat(), "reason": ""}  # fmt: skip
    envelope = PartnerEnvelope(message_id="P-JC-1", kind=PartnerKind.TRAFFIC, partner="dj", record_id=record_id,
                               partner_ref=after.partner_ref, type="traffic.jc_result", sent_at=datetime.now(UTC),
                               body=body)  # fmt: skip
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731
    assert inbound.receive(runtime.uow, "dj", envelope, b"{}", clock=clock, rules=RULES) == "applied"
    again = _row(runtime, record_id)
    assert (again.status, again.version) == (status, after.version + 1)
    with runtime.uow.begin() as session:
        notes = [h.note for h in store.history(session, record_id)]
    assert notes[-1] == "duplicate"


@pytest.mark.parametrize("ruling", ["confirm"])  # refused before the court sees anything: one court suffices
@pytest.mark.parametrize(
    ("given", "field", "rule"),
    [
        ({"platform": PLATFORM}, "agreement_pdf_b64", "required"),
        ({"platform": PLATFORM, "agreement_pdf_b64": "not base64!"}, "agreement_pdf_b64", "base64"),
        ({"platform": PLATFORM, "agreement_pdf_b64": base64.b64encode(b"plain").decode()}, "document", "pdf"),
        ({"platform": "nowhere", "agreement_pdf_b64": PDF}, "platform", "configured"),
    ],
)
def test_a_refused_link_writes_nothing(
    runtime: Runtime, court: Court, ruling: str, given: dict[str, Any], field: str, rule: str
) -> None:
    record_id = _agreed(runtime)
    before = _row(runtime, record_id)
    with pytest.raises(InvalidRequest) as refused:
        _act(runtime, record_id, "apply_jc", {"court_code": "粤0104", **given})
    assert (refused.value.field, refused.value.rule) == (field, rule)
    assert _row(runtime, record_id).version == before.version  # no half-done link: no case, no history line
    with runtime.uow.begin() as session:
        assert session.exec(select(CaseRow)).all() == []


@pytest.mark.parametrize("ruling", ["not_accepted"])
def test_an_application_the_court_does_not_accept_returns_the_record_to_its_agreement(
    runtime: Runtime, court: Court, ruling: str
) -> None:
    record_id = _agreed(runtime)
    applied = _act(runtime, record_id, "apply_jc", {"court_code": "粤0104", "platform": PLATFORM,
                                                   "agreement_pdf_b64": PDF})  # fmt: skip
    pump(runtime)
    after = _row(runtime, record_id)
    assert (after.status, after.case_id) == ("AGREEMENT_EFFECTIVE", applied.record.case_id)
    assert after.facts["jc"]["ended"] == "not_accepted" and after.facts["jc"]["reason"] == "不属于本院管辖"
    with runtime.uow.begin() as session:
        case = session.get(CaseRow, applied.record.case_id)
        assert case is not None and case.status == "JC_NOT_ACCEPTED"
    with pytest.raises(InvalidRequest) as refused:  # its case is final: not a second case, not a silent record
        _act(runtime, record_id, "apply_jc", {"court_code": "粤0104", "platform": PLATFORM, "agreement_pdf_b64": PDF})
    assert (refused.value.field, refused.value.rule) == ("platform", "case_linked")


@pytest.mark.parametrize("ruling", ["confirm"])
def test_over_the_api_the_record_shows_its_case_and_the_case_its_ruling(
    runtime: Runtime, court: Court, centre: Api, ruling: str
) -> None:
    """The centre's API path (POST …/actions/apply_jc) passes the runtime's services: the record view names the
    case it opened, the case view the court's ruling."""
    record_id = _agreed(runtime)
    path = f"/api/centre/v1/partners/records/{record_id}"
    applied = centre.post(f"{path}/actions/apply_jc", {"court_code": "粤0104", "platform": PLATFORM,
                                                        "agreement_pdf_b64": PDF})  # fmt: skip
    assert applied.status_code == 200, applied.text
    case_id = centre.get(path).json()["case_id"]
    assert case_id and applied.json()["status"] == "JC_APPLIED"
    pump(runtime)
    shown = centre.get(path).json()
    assert (shown["status"], shown["case_id"]) == ("JC_CONFIRMED", case_id)
    case = centre.get(f"/api/centre/v1/cases/{case_id}").json()
    assert (case["status"], case["flow"]) == ("JC_CONFIRMED", "self_received")


class _AppendSeal:
    """A stand-in seal (the PAdES one is tested in tests/unit/test_sealed_agreements.py): it appends a line."""

    def seal(self, document: bytes, now: object) -> Sealed:
        return Sealed(document + b"\n%centre-seal\n")

    def carries_seal(self, document: bytes) -> bool:
        return document.endswith(b"%centre-seal\n")


@pytest.mark.parametrize("ruling", ["confirm"])
def test_a_traffic_linked_jc_sends_the_agreement_sealed_when_seal_is_on(runtime: Runtime, court: Court) -> None:
    runtime.services.seal = _AppendSeal()
    record_id = _agreed(runtime)
    result = _act(runtime, record_id, "apply_jc", {"court_code": "粤0104", "platform": PLATFORM,
                                                  "agreement_pdf_b64": PDF})  # fmt: skip
    with runtime.uow.begin() as session:
        case = session.get(CaseRow, result.record.case_id)
        assert case is not None and case.agreement_json is not None
        named = MediationAgreement.model_validate_json(case.agreement_json).document_sha256
    assert named == hashlib.sha256(DOCUMENT + b"\n%centre-seal\n").hexdigest()
