"""One contract for the case-store port (adapter/cases/store.py), run against the in-memory fake the use-case tests
use and the SQL store on SQLite and on PostgreSQL: what the fake does, the database does too."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import col, select

from adapter.cases import CaseStore
from adapter.errors import CaseNotFound
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.tables import OutboxRow
from adapter.states import CaseStatus, Event, IllegalTransition
from adapter.testing.fake_store import FakeCaseStore
from schemas.clock import from_db
from schemas.enums import CourtStatus, Flow, ProgressKind
from schemas.envelope import ClosureBody, Envelope, ProgressBody
from schemas.progress import ProgressUpdate
from tests.support import samples
from tests.support.db_template import Templates

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class Harness:
    store: CaseStore
    outbox: Callable[[], list[OutboxRow]]  # every queued row, in the order queued: the port itself never reads them


def _sql(url: str) -> Iterator[Harness]:
    engine = make_engine(url)
    create_schema(engine)
    uow = UnitOfWork(engine)

    def outbox() -> list[OutboxRow]:
        with uow.begin() as session:
            return list(session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all())

    yield Harness(SqlCaseStore(uow), outbox)
    engine.dispose()


@pytest.fixture(params=["fake", "sqlite", "postgresql"])
def harness(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Iterator[Harness]:
    """The store on a new database of the test's own, copied from one at the newest schema (tests/conftest.py)."""
    if request.param == "fake":
        fake = FakeCaseStore()
        yield Harness(fake, fake.outbox)
    elif request.param == "sqlite":
        yield from _sql(templates.sqlite(tmp_path / "cases.db"))
    else:
        server: str = request.getfixturevalue("postgres")
        url = templates.postgres(server)
        yield from _sql(url)
        templates.drop(server, url)


def _registered(store: CaseStore, platform: str | None = "p1", platform_case_id: str = "A1") -> str:
    flow = Flow.DELEGATED if platform else Flow.SELF_RECEIVED
    with store.begin() as cases:
        case = cases.create(samples.dispatch(flow, platform_case_id), platform=platform, at=T0)
        cases.transition(case, Event.REGISTER, actor="test", at=T0, detail="registered")
        return case.id


def _progress(kind: ProgressKind) -> ProgressBody:
    return ProgressBody(progress=ProgressUpdate(kind=kind, at=T0))


def test_a_created_case_is_received_and_keeps_its_dispatch(harness: Harness) -> None:
    """create stores the dispatch's fields and the case starts RECEIVED, created and updated at `at`."""
    dispatch = samples.dispatch(Flow.DELEGATED, "A7")
    with harness.store.begin() as cases:
        case_id = cases.create(dispatch, platform="p1", at=T0).id
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        assert case_id.startswith("MC-")
        assert (case.platform, case.platform_case_id, case.case_number) == ("p1", "A7", dispatch.case_number)
        assert (case.flow, case.procedure, case.cause) == (
            dispatch.flow.value,
            dispatch.procedure.value,
            dispatch.cause,
        )
        assert case.status == CaseStatus.RECEIVED.value
        assert case.amount == f"{dispatch.amount:.2f}"
        assert type(dispatch).model_validate_json(case.dispatch_json) == dispatch
        assert from_db(case.created_at) == from_db(case.updated_at) == T0
        assert cases.history(case) == []


def test_an_unknown_case_is_not_found(harness: Harness) -> None:
    with harness.store.begin() as cases, pytest.raises(CaseNotFound):
        cases.get("MC-missing")


def test_a_transition_moves_the_case_and_is_recorded_oldest_first(harness: Harness) -> None:
    """Every transition is in the history with its event, statuses, actor, time and detail, in the order made."""
    case_id = _registered(harness.store)
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        cases.transition(case, Event.ACCEPT, actor="centre", at=T0 + timedelta(hours=1), detail="ok")
        assert [e.event for e in cases.history(case)] == ["register", "accept"]  # this transaction's too
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        history = cases.history(case)
    assert case.status == CaseStatus.ACCEPTED.value
    assert from_db(case.updated_at) == T0 + timedelta(hours=1)
    assert [(e.event, e.from_status, e.to_status, e.actor, e.detail) for e in history] == [
        ("register", "RECEIVED", "PENDING_ACCEPTANCE", "test", "registered"),
        ("accept", "PENDING_ACCEPTANCE", "ACCEPTED", "centre", "ok"),
    ]
    assert [from_db(e.at) for e in history] == [T0, T0 + timedelta(hours=1)]
    assert all(e.case_id == case_id for e in history)


