"""Driving and reading a real adapter runtime: run its jobs, find its cases and messages, make the centre move.

Also the agreement (and its document) the centre signs in the end-to-end flows.
"""

import hashlib
import random
from datetime import timedelta

from sqlmodel import col, select

from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.states import CaseStatus
from scheduler import Runtime
from schemas.agreement import MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import CaseDispatch
from schemas.clock import utc_now
from schemas.enums import OutcomeCode
from schemas.outcome import FailureReport
from tests.support.court import PLATFORM, Court


def pump(runtime: Runtime, rounds: int = 3) -> None:
    """Run the two production jobs a few times, as the scheduler would."""
    for _ in range(rounds):
        runtime.poll_platform(PLATFORM)
        runtime.deliver()


def centre_step(runtime: object, rng: random.Random) -> None:
    """The centre keeps working while the adapter dies and restarts: one step on every case that can move."""
    services = runtime.services  # type: ignore[attr-defined]
    with runtime.uow.begin() as session:  # type: ignore[attr-defined]
        rows = session.exec(select(CaseRow.id, CaseRow.status)).all()
    for case_id, status in rows:
        if status == CaseStatus.PENDING_ACCEPTANCE:
            services.accept(case_id)
        elif status == CaseStatus.ACCEPTED:
            services.assign_mediator(case_id, rng.choice(["陈调解员", "李调解员"]))
        elif status == CaseStatus.MEDIATOR_ASSIGNED:
            services.hold_session(case_id, "调解")
        elif status == CaseStatus.IN_MEDIATION:
            services.record_failure(case_id, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="分歧过大"))


DOCUMENT = "%PDF-1.7 调解协议书：被申请人分两期还款。".encode()  # a PDF, as the centre must send


def case_for(runtime: Runtime, platform_case_id: str) -> CaseRow:
    with runtime.uow.begin() as session:
        row = session.exec(select(CaseRow).where(CaseRow.platform_case_id == platform_case_id)).first()
    assert row is not None, f"the adapter has no case {platform_case_id}"
    return row


def status_of(runtime: Runtime, case_id: str) -> CaseStatus:
    with runtime.uow.begin() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        return CaseStatus(row.status)


def outbox(runtime: Runtime, case_id: str) -> list[OutboxRow]:
    with runtime.uow.begin() as session:
        return list(
            session.exec(select(OutboxRow).where(OutboxRow.case_id == case_id).order_by(col(OutboxRow.id))).all()
        )


def parties(runtime: Runtime, case_id: str) -> tuple[str, str]:
    """The names of a case's first two parties, as a JC application must name them."""
    with runtime.uow.begin() as session:
        row = session.get(CaseRow, case_id)
        assert row is not None
        first, second = CaseDispatch.model_validate_json(row.dispatch_json).parties[:2]
    return first.name, second.name


def agreement(document: bytes = DOCUMENT) -> MediationAgreement:
    now = utc_now()
    return MediationAgreement(
        terms="被申请人于两个月内分两期支付10000.00元",
        monetary_terms=(MonetaryTerm(payer="张三", payee="某银行", total="10000.00"),),
        document_sha256=hashlib.sha256(document).hexdigest(),
        signatures=(
            SignatureRecord(signer="某银行", role="applicant", signed_at=now - timedelta(seconds=2)),
            SignatureRecord(signer="张三", role="respondent", signed_at=now - timedelta(seconds=1)),
            SignatureRecord(signer="调解员", role="mediator", signed_at=now),
        ),
    )


def agreed_case(runtime: Runtime, court: Court, flow: str = "01") -> str:
    """A dispatched case (`flow` as the court codes it) taken to an effective agreement, its messages delivered: the
    adapter's case id."""
    (ajbs,) = court.core.dispatch(1, flow)
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    s = runtime.services
    s.accept(case.id)
    s.assign_mediator(case.id, "陈调解员")
    s.hold_session(case.id, "第一次调解")
    s.submit_agreement(case.id, agreement(), DOCUMENT)
    pump(runtime)
    return case.id
