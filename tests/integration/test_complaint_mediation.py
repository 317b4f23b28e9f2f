"""A complaint converted to mediation becomes a flow-C case (registered through the centre's self-received path) whose
history shows the complaint, and the case is then worked like any other — agreement, then a JC application to the
sandbox court — on SQLite and PostgreSQL. Both routes: the centre converts it, or the desk's to_mediation message."""

from datetime import timedelta

import pytest
from sqlmodel import col, select

from adapter.complaints import inbound
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.mediation import HISTORY_EVENT
from adapter.complaints.service import ComplaintServices
from adapter.complaints.states import IllegalComplaintTransition
from adapter.errors import InvalidRequest
from adapter.persistence.complaint_tables import ComplaintOutboxRow, ComplaintRow
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.states import CaseStatus
from scheduler import Runtime
from schemas.case import CaseDispatch
from schemas.clock import utc_now
from schemas.complaint import AckBody, ComplaintEnvelope, ToMediationBody
from schemas.enums import Flow, PartyRole
from tests.support.complaint_samples import BANK_USCC, RESIDENT_ID, complaint, memorandum
from tests.support.court import PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement, pump, status_of

pytestmark = pytest.mark.integration
DESK = "card-centre"
CID = "CP-2026-0001"


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _services(runtime: Runtime) -> ComplaintServices:
    desks = DeskDirectory.of([Desk(DESK, (BANK_USCC,), memorandum())])
    return ComplaintServices(runtime.uow, runtime.clock, "clerk", desks=desks)


def _received(runtime: Runtime) -> ComplaintServices:
    services = _services(runtime)
    now = utc_now()
    complainant = {"kind": "natural_person", "name": "张三", "id_type": "resident_id", "id_number": RESIDENT_ID}
    services.receive(
        complaint(
            received_at=(now - timedelta(hours=1)).isoformat(),
            complainant=complainant,
            institution={"kind": "bank", "name": "某银行", "uscc": BANK_USCC},
        )
    )
    ack = ComplaintEnvelope(
        message_id="D-1", complaint_id=CID, sent_at=now, body=AckBody(desk_ref="FD1", acknowledged_at=now)
    )
    inbound.apply(runtime.uow, DESK, ack, runtime.clock)
    return services


def _case_of(runtime: Runtime) -> str:
    with runtime.uow.begin() as session:
        row = session.get(ComplaintRow, CID)
        assert row is not None and row.status == "TO_MEDIATION" and row.case_id is not None
        return row.case_id


@pytest.mark.parametrize("route", ["centre", "desk"])
def test_a_converted_complaint_is_a_flow_c_case_with_its_history_and_goes_to_jc(
    runtime: Runtime, court: Court, route: str
) -> None:
    services = _received(runtime)
    consented = utc_now() - timedelta(minutes=5)
    if route == "centre":
        services.convert_to_mediation(CID, consented, consented, "双方同意调解")
    else:
        body = ToMediationBody(complainant_consented_at=consented, institution_consented_at=consented)
        message = ComplaintEnvelope(message_id="D-2", complaint_id=CID, sent_at=utc_now(), body=body)
        assert inbound.apply(runtime.uow, DESK, message, runtime.clock) == "applied"
    case_id = _case_of(runtime)
    with runtime.uow.begin() as session:
        case = session.get(CaseRow, case_id)
        assert case is not None
        dispatch = CaseDispatch.model_validate_json(case.dispatch_json)
        history = session.exec(
            select(CaseEventRow).where(CaseEventRow.case_id == case_id).order_by(col(CaseEventRow.id))
        ).all()
        told = session.exec(select(ComplaintOutboxRow.type).where(ComplaintOutboxRow.complaint_id == CID)).all()
    assert (case.flow, case.platform, case.platform_case_id) == (Flow.SELF_RECEIVED, None, CID)
    assert [(p.role, p.name) for p in dispatch.parties] == [
        (PartyRole.APPLICANT, "张三"),
        (PartyRole.RESPONDENT, "某银行"),
    ]
    assert [e.event for e in history] == ["register", HISTORY_EVENT]
    lines = history[1].detail.splitlines()
    assert lines[0].startswith(f"converted from complaint {CID}") and any(" forward " in line for line in lines)
    assert any(" acknowledge " in line for line in lines)
    assert RESIDENT_ID not in history[1].detail
    # the desk is told only when the centre converted it, not when the desk asked
    assert ("complaint.to_mediation" in told) is (route == "centre")
    s = runtime.services
    s.accept(case_id)
    s.assign_mediator(case_id, "陈调解员")
    s.hold_session(case_id, "第一次调解")
    s.submit_agreement(case_id, agreement(), DOCUMENT)
    s.apply_jc(case_id, "张三", "某银行", platform=PLATFORM)
    pump(runtime)
    # The court met the case under the complaint's id and ruled on it (the sandbox court's choice); ours agrees.
    ruled = {"61": CaseStatus.JC_CONFIRMED, "62": CaseStatus.JC_REJECTED}
    assert status_of(runtime, case_id) is ruled[court.core.status([CID])[CID] or "none"]


def test_conversion_is_refused_whole_before_the_desk_has_it_or_with_a_consent_to_come(runtime: Runtime) -> None:
    services = _received(runtime)
    with pytest.raises(InvalidRequest) as refused:
        services.convert_to_mediation(CID, utc_now() + timedelta(days=1), utc_now())
    assert refused.value.field == "complainant_consented_at"
    services.withdraw(CID, "撤回")
    with pytest.raises(IllegalComplaintTransition):
        services.convert_to_mediation(CID, utc_now(), utc_now())
    with runtime.uow.begin() as session:
        assert session.exec(select(CaseRow)).all() == []
