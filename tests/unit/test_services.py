"""The centre's use cases on the in-memory case store: each move changes the case and queues its message in one go."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from adapter.errors import DuplicateCase, InvalidRequest
from adapter.outbox.attachments import attach_from
from adapter.services import CentreServices
from adapter.states import CaseStatus, Event, IllegalTransition
from adapter.testing import FakeClock
from adapter.testing.fake_store import FakeCaseStore
from schemas.case import Party
from schemas.enums import CourtStatus, Flow, MessageType, OutcomeCode, ProgressKind
from schemas.envelope import AgreementBody, Envelope, JcApplicationBody, OutcomeBody, ProgressBody
from schemas.outcome import FailureReport
from tests.support import samples

START = datetime(2026, 3, 2, 9, 0, tzinfo=samples.CST)


@pytest.fixture
def store() -> FakeCaseStore:
    return FakeCaseStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def services(store: FakeCaseStore, clock: FakeClock) -> CentreServices:
    return CentreServices(store, clock, actor="centre:test")


@pytest.fixture
def court_case(store: FakeCaseStore) -> str:
    """A case dispatched by court platform p1 and registered, waiting for acceptance."""
    with store.begin() as cases:
        case = cases.create(samples.dispatch(Flow.DELEGATED), platform="p1", at=START)
        cases.transition(case, Event.REGISTER, actor="test", at=START)
        return case.id


def _outbox(store: FakeCaseStore) -> list[tuple[str, Envelope]]:
    # as the delivery claim reads them: the agreement document attached by its digest
    return [
        (row.type, Envelope.model_validate_json(attach_from(row.type, row.envelope_json, _document(store))))
        for row in store.outbox()
    ]


def _document(store: FakeCaseStore) -> Callable[[str], bytes | None]:
    def content(sha256: str) -> bytes | None:
        row = store.document(sha256)
        return None if row is None else row.content

    return content


def _status(store: FakeCaseStore, case_id: str) -> CaseStatus:
    case = store.case(case_id)
    assert case is not None
    return CaseStatus(case.status)


def _history(store: FakeCaseStore, case_id: str) -> list[tuple[str, str, datetime]]:
    return [(row.event, row.to_status, row.at) for row in store.history(case_id)]


def _mediate(services: CentreServices, clock: FakeClock, case_id: str) -> None:
    """Accept, assign a mediator and hold a session, an hour apart."""
    for step in (
        lambda: services.accept(case_id),
        lambda: services.assign_mediator(case_id, "李调解"),
        lambda: services.hold_session(case_id, "线上调解"),
    ):
        clock.now += timedelta(hours=1)
        step()


def _settle(services: CentreServices, clock: FakeClock, case_id: str) -> datetime:
    """Mediate and submit an agreement whose last party signature is just before now; returns that time."""
    _mediate(services, clock, case_id)
    clock.now += timedelta(hours=1)
    effective = clock.now - timedelta(minutes=10)
    services.submit_agreement(case_id, samples.agreement(effective=effective), samples.DOCUMENT)
    return effective


# ---- a court case, step by step


def test_court_case_moves_through_mediation_with_one_message_per_step(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """accept → assign → session → agreement each queue exactly one message, in order, with the court status."""
    steps = [
        (lambda: services.accept(court_case, "已受理"), CaseStatus.ACCEPTED, "progress", CourtStatus.ACCEPTED),
        (
            lambda: services.assign_mediator(court_case, "李调解"),
            CaseStatus.MEDIATOR_ASSIGNED,
            "progress",
            CourtStatus.MEDIATING,
        ),
        (
            lambda: services.hold_session(court_case, "线上调解"),
            CaseStatus.IN_MEDIATION,
            "progress",
            CourtStatus.MEDIATING,
        ),
        (
            lambda: services.submit_agreement(
                court_case, samples.agreement(effective=START + timedelta(hours=3)), samples.DOCUMENT
            ),
            CaseStatus.AGREEMENT_EFFECTIVE,
            "agreement",
            CourtStatus.SETTLED,
        ),
    ]
    for count, (step, status, kind, court_status) in enumerate(steps, start=1):
        clock.now += timedelta(hours=1)
        assert step() is status
        assert _status(store, court_case) is status
        outbox = _outbox(store)
        assert len(outbox) == count
        row_type, envelope = outbox[-1]
        assert row_type == kind == envelope.type.value
        assert envelope.status_after is court_status
        assert envelope.platform == "p1"
        assert envelope.platform_case_id == samples.dispatch().platform_case_id
        assert envelope.created_at == clock.now
    progress = [e.body.progress for _, e in _outbox(store) if isinstance(e.body, ProgressBody)]
    assert [p.kind for p in progress] == [ProgressKind.ACCEPTED, ProgressKind.MEDIATOR_ASSIGNED, ProgressKind.SESSION]
    assert progress[1].mediator == "李调解"


def test_every_message_has_its_own_id(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """Message ids are unique, so the court's duplicate check never drops a different message."""
    _settle(services, clock, court_case)
    ids = [e.message_id for _, e in _outbox(store)]
    assert len(ids) == 4
    assert len(set(ids)) == len(ids)


