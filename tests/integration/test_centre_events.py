"""Centre events (adapter/events/) end to end: a real sandbox court, the adapter on SQLite and PostgreSQL, a real
webhook receiver on loopback verifying every call with the reference `standardwebhooks` package, and the API."""

import base64
import contextlib
import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import select as rows
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_none

from adapter.events import causes
from adapter.events.delivery import deliver_events, replay_dead_events
from adapter.events.store import EVENTS
from adapter.outbox.delivery import deliver_due
from adapter.persistence.tables import AuditRow, CaseRow, OutboxStatus
from adapter.platforms.retry import RetryPolicy
from adapter.states import CaseStatus
from connectors.centre_webhook import CentreWebhook
from connectors.port import Receipt, RejectedError, TransientError
from scheduler import Runtime
from schemas.case import CaseDispatch
from schemas.enums import CourtDecisionKind
from schemas.envelope import Envelope
from signing.webhooks import WebhookSigner, parse_secret
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.runtime import agreed_case, case_for, parties, pump
from tests.support.webhook_receiver import Receiver, receiving

pytestmark = pytest.mark.integration

SECRET = "whsec_" + base64.b64encode(b"centre-webhook-secret-for-tests!").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the-previous-secret-in-rotation").decode()
QUICK = RetryPolicy(base=0.001, cap=0.001, give_up_after=timedelta(hours=24))


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _no_wait() -> Retrying:
    return Retrying(
        retry=retry_if_exception_type(TransientError), stop=stop_after_attempt(1), wait=wait_none(), reraise=True
    )


def _sender(receiver: Receiver, *secrets: str) -> CentreWebhook:
    signer = WebhookSigner([parse_secret(s) for s in (secrets or (SECRET,))])
    return CentreWebhook([receiver.url], signer, timeout=5)


