"""Every flow of domain.md §2, end to end: the real sandbox court over HTTP, the adapter on a SQLite file."""

import base64
import hashlib
from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from adapter.persistence.tables import DocumentRow, OutboxRow
from adapter.reconcile import reconcile
from adapter.states import CaseStatus
from connectors.port import Receipt
from sandbox.court import SandboxConfig
from scheduler import Runtime
from schemas.case import CaseDispatch, Party
from schemas.enums import DeclineReason, Flow, IdType, OutcomeCode, PartyKind, PartyRole
from schemas.envelope import AgreementBody, Envelope, JcApplicationBody
from schemas.outcome import FailureReport
from tests.support.court import PLATFORM, Court
from tests.support.flows import EXTENDED_UNTIL
from tests.support.runtime import DOCUMENT, agreement, case_for, outbox, parties, pump, status_of

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Every test here that touches the adapter's database runs on SQLite and on PostgreSQL."""
    return str(request.param)


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    """Every flow runs against a REST court and against a SOAP court (WS-Security, court-standard XML)."""
    return str(request.param)


def _mediate(runtime: Runtime, case_id: str) -> None:
    s = runtime.services
    s.accept(case_id)
    s.assign_mediator(case_id, "陈调解员")
    s.hold_session(case_id, "第一次调解")


def _in_step(runtime: Runtime) -> None:
    report = reconcile(runtime.uow, runtime.platforms)
    assert report.differences == [] and report.in_flight == 0
    assert report.checked >= 1


def test_flow_a_delegated_pre_filing_reaches_judicial_confirmation(runtime: Runtime, court: Court) -> None:
    """A 委派 dispatch is accepted, mediated, settled, and confirmed by the court on a JC application."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    assert case.status == CaseStatus.PENDING_ACCEPTANCE and case.flow == Flow.DELEGATED
    assert "民诉前调" in (case.case_number or "")
    _mediate(runtime, case.id)
    assert runtime.services.submit_agreement(case.id, agreement(), DOCUMENT) is CaseStatus.AGREEMENT_EFFECTIVE
    pump(runtime)
    assert court.core.status([ajbs]) == {ajbs: "40"}
    runtime.services.apply_jc(case.id, *parties(runtime, case.id))
    pump(runtime)
    assert status_of(runtime, case.id) is CaseStatus.JC_CONFIRMED
    assert court.core.status([ajbs]) == {ajbs: "61"}
    assert [m.type for m in outbox(runtime, case.id)] == [
        "progress",
        "progress",
        "progress",
        "agreement",
        "jc_application",
    ]
    assert all(m.status == "delivered" for m in outbox(runtime, case.id))
    _in_step(runtime)


def test_flow_a_keeps_the_agreement_document_once_and_the_court_receives_it_whole(
    runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The signed PDF is stored once (the document row, by digest); the agreement and JC messages name it, and the
    court still receives every byte of it with each (its digest checked by the sandbox court)."""
    document = b"%PDF-1.7\n" + bytes(range(256)) * 4096  # 1 MiB: large enough that a second copy would show
    link = runtime.platforms.get(PLATFORM)
    assert link is not None
    sent: dict[str, bytes] = {}
    real_send = link.connector.send

    def send(envelope: Envelope) -> Receipt:
        if isinstance(envelope.body, AgreementBody | JcApplicationBody):
            sent[envelope.type.value] = base64.b64decode(envelope.body.document_b64)
        return real_send(envelope)

    monkeypatch.setattr(link.connector, "send", send)
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    _mediate(runtime, case.id)
    runtime.services.submit_agreement(case.id, agreement(document), document)
    pump(runtime)
    runtime.services.apply_jc(case.id, *parties(runtime, case.id))
    pump(runtime)
    assert status_of(runtime, case.id) is CaseStatus.JC_CONFIRMED
    assert sent == {"agreement": document, "jc_application": document}
    with runtime.uow.begin() as session:
        (stored,) = session.exec(select(DocumentRow)).all()
        queued = [row.envelope_json for row in session.exec(select(OutboxRow)).all()]
    assert stored.sha256 == hashlib.sha256(document).hexdigest() and stored.content == document
    assert all("document_b64" not in text for text in queued)
    assert sum(len(text) for text in queued) < len(document) // 20  # the messages hold the digest, not the bytes