def test_agreement_message_carries_the_document_and_effective_time(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """The agreement goes out with its PDF, and the case remembers the last party signature as effective time."""
    effective = _settle(services, clock, court_case)
    _, envelope = _outbox(store)[-1]
    assert isinstance(envelope.body, AgreementBody)
    assert envelope.body.agreement.effective_at == effective
    assert base64.b64decode(envelope.body.document_b64) == samples.DOCUMENT


def test_agreement_signatures_are_recorded_per_party_at_their_own_time(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """The history shows the draft, then each party's signature at its time, the last one making it effective."""
    effective = _settle(services, clock, court_case)
    tail = _history(store, court_case)[-3:]
    assert [(event, status) for event, status, _ in tail] == [
        ("draft_agreement", "AGREEMENT_DRAFTED"),
        ("party_signs", "SIGNING"),
        ("last_party_signs", "AGREEMENT_EFFECTIVE"),
    ]
    assert [at.replace(tzinfo=None) for _, _, at in tail[1:]] == [
        (effective - timedelta(hours=2)).astimezone(UTC).replace(tzinfo=None),
        effective.astimezone(UTC).replace(tzinfo=None),
    ]


def test_agreement_whose_document_does_not_match_its_digest_changes_nothing(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """A document whose SHA-256 differs from the agreement's raises InvalidRequest; status and outbox are unchanged."""
    _mediate(services, clock, court_case)
    before_outbox, before_history = _outbox(store), _history(store, court_case)
    with pytest.raises(InvalidRequest, match="SHA-256"):
        services.submit_agreement(court_case, samples.agreement(effective=clock.now), samples.DOCUMENT + b" (edited)")
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION
    assert _outbox(store) == before_outbox
    assert _history(store, court_case) == before_history


def test_agreement_without_any_party_signature_is_refused(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """Only mediator and organisation signatures do not make an agreement effective; nothing is written."""
    _mediate(services, clock, court_case)
    agreement = samples.agreement(effective=clock.now)
    unsigned = agreement.model_copy(update={"signatures": agreement.signatures[2:]})
    with pytest.raises(InvalidRequest, match="party"):
        services.submit_agreement(court_case, unsigned, samples.DOCUMENT)
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION
    assert len(_outbox(store)) == 3


def test_illegal_move_raises_and_writes_nothing(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """Accepting an accepted case raises IllegalTransition and adds no history and no message."""
    services.accept(court_case)
    before_outbox, before_history = _outbox(store), _history(store, court_case)
    clock.now += timedelta(hours=1)
    with pytest.raises(IllegalTransition, match="ACCEPTED"):
        services.accept(court_case)
    assert _status(store, court_case) is CaseStatus.ACCEPTED
    assert _outbox(store) == before_outbox
    assert _history(store, court_case) == before_history


def test_agreement_before_mediation_is_an_illegal_move(
    services: CentreServices, store: FakeCaseStore, court_case: str
) -> None:
    """An agreement for a case not yet accepted is refused and leaves no document message behind."""
    with pytest.raises(IllegalTransition):
        services.submit_agreement(court_case, samples.agreement(), samples.DOCUMENT)
    assert _status(store, court_case) is CaseStatus.PENDING_ACCEPTANCE
    assert _outbox(store) == []


# ---- judicial confirmation window


def test_jc_application_on_the_thirtieth_day_is_accepted(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """Late on day 30 (China time) after the agreement took effect, the joint application is still in time."""
    effective = _settle(services, clock, court_case)
    day_30 = (effective.astimezone(samples.CST) + timedelta(days=30)).date()
    clock.now = datetime(day_30.year, day_30.month, day_30.day, 23, 0, tzinfo=samples.CST)
    assert services.apply_jc(court_case, "张三", "某某银行股份有限公司") is CaseStatus.JC_APPLIED
    row_type, envelope = _outbox(store)[-1]
    assert row_type == MessageType.JC_APPLICATION.value
    assert envelope.status_after is CourtStatus.JC_PENDING
    assert isinstance(envelope.body, JcApplicationBody)
    assert envelope.body.application.case is None  # the court already knows its own case
    assert envelope.body.application.agreement_effective_at == effective


def test_jc_application_31_days_after_effect_is_refused_naming_the_deadline(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """31 days after the last party signed, apply_jc raises InvalidRequest naming the closing date; nothing changes."""
    effective = _settle(services, clock, court_case)
    deadline = (effective.astimezone(samples.CST) + timedelta(days=30)).date()
    clock.now = effective + timedelta(days=31)
    before = _outbox(store)
    with pytest.raises(InvalidRequest) as caught:
        services.apply_jc(court_case, "张三", "某某银行股份有限公司")
    assert deadline.isoformat() in str(caught.value)
    assert _status(store, court_case) is CaseStatus.AGREEMENT_EFFECTIVE
    assert _outbox(store) == before


def test_jc_application_without_agreement_is_refused(
    services: CentreServices, clock: FakeClock, court_case: str
) -> None:
    """A case with no effective agreement has nothing to confirm."""
    _mediate(services, clock, court_case)
    with pytest.raises(InvalidRequest, match="no effective agreement"):
        services.apply_jc(court_case, "张三", "某某银行股份有限公司")


# ---- failure


def test_court_case_failure_goes_back_to_the_court_with_one_outcome_message(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """Outcome 4 terminates the mediation and returns the case at once, with one outcome message."""
    _mediate(services, clock, court_case)
    report = FailureReport(reason="被告拒绝继续调解")
    assert (
        services.record_failure(court_case, OutcomeCode.PARTY_REFUSES_TO_CONTINUE, report)
        is CaseStatus.RETURNED_TO_COURT
    )
    row_type, envelope = _outbox(store)[-1]
    assert (row_type, envelope.status_after) == ("outcome", CourtStatus.RETURNED)
    assert isinstance(envelope.body, OutcomeBody)
    assert envelope.body.outcome.code is OutcomeCode.PARTY_REFUSES_TO_CONTINUE
    assert len(_outbox(store)) == 4


def test_outcome_one_is_not_a_failure(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """record_failure refuses outcome 1 (agreement reached) and writes nothing."""
    _mediate(services, clock, court_case)
    with pytest.raises(InvalidRequest, match="submit_agreement"):
        services.record_failure(court_case, OutcomeCode.AGREEMENT_REACHED, FailureReport(reason="x"))
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION


# ---- flow C: self-received


def test_a_centre_case_id_registers_one_self_received_case(
    services: CentreServices, store: FakeCaseStore, clock: FakeClock
) -> None:
    """A second registration under the same centre case id is refused naming the first; a court's case with the
    same id is no conflict (a court's ids are scoped by its platform)."""
    first = services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="SR-DUP-1"))
    with pytest.raises(DuplicateCase) as refused:
        services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="SR-DUP-1"))
    assert refused.value.existing_case_id == first and refused.value.field == "platform_case_id"
    assert "SR-DUP-1" in str(refused.value) and first in str(refused.value)
    other = services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="SR-DUP-2"))
    with store.begin() as cases:  # a court's dispatch under the same id: its id is scoped by its platform
        cases.create(samples.dispatch(flow=Flow.DELEGATED, platform_case_id="SR-DUP-3"), platform="p1", at=clock())
    third = services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="SR-DUP-3"))
    assert len({first, other, third}) == 3 and len(store.cases()) == 4


def test_self_received_case_sends_nothing_until_the_jc_application(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore
) -> None:
    """A flow-C case queues no messages while mediated; apply_jc names the court, whose message carries the case."""
    dispatch = samples.dispatch(flow=Flow.SELF_RECEIVED, platform_case_id="SR-2026-0001")
    case_id = services.register_self_received(dispatch)
    assert _status(store, case_id) is CaseStatus.PENDING_ACCEPTANCE
    effective = _settle(services, clock, case_id)
    assert _status(store, case_id) is CaseStatus.AGREEMENT_EFFECTIVE
    assert _outbox(store) == []

    clock.now += timedelta(days=1)
    assert services.apply_jc(case_id, "张三", "某某银行股份有限公司", platform="p1") is CaseStatus.JC_APPLIED
    outbox = _outbox(store)
    assert len(outbox) == 1
    row_type, envelope = outbox[0]
    assert row_type == "jc_application"
    assert envelope.platform == "p1"
    assert envelope.platform_case_id == "SR-2026-0001"
    assert envelope.status_after is CourtStatus.JC_PENDING
    assert isinstance(envelope.body, JcApplicationBody)
    assert envelope.body.application.case == dispatch
    assert envelope.body.application.agreement_effective_at == effective
    assert envelope.body.agreement.document_sha256 == samples.agreement().document_sha256


def test_a_phone_the_centre_types_in_no_known_form_is_flagged_and_still_goes_out(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore
) -> None:
    """The centre's own intake uses the same Party: an odd phone is flagged on registration, never refused, and
    the JC application carries it as typed."""
    bank, person = samples.dispatch().parties
    typed = Party.model_validate({**person.model_dump(), "phone": "8765 4321（白天）"})
    dispatch = samples.dispatch(flow=Flow.SELF_RECEIVED, parties=(bank, typed))
    case_id = services.register_self_received(dispatch)
    register = next(iter(store.history(case_id)), None)
    assert register is not None and register.detail == "self-received; flagged: party 2 phone: unrecognised form"
    _settle(services, clock, case_id)
    clock.now += timedelta(days=1)
    assert services.apply_jc(case_id, "张三", "某某银行股份有限公司", platform="p1") is CaseStatus.JC_APPLIED
    (_, envelope), *_ = _outbox(store)
    assert isinstance(envelope.body, JcApplicationBody) and envelope.body.application.case is not None
    assert envelope.body.application.case.parties[1].phone == "8765 4321（白天）"


def test_self_received_jc_application_must_name_the_court(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore
) -> None:
    """Without a platform, a flow-C JC application is refused and the case stays effective."""
    case_id = services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED))
    _settle(services, clock, case_id)
    with pytest.raises(InvalidRequest, match="name the court platform"):
        services.apply_jc(case_id, "张三", "某某银行股份有限公司")
    assert _status(store, case_id) is CaseStatus.AGREEMENT_EFFECTIVE
    assert _outbox(store) == []