def _deliver_all(
    runtime: Runtime, sender: CentreWebhook, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> int:
    """Delivery runs until nothing is pending (bounded); returns how many runs it took."""
    for run in range(1, 200):
        deliver_events(runtime.uow, sender, clock, QUICK, retrying=_no_wait, jitter=lambda: 0.0)
        if not _events(runtime, status=OutboxStatus.PENDING):
            return run
    raise AssertionError("events still pending after 200 delivery runs")


def _personal(runtime: Runtime) -> set[str]:
    """Every party's clear ID number and phone in the stored cases: none may appear in an event."""
    with runtime.uow.begin() as session:
        dispatches = [CaseDispatch.model_validate_json(row.dispatch_json) for row in session.exec(rows(CaseRow))]
    return {v for d in dispatches for p in d.parties for v in (p.id_number, p.phone) if v}


def _clear(runtime: Runtime, text: str) -> list[str]:
    return [value for value in _personal(runtime) if value in text]


def _events(runtime: Runtime, **where: Any) -> list[Any]:
    query = select(EVENTS).order_by(EVENTS.c.id)
    for column, value in where.items():
        query = query.where(EVENTS.c[column] == value)
    with runtime.uow.begin() as session:
        return list(session.connection().execute(query))


def _confirmed_case(runtime: Runtime, court: Court) -> str:
    """A flow-A case taken to judicial confirmation: a dispatch and a court ruling, both applied by ingest."""
    case_id = agreed_case(runtime, court, "01")
    runtime.services.apply_jc(case_id, *parties(runtime, case_id))
    pump(runtime)
    return case_id


class _Refusing:
    """The court refuses every message: each goes dead at once."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name = inner, inner.name

    def send(self, envelope: Envelope) -> Receipt:
        raise RejectedError(self.name, "E400", f"refused; call 13812345678 about {envelope.message_id}")

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_each_cause_writes_its_event_and_a_flaky_receiver_applies_each_once_in_case_order(
    runtime: Runtime, court: Court
) -> None:
    case_id = _confirmed_case(runtime, court)
    court.core.dispatch(2, "02")
    pump(runtime, 1)
    rows = _events(runtime)
    kinds = [(row.type, row.case_id) for row in rows]
    assert ("case.dispatch_received", case_id) in kinds and ("case.jc_ruling", case_id) in kinds
    assert sum(t == "case.dispatch_received" for t, _ in kinds) == 3
    assert kinds.index(("case.dispatch_received", case_id)) < kinds.index(("case.jc_ruling", case_id))
    with runtime.uow.begin() as session:  # one dispatch event per stored case: written with it
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 3

    with receiving(SECRET, fail_rate=0.5, seed=11) as receiver:
        _deliver_all(runtime, _sender(receiver, SECRET, OLD_SECRET))  # a rotation: two signatures
    assert receiver.failures > 0 and receiver.unverified == 0
    assert receiver.duplicates_applied == 0
    assert receiver.duplicates_received > 0  # answers lost after applying: resent, and dropped by id
    assert sorted(e["id"] for e in receiver.applied) == sorted(row.event_id for row in rows)
    by_case: dict[str, list[str]] = {}
    for event in receiver.applied:
        by_case.setdefault(event["case_id"], []).append(event["id"])
    for case, ids in by_case.items():
        assert ids == [row.event_id for row in rows if row.case_id == case]  # each case's events in order
    assert all(row.status == OutboxStatus.DELIVERED for row in _events(runtime))
    assert _personal(runtime) and _clear(runtime, json.dumps(receiver.applied, ensure_ascii=False)) == []


def test_a_message_given_up_is_an_event_with_its_reason_masked(runtime: Runtime, court: Court) -> None:
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    case = case_for(runtime, ajbs)
    runtime.services.accept(case.id)  # a progress message to the court
    link = runtime.platforms[PLATFORM]
    refusing = {PLATFORM: dataclasses.replace(link, connector=_Refusing(link.connector), breaker=None)}
    counts = deliver_due(runtime.uow, refusing, runtime.clock)
    assert counts["dead"] == 1
    (dead,) = _events(runtime, type="message.dead")
    assert dead.case_id == case.id
    assert "13812345678" not in dead.data_json and "138****5678" in dead.data_json
    assert '"message_type":"progress"' in dead.data_json


def test_a_cause_rolled_back_leaves_no_event_and_its_retry_writes_exactly_one(
    runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = causes.emit

    def emit_then_fail(*args: Any, **kwargs: Any) -> str:
        real(*args, **kwargs)
        raise RuntimeError("the database went away after the event was written")

    monkeypatch.setattr(causes, "emit", emit_then_fail)
    court.core.dispatch(1, "01")
    with contextlib.suppress(RuntimeError):
        pump(runtime, 1)
    assert _events(runtime) == []
    with runtime.uow.begin() as session:
        assert session.scalar(select(func.count()).select_from(CaseRow)) == 0
    monkeypatch.setattr(causes, "emit", real)
    pump(runtime, 1)
    (event,) = _events(runtime)
    assert event.type == "case.dispatch_received"


def test_an_event_the_receiver_never_takes_goes_dead_after_the_give_up_time_and_a_replay_delivers_it(
    runtime: Runtime, court: Court
) -> None:
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    policy = RetryPolicy(base=60, cap=60, give_up_after=timedelta(hours=1))
    start = datetime.now(UTC)
    with receiving(SECRET, fail_rate=1.0) as receiver:  # 500 every time
        sender = _sender(receiver)
        counts = deliver_events(runtime.uow, sender, lambda: start, policy, retrying=_no_wait)
        assert counts == {"retried": 1}
        later = start + timedelta(hours=2)
        counts = deliver_events(runtime.uow, sender, lambda: later, policy, retrying=_no_wait)
        assert counts == {"dead": 1}
        assert receiver.applied == [] or receiver.failures == receiver.calls
    (dead,) = _events(runtime, status=OutboxStatus.DEAD)
    assert "gave up after 2 attempts" in dead.last_error
    assert replay_dead_events(runtime.uow, None, actor="ops", reason="receiver fixed", now=datetime.now(UTC)) == [
        dead.event_id
    ]
    with runtime.uow.begin() as session:
        audit = session.exec(rows(AuditRow).where(AuditRow.subject == dead.event_id)).all()
    assert [row.action for row in audit] == ["replay_event"]
    with receiving(SECRET) as healthy:
        _deliver_all(runtime, _sender(healthy))
    assert [e["id"] for e in healthy.applied] == [dead.event_id]
    assert _events(runtime, status=OutboxStatus.DELIVERED)[0].event_id == dead.event_id


def test_the_centre_pages_the_events_by_cursor(
    runtime: Runtime, court: Court, centre: Api, api_keys: dict[str, str]
) -> None:
    empty = centre.get("/api/centre/v1/events").json()  # no event yet: still a cursor to poll from (README)
    assert empty["items"] == [] and empty["next_cursor"] and empty["more"] is False
    court.core.dispatch(3, "01")
    pump(runtime, 1)
    from_empty = centre.get("/api/centre/v1/events", params={"after": empty["next_cursor"], "limit": 1}).json()
    assert len(from_empty["items"]) == 1
    first = centre.get("/api/centre/v1/events", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2 and page["more"] is True
    item = page["items"][0]
    assert set(item) == {"id", "type", "case_id", "time", "data"} and item["type"] == "case.dispatch_received"
    assert item["time"].endswith("Z") and datetime.fromisoformat(item["time"]).tzinfo is not None
    second = centre.get("/api/centre/v1/events", params={"limit": 2, "after": page["next_cursor"]}).json()
    assert len(second["items"]) == 1 and second["more"] is False
    ids = [e["id"] for e in page["items"] + second["items"]]
    assert ids == [row.event_id for row in _events(runtime)]
    idle = centre.get("/api/centre/v1/events", params={"after": second["next_cursor"]}).json()
    assert idle["items"] == [] and idle["next_cursor"] == second["next_cursor"]
    court.core.dispatch(1, "01")  # a new event after the last cursor is found from it
    pump(runtime, 1)
    newer = centre.get("/api/centre/v1/events", params={"after": second["next_cursor"]}).json()
    assert len(newer["items"]) == 1 and newer["items"][0]["id"] not in ids
    assert _clear(runtime, first.text + json.dumps(second, ensure_ascii=False)) == []
    bad = centre.get("/api/centre/v1/events", params={"after": "nonsense"})
    assert bad.status_code == 422
    # `cursor`, as GET /cases names it, pages the same (it was ignored: the first page came back for ever)
    by_after = centre.get("/api/centre/v1/events", params={"limit": 2, "after": page["next_cursor"]}).json()
    assert centre.get("/api/centre/v1/events", params={"limit": 2, "cursor": page["next_cursor"]}).json() == by_after
    assert by_after["items"][0]["id"] == second["items"][0]["id"]
    bad_cursor = centre.get("/api/centre/v1/events", params={"cursor": "nonsense"})
    assert bad_cursor.status_code == 422 and bad_cursor.json()["errors"][0]["field"] == "query.cursor"
    both = centre.get("/api/centre/v1/events", params={"after": page["next_cursor"], "cursor": second["next_cursor"]})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "query.cursor"
    court_client = Api(centre.base, api_keys[f"court:{PLATFORM}"]) if f"court:{PLATFORM}" in api_keys else None
    if court_client is not None:
        assert court_client.get("/api/centre/v1/events").status_code == 403


def _uow_events(uow: Any) -> list[Any]:
    with uow.begin() as session:
        return list(session.connection().execute(select(EVENTS).order_by(EVENTS.c.id)))


def test_a_deadline_alert_is_an_event_written_with_the_alert(uow: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapter.deadlines import DeadlinePolicy, Deadlines, WorkCalendar
    from adapter.deadlines.sweep import sweep
    from adapter.persistence.repository import create_case, transition
    from adapter.states import Event
    from adapter.testing import FakeClock
    from schemas.clock import CHINA
    from schemas.enums import Flow
    from tests.support import samples

    received = datetime(2026, 11, 16, 10, 0, tzinfo=CHINA)
    with uow.begin() as session:
        case = create_case(session, samples.dispatch(Flow.DELEGATED, platform_case_id="c1"), "p1", received)
        transition(session, case, Event.REGISTER, actor="test", at=received)
        case_id = case.id
    engine = Deadlines(DeadlinePolicy(), WorkCalendar())
    clock = FakeClock(datetime(2026, 11, 18, 9, 0, tzinfo=CHINA))

    real = causes.emit

    def emit_then_fail(*args: Any, **kwargs: Any) -> str:
        real(*args, **kwargs)
        raise RuntimeError("failed after the event was written")

    monkeypatch.setattr(causes, "emit", emit_then_fail)
    with contextlib.suppress(RuntimeError):
        sweep(uow, clock, engine)
    assert _uow_events(uow) == []  # neither the alert nor its event
    monkeypatch.setattr(causes, "emit", real)
    assert sweep(uow, clock, engine)["alert_acceptance_due_soon"] == 1
    assert sweep(uow, clock, engine).get("alert_acceptance_due_soon") is None
    (event,) = _uow_events(uow)
    data = json.loads(event.data_json)
    assert event.type == "case.deadline_alert" and event.case_id == case_id
    assert data["kind"] == "acceptance" and data["state"] == "due_soon" and data["last_day"] == "2026-11-19"


def test_a_reconciliation_difference_is_an_event_stored_with_it(uow: Any) -> None:
    from adapter.persistence.case_store import SqlCaseStore
    from adapter.reconcile import reconcile
    from adapter.services import CentreServices
    from schemas.clock import utc_now
    from tests.support.fake_court import court as fake_court
    from tests.support.fake_court import fake, no_wait, received

    link = fake_court()
    platforms = {"court": link}
    case_id = received(uow, link, "A-1")
    CentreServices(SqlCaseStore(uow), utc_now).accept(case_id)
    deliver_due(uow, platforms, utc_now)
    fake(link).forget("A-1")
    report = reconcile(uow, platforms, retrying=no_wait)
    (difference,) = report.differences
    (event,) = [e for e in _uow_events(uow) if e.type == "reconcile.difference"]
    data = json.loads(event.data_json)
    assert event.case_id == case_id and data["kind"] == difference.kind.value and data["court_case_id"] == "A-1"
    assert data["run_id"] == report.run_id and data["repaired"] is False


class _RefusingUs(_Refusing):
    """The court refuses our credentials: the platform is held, nothing goes dead."""

    def send(self, envelope: Envelope) -> Receipt:
        from connectors.port import CredentialsRefused

        raise CredentialsRefused(self.name, "401", "signature not trusted")


def test_a_platform_held_and_released_are_events(runtime: Runtime, court: Court) -> None:
    (ajbs,) = court.core.dispatch(1, "01")
    pump(runtime, 1)
    runtime.services.accept(case_for(runtime, ajbs).id)
    link = runtime.platforms[PLATFORM]
    now = datetime.now(UTC)
    refusing = {PLATFORM: dataclasses.replace(link, connector=_RefusingUs(link.connector), breaker=None)}
    assert deliver_due(runtime.uow, refusing, lambda: now)["held"] == 1
    later = now + timedelta(minutes=5)  # past the probe interval: the real court accepts the probe
    assert (
        deliver_due(runtime.uow, {PLATFORM: dataclasses.replace(link, breaker=None)}, lambda: later)["delivered"] == 1
    )
    held, released = (
        [e for e in _events(runtime) if e.type == kind] for kind in ("platform.held", "platform.released")
    )
    assert len(held) == 1 and len(released) == 1 and held[0].id < released[0].id
    assert held[0].case_id is None and json.loads(held[0].data_json)["platform"] == PLATFORM
    assert "signature not trusted" in json.loads(held[0].data_json)["reason"]


def test_a_mediation_document_issued_by_the_court_is_its_own_event(runtime: Runtime, court: Court) -> None:
    case_id = agreed_case(runtime, court, "02")  # 委托: the court answers an agreement with its 调解书
    kinds = [row.type for row in _events(runtime, case_id=case_id)]
    assert kinds == ["case.dispatch_received", "case.mediation_doc_issued"]
    (issued,) = _events(runtime, type="case.mediation_doc_issued")
    data = json.loads(issued.data_json)
    assert data["status"] == CaseStatus.MEDIATION_DOC_ISSUED.value
    assert data["decision"]["kind"] == CourtDecisionKind.MEDIATION_DOC_ISSUED.value
    assert _clear(runtime, issued.data_json) == []


def test_docking_events_dead_replay_and_deliver_from_the_command_line(
    runtime: Runtime, court: Court, settings: Any, tmp_path: Any
) -> None:
    from tests.support.cli import docking, write_config

    court.core.dispatch(1, "01")
    pump(runtime, 1)
    policy = RetryPolicy(base=60, cap=60, give_up_after=timedelta(hours=1))
    start = datetime.now(UTC) - timedelta(hours=2)  # queued two hours ago: the first failure gives up
    with runtime.uow.begin() as session:
        session.connection().execute(EVENTS.update().values(queued_at=start))
    with receiving(SECRET, fail_rate=1.0) as down:
        assert deliver_events(runtime.uow, _sender(down), lambda: datetime.now(UTC), policy, retrying=_no_wait) == {
            "dead": 1
        }
    (dead,) = _events(runtime, status=OutboxStatus.DEAD)
    with receiving(SECRET) as receiver:
        config = write_config(settings, tmp_path)
        config.write_text(config.read_text() + f'[events]\nurls = ["{receiver.url}"]\nsecrets = ["{SECRET}"]\n')
        listed = docking("events", "dead", "--config", str(config), "--format", "json")
        assert listed.returncode == 0, listed.stderr
        assert [e["event_id"] for e in json.loads(listed.stdout)] == [dead.event_id]
        refused = docking("events", "replay", dead.event_id, "--config", str(config))
        assert refused.returncode == 2 and "needs a reason" in refused.stderr
        done = docking("events", "replay", dead.event_id, "--reason", "fixed", "--config", str(config))
        assert done.returncode == 0 and "1 dead event(s) requeued" in done.stdout, done.stderr
        sent = docking("events", "deliver", "--config", str(config))
        assert sent.returncode == 0 and "1 delivered" in sent.stdout, sent.stderr
    assert [e["id"] for e in receiver.applied] == [dead.event_id]
