"""Small helpers for integration tests: find cases, build a signed agreement, read the sandbox's view."""

import hashlib
import os
import shutil
from datetime import timedelta

import pytest
from sqlmodel import col, select

from adapter.persistence.tables import CaseRow, OutboxRow
from adapter.states import CaseStatus
from scheduler import Runtime
from schemas.agreement import MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import CaseDispatch
from schemas.clock import utc_now


def find_xmlsec1() -> str:
    """The Debian xmlsec1 binary, the independent XML-DSig peer: a CI failure if missing there, else a skip."""
    found = shutil.which("xmlsec1")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("xmlsec1 is missing: .ci/run should have installed it")
        pytest.skip("xmlsec1 is not installed (apt-get install -y xmlsec1)")
    return found


DOCUMENT = "调解协议书：被申请人分两期还款。".encode()


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