def test_self_received_failure_rests_without_a_message(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore
) -> None:
    """A failed flow-C case stops at TERMINATED (no court to return to) and queues nothing."""
    case_id = services.register_self_received(samples.dispatch(flow=Flow.SELF_RECEIVED))
    _mediate(services, clock, case_id)
    assert (
        services.record_failure(case_id, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="分歧过大"))
        is CaseStatus.TERMINATED
    )
    assert _outbox(store) == []


def test_court_dispatch_cannot_be_registered_as_self_received(services: CentreServices, store: FakeCaseStore) -> None:
    """register_self_received takes only flow C; a court's case is refused and nothing is stored."""
    with pytest.raises(InvalidRequest, match="entrusted"):
        services.register_self_received(samples.dispatch(flow=Flow.ENTRUSTED))
    assert store.cases() == []


def test_a_signature_dated_in_the_future_is_refused(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """A party signature a day ahead of now would move the JC window: refused, the case stays in mediation."""
    _mediate(services, clock, court_case)
    with pytest.raises(InvalidRequest, match="in the future"):
        services.submit_agreement(
            court_case, samples.agreement(effective=clock.now + timedelta(days=1)), samples.DOCUMENT
        )
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION


def test_a_signature_older_than_the_case_is_refused(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """A signature dated before the centre received the case cannot belong to this mediation."""
    _mediate(services, clock, court_case)
    with pytest.raises(InvalidRequest, match="before the centre received the case"):
        services.submit_agreement(
            court_case, samples.agreement(effective=START - timedelta(days=400)), samples.DOCUMENT
        )
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION


@pytest.mark.parametrize(
    ("days", "rule"),
    [(-400, "after_today"), (0, "after_today"), (10, "after_due"), (30, "after_due")],  # 30 days: the period's own
)
def test_an_extension_that_moves_nothing_is_refused_and_sends_nothing(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str, days: int, rule: str
) -> None:
    """`until` in the past, today, or not after the mediation period's current last day (30 days from acceptance,
    flow A) extends nothing: refused naming `until`, the case and its outbox unchanged [S2 Art 24]."""
    _mediate(services, clock, court_case)
    queued = len(store.outbox())
    until = (START + timedelta(days=days)).date()
    with pytest.raises(InvalidRequest) as refused:
        services.extend(court_case, until)
    assert (refused.value.field, refused.value.rule) == ("until", rule)
    assert str(until) in str(refused.value)
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION
    assert len(store.outbox()) == queued
    assert services.extend(court_case, (START + timedelta(days=31)).date()) is CaseStatus.EXTENDED
    assert len(store.outbox()) == queued + 1


def test_an_agreement_document_that_is_not_a_pdf_is_refused_naming_it(
    services: CentreServices, clock: FakeClock, store: FakeCaseStore, court_case: str
) -> None:
    """The court files the signed agreement PDF: other bytes (even with a matching digest) are refused naming
    `document`, and the case stays in mediation with nothing queued."""
    _mediate(services, clock, court_case)
    queued = len(store.outbox())
    text = "调解协议书：分两期还款。".encode()
    with pytest.raises(InvalidRequest) as refused:
        services.submit_agreement(court_case, samples.agreement(effective=clock.now, document=text), text)
    assert (refused.value.field, refused.value.rule) == ("document", "pdf") and "not a PDF" in str(refused.value)
    assert _status(store, court_case) is CaseStatus.IN_MEDIATION and len(store.outbox()) == queued