def test_flow_a_failure_returns_the_case_to_court(runtime: Runtime, court: Court) -> None:
    """A failed pre-filing mediation ends with a failure report and the court sees the case returned."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    _mediate(runtime, case.id)
    status = runtime.services.record_failure(
        case.id, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="双方对还款金额分歧过大")
    )
    assert status is CaseStatus.RETURNED_TO_COURT
    pump(runtime)
    assert court.core.status([ajbs]) == {ajbs: "50"}
    _in_step(runtime)


def test_flow_b_entrusted_post_filing_ends_with_a_mediation_document(runtime: Runtime, court: Court) -> None:
    """A 委托 case (民初 number) that settles gets its 调解书 from the court, not a JC ruling."""
    (ajbs,) = court.core.dispatch(1, "02")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    assert case.flow == Flow.ENTRUSTED and "民初" in (case.case_number or "")
    _mediate(runtime, case.id)
    runtime.services.submit_agreement(case.id, agreement(), DOCUMENT)
    pump(runtime)
    assert status_of(runtime, case.id) is CaseStatus.MEDIATION_DOC_ISSUED
    assert court.core.status([ajbs]) == {ajbs: "70"}
    _in_step(runtime)


@pytest.mark.parametrize(
    "sandbox_config",
    [
        SandboxConfig(
            seed=5,
            decision_delay=0.0,
            redeliver_rate=0.0,
            confirm_rate=0.0,
            reject_rate=1.0,
            court_key_id="court-test",
        )
    ],
)
def test_flow_c_self_received_meets_the_court_only_at_jc(runtime: Runtime, court: Court) -> None:
    """A self-received case sends nothing until its JC application, which carries the case to the court."""
    dispatch = CaseDispatch(
        platform_case_id="ZS-0001",
        flow=Flow.SELF_RECEIVED,
        cause="信用卡纠纷",
        amount=Decimal("8800.00"),
        parties=(
            Party(
                name="张三",
                role=PartyRole.APPLICANT,
                kind=PartyKind.NATURAL_PERSON,
                id_type=IdType.RESIDENT_ID,
                id_number="11010519491231002X",
            ),
            Party(
                name="某银行",
                role=PartyRole.RESPONDENT,
                kind=PartyKind.LEGAL_PERSON,
                id_type=IdType.USCC,
                id_number="91110000600037341L",
            ),
        ),
        dispatched_at="2026-11-20T09:00:00+08:00",  # type: ignore[arg-type]
    )
    s = runtime.services
    case_id = s.register_self_received(dispatch)
    _mediate(runtime, case_id)
    s.submit_agreement(case_id, agreement(), DOCUMENT)
    assert outbox(runtime, case_id) == []
    assert court.core.status(["ZS-0001"]) == {"ZS-0001": None}
    s.apply_jc(case_id, "张三", "某银行", platform=PLATFORM)
    pump(runtime)
    assert status_of(runtime, case_id) is CaseStatus.JC_REJECTED
    assert court.core.status(["ZS-0001"]) == {"ZS-0001": "62"}
    _in_step(runtime)


def test_flow_d_party_applied_case_can_be_declined(runtime: Runtime, court: Court) -> None:
    """A party-applied case the centre cannot take is declined with a reason the court sees."""
    (ajbs,) = court.core.dispatch(1, "04")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    assert case.flow == Flow.PARTY_APPLIED
    runtime.services.decline(case.id, DeclineReason.OUTSIDE_CHARTER, "非银行保险类纠纷")
    pump(runtime)
    assert court.core.status([ajbs]) == {ajbs: "21"}
    _in_step(runtime)


def test_flow_d_settled_and_performed_closes_without_jc(runtime: Runtime, court: Court) -> None:
    """A party-applied case settled, suspended and extended on the way, closes once performed."""
    (ajbs,) = court.core.dispatch(1, "04")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    s = runtime.services
    _mediate(runtime, case.id)
    s.suspend(case.id, "待补充证据")
    s.resume(case.id)
    s.extend(case.id, date.fromisoformat(EXTENDED_UNTIL))
    s.submit_agreement(case.id, agreement(), DOCUMENT)
    s.close_performed(case.id)
    pump(runtime, 6)
    assert status_of(runtime, case.id) is CaseStatus.CLOSED_PERFORMED
    assert court.core.status([ajbs]) == {ajbs: "80"}
    assert court.core.cases[ajbs].history == ["20", "30", "30", "31", "30", "30", "40", "80"]
    _in_step(runtime)


@pytest.mark.parametrize(
    ("profile", "algorithm"),
    [("jws-detached", "ES256"), ("jws-detached", "PS256"), ("sm2-sm3", "SM2"), ("hmac-appkey", "")],
)
def test_flow_a_runs_end_to_end_under_every_signature_profile(runtime: Runtime, court: Court) -> None:
    """Dispatch, acceptance, agreement, JC and ruling all pass both sides' verification under each profile."""
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    _mediate(runtime, case.id)
    runtime.services.submit_agreement(case.id, agreement(), DOCUMENT)
    runtime.services.apply_jc(case.id, *parties(runtime, case.id))
    pump(runtime)
    assert status_of(runtime, case.id) is CaseStatus.JC_CONFIRMED
    assert court.core.signature_failures == {} and runtime.metrics.get("inbound_quarantined") == 0
    _in_step(runtime)