def test_an_illegal_transition_changes_nothing(harness: Harness) -> None:
    """IllegalTransition leaves the case and its history as they were, even inside a transaction that commits."""
    case_id = _registered(harness.store)
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        with pytest.raises(IllegalTransition):
            cases.transition(case, Event.LAST_PARTY_SIGNS, actor="centre", at=T0 + timedelta(hours=1))
        assert case.status == CaseStatus.PENDING_ACCEPTANCE.value
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        assert case.status == CaseStatus.PENDING_ACCEPTANCE.value
        assert [e.event for e in cases.history(case)] == ["register"]


def test_messages_are_numbered_per_case_and_carry_the_court_status(harness: Harness) -> None:
    """Each case's messages are 1, 2, 3 … in its own sequence; the envelope names the court's view after the move."""
    first, second = _registered(harness.store), _registered(harness.store, platform_case_id="A2")
    with harness.store.begin() as cases:
        case = cases.get(first)
        cases.transition(case, Event.ACCEPT, actor="centre", at=T0)
        accepted = cases.enqueue(case, _progress(ProgressKind.ACCEPTED), T0)
        other = cases.enqueue(cases.get(second), _progress(ProgressKind.ACCEPTED), T0)
    with harness.store.begin() as cases:
        case = cases.get(first)
        closure = cases.enqueue(case, ClosureBody(closed_at=T0, note="x"), T0 + timedelta(minutes=1))
    assert accepted is not None and other is not None and closure is not None
    assert accepted.status_after is CourtStatus.ACCEPTED
    assert (accepted.platform, accepted.platform_case_id) == ("p1", "A1")
    rows = harness.outbox()
    assert [(r.case_id, r.seq, r.message_id) for r in rows] == [
        (first, 1, accepted.message_id),
        (second, 1, other.message_id),
        (first, 2, closure.message_id),
    ]
    assert len({r.message_id for r in rows}) == 3
    row = rows[0]
    assert (row.platform, row.type, row.status, row.attempts) == ("p1", "progress", "pending", 0)
    assert from_db(row.next_attempt_at) == from_db(row.created_at) == from_db(row.queued_at) == T0
    assert Envelope.model_validate_json(row.envelope_json) == accepted


def test_a_case_without_a_court_gets_no_message(harness: Harness) -> None:
    case_id = _registered(harness.store, platform=None)
    with harness.store.begin() as cases:
        assert cases.enqueue(cases.get(case_id), _progress(ProgressKind.ACCEPTED), T0) is None
    assert harness.outbox() == []


def test_fields_set_on_a_case_are_kept_on_commit(harness: Harness) -> None:
    """The case handed out is live: the mediator, an agreement, a flow-C case's court set on it are stored."""
    case_id = _registered(harness.store, platform=None)
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        case.mediator, case.platform = "李调解", "p2"
        case.agreement_json, case.agreement_effective_at = '{"x": 1}', T0
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        assert (case.mediator, case.platform, case.agreement_json) == ("李调解", "p2", '{"x": 1}')
        assert case.agreement_effective_at is not None and from_db(case.agreement_effective_at) == T0


def test_an_exception_rolls_back_everything_the_transaction_did(harness: Harness) -> None:
    """A failing block leaves no case, transition, field, message or document behind, and re-raises."""
    case_id = _registered(harness.store)
    with pytest.raises(RuntimeError, match="boom"), harness.store.begin() as cases:
        case = cases.get(case_id)
        cases.transition(case, Event.ACCEPT, actor="centre", at=T0)
        case.mediator = "李调解"
        cases.enqueue(case, _progress(ProgressKind.ACCEPTED), T0)
        cases.keep_document(sha256="d" * 64, name="a.pdf", content=b"pdf", at=T0)
        created = cases.create(samples.dispatch(Flow.DELEGATED, "A9"), platform="p1", at=T0).id
        raise RuntimeError("boom")
    with harness.store.begin() as cases:
        case = cases.get(case_id)
        assert (case.status, case.mediator) == (CaseStatus.PENDING_ACCEPTANCE.value, None)
        assert [e.event for e in cases.history(case)] == ["register"]
        assert cases.document("d" * 64) is None
        with pytest.raises(CaseNotFound):
            cases.get(created)
    assert harness.outbox() == []


def test_a_document_is_kept_once_under_its_digest(harness: Harness) -> None:
    """The first content stored under a digest stays; an unknown digest has no document."""
    with harness.store.begin() as cases:
        assert cases.document("a" * 64) is None
        cases.keep_document(sha256="a" * 64, name="a.pdf", content=b"first", at=T0)
    with harness.store.begin() as cases:
        cases.keep_document(sha256="a" * 64, name="b.pdf", content=b"second", at=T0)
    with harness.store.begin() as cases:
        assert cases.document("a" * 64) == b"first"
