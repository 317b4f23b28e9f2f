"""Canonical sample records shared by the unit tests: anonymised, with valid check digits, times in China time."""

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

from adapter.cases import CaseStore
from adapter.services import CentreServices
from adapter.states import Event
from adapter.testing import FakeClock
from reference.case_intake import read_case_number
from schemas.agreement import Instalment, MediationAgreement, MonetaryTerm, SignatureRecord
from schemas.case import Attachment, CaseDispatch, Party
from schemas.enums import CourtStatus, Flow, IdType, PartyKind, PartyRole, Procedure, ProgressKind
from schemas.envelope import Body, Envelope, ProgressBody
from schemas.progress import ProgressUpdate

CST = timezone(timedelta(hours=8))
T0 = datetime(2026, 3, 2, 9, 30, tzinfo=CST)
RESIDENT_ID = "110105198503071230"  # GB 11643 check digit valid, not a real person
USCC = "914400001234567899"  # GB 32100 check digit valid, not a real organisation
DOCUMENT = b"%PDF-1.7 sample mediation agreement"


def dispatch(flow: Flow = Flow.ENTRUSTED, platform_case_id: str = "0104-5f3a9c", **changes: object) -> CaseDispatch:
    """A two-party credit-card dispute as a court (or, for flow C, the centre's own intake) would record it."""
    fields: dict[str, object] = {
        "platform_case_id": platform_case_id,
        "case_number": None if flow is Flow.SELF_RECEIVED else "（2026）粤0104民初1001号",
        "court_code": None if flow is Flow.SELF_RECEIVED else "粤0104",
        "court_name": None if flow is Flow.SELF_RECEIVED else "广州市越秀区人民法院",
        "flow": flow,
        "procedure": Procedure.SIMPLE,
        "cause": "信用卡纠纷",
        "claims": "请求判令被告偿还欠款本息",
        "amount": Decimal("35000.50"),
        "parties": (
            Party(
                name="某某银行股份有限公司",
                role=PartyRole.PLAINTIFF,
                kind=PartyKind.LEGAL_PERSON,
                id_type=IdType.USCC,
                id_number=USCC,
                phone="02087654321",
                address="广州市天河区珠江新城",
            ),
            Party(
                name="张三",
                role=PartyRole.DEFENDANT,
                kind=PartyKind.NATURAL_PERSON,
                id_type=IdType.RESIDENT_ID,
                id_number=RESIDENT_ID,
                phone="13812345678",
            ),
        ),
        "attachments": (Attachment(name="起诉状.pdf", sha256=hashlib.sha256(b"complaint").hexdigest(), size=48213),),
        "designated_org": "广东银行业保险业纠纷调解中心",
        "dispatched_at": T0,
    }
    fields.update(changes)
    return read_case_number(CaseDispatch.model_validate(fields))  # as a boundary builds it


def agreement(effective: datetime = T0, document: bytes = DOCUMENT) -> MediationAgreement:
    """A signed agreement whose last *party* signature is `effective`; mediator and seal come later."""
    return MediationAgreement(
        facts="被告拖欠信用卡欠款",
        terms="被告分两期偿还欠款，原告放弃违约金",
        monetary_terms=(
            MonetaryTerm(
                payer="张三",
                payee="某某银行股份有限公司",
                total=Decimal("35000.50"),
                instalments=(
                    Instalment(due=date(2026, 4, 1), amount=Decimal("20000.00")),
                    Instalment(due=date(2026, 5, 1), amount=Decimal("15000.50")),
                ),
                waived_penalties=Decimal("1200.00"),
            ),
        ),
        performance="银行转账",
        document_sha256=hashlib.sha256(document).hexdigest(),
        signatures=(
            SignatureRecord(
                signer="某某银行股份有限公司",
                role="plaintiff",
                signed_at=effective - timedelta(hours=2),
                certificate_serial="CA-0001",
            ),
            SignatureRecord(signer="张三", role="defendant", signed_at=effective, certificate_serial="CA-0002"),
            SignatureRecord(signer="李调解", role="mediator", signed_at=effective + timedelta(minutes=1)),
            SignatureRecord(signer="调解中心", role="organisation", signed_at=effective + timedelta(minutes=2)),
        ),
        organisation_seal_at=(effective + timedelta(hours=2)).astimezone(UTC),
    )


def outbound(
    body: Body,
    status_after: CourtStatus | None = None,
    *,
    platform: str = "court",
    case_id: str = "0104-5f3a9c0d11e2b7a4",
    message_id: str = "M-0001",
    at: datetime | None = None,
) -> Envelope:
    """A message from the centre to a court."""
    return Envelope(
        message_id=message_id,
        platform=platform,
        platform_case_id=case_id,
        created_at=at or datetime.now(UTC),
        body=body,
        status_after=status_after,
    )


def accepted(case_id: str, message_id: str = "M-1", platform: str = "court") -> Envelope:
    """The centre's acceptance of a dispatched case: the first message of most flows."""
    now = datetime.now(UTC)
    body = ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=now))
    return outbound(body, CourtStatus.ACCEPTED, platform=platform, case_id=case_id, message_id=message_id, at=now)


def settled_case(store: CaseStore, services: CentreServices, clock: FakeClock, effective: datetime) -> str:
    """A court case (platform p1) registered, accepted, given a mediator and a session an hour apart, and settled by
    an agreement effective at `effective` (submitted ten minutes later), on any case store; returns its id."""
    with store.begin() as cases:
        case = cases.create(dispatch(Flow.DELEGATED), platform="p1", at=clock.now)
        cases.transition(case, Event.REGISTER, actor="test", at=clock.now)
        case_id = case.id
    for step in (services.accept, lambda c: services.assign_mediator(c, "李调解"), services.hold_session):
        clock.now += timedelta(hours=1)
        step(case_id)
    clock.now = effective + timedelta(minutes=10)
    services.submit_agreement(case_id, agreement(effective=effective), DOCUMENT)
    return case_id
