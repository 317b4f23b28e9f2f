"""Delivery edge cases the sandbox cannot make, at the HTTP level with `responses`, on a real SQLite outbox."""

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from requests.exceptions import ConnectionError as RequestsConnectionError
from sqlmodel import select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_none

from adapter.errors import InvalidRequest
from adapter.outbox.claim import LEASE, claim
from adapter.outbox.dead_letters import replay_dead, replay_message
from adapter.outbox.delivery import deliver_due
from adapter.outbox.record import record
from adapter.outbox.send import deliver_one
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import AuditRow, OutboxRow
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.registry import PlatformLink
from adapter.services import CentreServices
from adapter.states import Event
from connectors.odr_rest import OdrRestPlatform
from connectors.port import TransientError
from schemas.case import CaseDispatch, Party
from schemas.clock import from_db
from schemas.enums import Flow, IdType, PartyKind, PartyRole
from signing.jws import JwsSigner, JwsVerifier

URL = "http://127.0.0.1:9/api/v1/messages"
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _retrying(tries: int = 3):  # zero waits in tests
    return lambda: Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop_after_attempt(tries),
        wait=wait_none(),
        reraise=True,
    )


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """The outbox is exercised on SQLite and on PostgreSQL (SKIP LOCKED)."""
    return str(request.param)


@pytest.fixture
def world(database_url: str):
    engine = make_engine(database_url)
    create_schema(engine)
    uow = UnitOfWork(engine)
    connector = OdrRestPlatform("court", "http://127.0.0.1:9", JwsSigner(Ed25519PrivateKey.generate(), "c1"))
    platforms = {"court": PlatformLink(connector, JwsVerifier({}))}
    dispatch = CaseDispatch(
        platform_case_id="A1",
        flow=Flow.DELEGATED,
        cause="信用卡纠纷",
        amount=Decimal("1.00"),
        parties=tuple(
            Party(name=n, role=r, kind=PartyKind.NATURAL_PERSON, id_type=IdType.OTHER, id_number="x1")
            for n, r in (("甲", PartyRole.APPLICANT), ("乙", PartyRole.RESPONDENT))
        ),
        dispatched_at=NOW,
    )
    case_ids = []
    with uow.begin() as session:
        for pid in ("A1", "A2"):
            case = create_case(session, dispatch.model_copy(update={"platform_case_id": pid}), "court", NOW)
            transition(session, case, Event.REGISTER, actor="test", at=NOW)
            case_ids.append(case.id)
    return uow, platforms, CentreServices(SqlCaseStore(uow), lambda: NOW), case_ids


def _ok(request):
    """A platform's success receipt echoes the message id it applied."""
    message_id = json.loads(request.body)["xxbh"]
    return 200, {}, json.dumps({"code": "0", "xxbh": message_id, "duplicate": False})


def _rows(uow):
    with uow.begin() as session:
        return list(session.exec(select(OutboxRow).order_by(OutboxRow.id)).all())


@responses.activate
def test_two_503s_then_success_is_delivered_within_one_attempt(world) -> None:
    """tenacity's short in-process retries absorb a blip: 503, 503, 200 ends delivered."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    for status in (503, 503):
        responses.add(responses.POST, URL, json={"code": "E503"}, status=status)
    responses.add_callback(responses.POST, URL, callback=_ok)
    counts = deliver_due(uow, platforms, lambda: NOW, retrying=_retrying())
    assert counts == {"delivered": 1} and len(responses.calls) == 3
    (row,) = _rows(uow)
    assert row.status == "delivered" and row.attempts == 1


@responses.activate
def test_retry_after_is_honoured_and_the_message_stays_queued(world) -> None:
    """429 with Retry-After: 120 keeps the row pending, due 120 s later, with the error recorded; the court asked
    us to slow down, so no attempt is counted against the message (#21: throttled, never a step to dead)."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(
        responses.POST,
        URL,
        json={"code": "E429", "message": "slow down"},
        status=429,
        headers={"Retry-After": "120"},
    )
    counts = deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1))
    assert counts == {"throttled": 1}
    (row,) = _rows(uow)
    assert row.status == "pending" and row.attempts == 0 and "429" in (row.last_error or "")
    assert from_db(row.next_attempt_at) == NOW + timedelta(seconds=120)
    assert deliver_due(uow, platforms, lambda: NOW + timedelta(seconds=60), retrying=_retrying(1)) == {}


@pytest.mark.parametrize(
    ("header", "due_in"),
    [
        ("120", 120.0),
        ("99999999999", 3600.0),  # taken as 2^31 s (RFC 9110 §1.2.2), then cut to the retry cap
        ("Fri, 31 Dec 9999 23:59:59 GMT", 3600.0),
        ("Sun Nov  6 08:49:37 1994", 2.0),  # asctime (RFC 9110's example), long past: the base delay, never 0
        ("0", 2.0),  # "now": still the base delay, so the row is not claimed again in the same tick
    ],
)
@responses.activate
def test_retry_after_never_parks_a_message_past_the_retry_cap(world, header: str, due_in: float) -> None:
    """However far off a court or proxy says to come back, the message is tried again within `retry_cap_seconds`;
    however soon, not before the base delay."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, json={"code": "E429"}, status=429, headers={"Retry-After": header})
    deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1))
    (row,) = _rows(uow)
    waited = (from_db(row.next_attempt_at) - NOW).total_seconds()
    assert row.status == "pending"
    assert waited == due_in


@responses.activate
def test_a_dropped_connection_keeps_retrying_and_never_loses_the_message(world) -> None:
    """Connection errors on every attempt leave the row pending with a growing attempt count."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, body=RequestsConnectionError("reset by peer"))
    for hour in (0, 2, 4):
        at = NOW + timedelta(hours=hour)
        deliver_due(uow, platforms, lambda at=at: at, retrying=_retrying(1), jitter=lambda: 1.0)
    (row,) = _rows(uow)
    assert row.status == "pending" and row.attempts == 3


@responses.activate
def test_a_business_rejection_goes_to_dead_with_the_reason(world) -> None:
    """A 400 from the court is not retried: the row is dead and says why."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, json={"code": "E400", "message": "missing field nr"}, status=400)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying()) == {"dead": 1}
    assert len(responses.calls) == 1
    (row,) = _rows(uow)
    assert row.status == "dead" and "missing field nr" in (row.last_error or "")


@responses.activate
def test_a_failing_case_does_not_hold_up_other_cases_but_keeps_its_own_order(world) -> None:
    """Case 1's first message fails, so its second waits; case 2's message goes through."""
    uow, platforms, services, (case1, case2) = world
    services.accept(case1)
    services.assign_mediator(case1, "陈调解员")
    services.accept(case2)
    sent: list[bytes] = []

    def reply(request):
        sent.append(request.body)
        first_of_case1 = b'"ajbs":"A1"' in request.body and b'"jzlx":"01"' in request.body
        return (503, {}, '{"code":"E503"}') if first_of_case1 else _ok(request)

    responses.add_callback(responses.POST, URL, callback=reply)
    counts = deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1))
    assert counts == {"retried": 1, "delivered": 1}
    assert not any(b'"jzlx":"03"' in body for body in sent)  # the assignment never overtook the acceptance
    assert [r.status for r in _rows(uow)] == ["pending", "pending", "delivered"]


@responses.activate
def test_every_request_carries_the_message_id_and_a_signature(world) -> None:
    """Idempotency-Key equals the stable message id; the signature headers are present."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add_callback(responses.POST, URL, callback=_ok)
    deliver_due(uow, platforms, lambda: NOW, retrying=_retrying())
    (row,) = _rows(uow)
    headers = responses.calls[0].request.headers
    assert headers["Idempotency-Key"] == row.message_id == headers["X-Message-Id"]
    assert headers["X-JWS-Signature"].count(".") == 2  # a detached JWS: header..signature


@responses.activate
def test_a_dead_message_holds_back_its_case_but_not_other_cases(world) -> None:
    """After a rejected acceptance, case 1's assignment stays queued behind it; case 2 is delivered."""
    uow, platforms, services, (case1, case2) = world
    services.accept(case1)
    services.assign_mediator(case1, "陈调解员")
    services.accept(case2)

    def reply(request):
        if b'"ajbs":"A1"' in request.body:
            return 400, {}, '{"code":"E400","message":"bad acceptance"}'
        return _ok(request)

    responses.add_callback(responses.POST, URL, callback=reply)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying()) == {"dead": 1, "delivered": 1}
    assert [r.status for r in _rows(uow)] == ["dead", "pending", "delivered"]
    assert len(responses.calls) == 2  # the assignment was never sent after its rejected acceptance


@responses.activate
def test_http_200_with_a_business_error_code_is_not_a_delivery(world) -> None:
    """A platform answering 200 with code E1001 has not applied the message: it goes dead with that code."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, json={"code": "E1001", "message": "案件不存在"}, status=200)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying()) == {"dead": 1}
    (row,) = _rows(uow)
    assert "E1001" in (row.last_error or "")


@responses.activate
def test_a_receipt_for_another_message_id_is_not_a_delivery(world) -> None:
    """A success receipt naming a different message id is retried, not taken as delivery."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, json={"code": "0", "xxbh": "someone-else"}, status=200)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1)) == {"retried": 1}
    assert _rows(uow)[0].status == "pending"


@responses.activate
def test_a_message_failing_for_24_hours_goes_dead_with_its_last_error(world) -> None:
    """Transient failures keep a message queued until the policy's 24 hours have passed; then it is dead."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    responses.add(responses.POST, URL, json={"code": "E503"}, status=503)
    deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1))
    assert _rows(uow)[0].status == "pending"
    day_later = NOW + timedelta(hours=24, seconds=1)
    assert deliver_due(uow, platforms, lambda: day_later, retrying=_retrying(1)) == {"dead": 1}
    (row,) = _rows(uow)
    assert row.status == "dead" and "gave up after 2 attempts" in (row.last_error or "") and "503" in row.last_error


@responses.activate
def test_an_open_breaker_defers_messages_without_calling_the_platform(world) -> None:
    """After the breaker opens, due messages are deferred to the probe time and the court is not called."""
    uow, _, services, (case1, case2) = world
    connector = OdrRestPlatform("court", "http://127.0.0.1:9", JwsSigner(Ed25519PrivateKey.generate(), "c1"))
    breaker = CircuitBreaker("court", failures=1, cooldown=timedelta(seconds=30))
    platforms = {"court": PlatformLink(connector, JwsVerifier({}), breaker=breaker)}
    services.accept(case1)
    services.accept(case2)
    responses.add(responses.POST, URL, json={"code": "E503"}, status=503)
    counts = deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1))
    assert counts == {"retried": 1, "deferred": 1} and len(responses.calls) == 1
    deferred = [r for r in _rows(uow) if r.attempts == 0]
    assert len(deferred) == 1 and from_db(deferred[0].next_attempt_at) == NOW + timedelta(seconds=30)


@responses.activate
def test_a_replayed_dead_message_is_delivered_unchanged_and_the_replay_is_audited(world) -> None:
    """Dead after a 400; replayed with a reason; delivered with the same message id and bytes; audit kept."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    services.assign_mediator(case, "陈调解员")
    bodies: list[bytes] = []
    answers = iter([(400, {}, '{"code":"E400","message":"court system migrating"}')])

    def reply(request):
        bodies.append(request.body)
        return next(answers, None) or _ok(request)

    responses.add_callback(responses.POST, URL, callback=reply)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying()) == {"dead": 1}
    dead = _rows(uow)[0]
    with pytest.raises(InvalidRequest, match="needs a reason"):
        replay_message(uow, dead.message_id, actor="ops", reason=" ", now=NOW)
    replay_message(uow, dead.message_id, actor="ops-zhang", reason="court fixed its migration", now=NOW)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying()) == {"delivered": 2}
    assert bodies[0] == bodies[1]  # the original payload, byte for byte
    assert [r.status for r in _rows(uow)] == ["delivered", "delivered"]
    with uow.begin() as session:
        (audit,) = session.exec(select(AuditRow)).all()
    assert (audit.actor, audit.action, audit.subject) == ("ops-zhang", "replay", dead.message_id)
    with pytest.raises(InvalidRequest, match="not dead"):
        replay_message(uow, dead.message_id, actor="ops", reason="again", now=NOW)


def test_replay_by_platform_and_time_requeues_only_matching_dead_messages(world) -> None:
    """--platform/--since picks dead messages of that platform created since then, nothing else."""
    uow, _, services, (case1, case2) = world
    services.accept(case1)
    services.accept(case2)
    with uow.begin() as session:
        rows = list(session.exec(select(OutboxRow).order_by(OutboxRow.id)).all())
        rows[0].status, rows[0].created_at = "dead", NOW - timedelta(days=2)
        rows[1].status = "dead"
        for row in rows:
            session.add(row)
    replayed = replay_dead(
        uow, platform="court", since=NOW - timedelta(hours=1), actor="ops", reason="outage over", now=NOW
    )
    assert replayed == [rows[1].message_id]
    assert [r.status for r in _rows(uow)] == ["dead", "pending"]


@responses.activate
def test_a_worker_whose_lease_was_taken_over_does_not_overwrite_the_new_result(world) -> None:
    """Worker A stalls past its lease; B claims and delivers; A's late failure is not recorded over B's success."""
    uow, platforms, services, (case, _) = world
    services.accept(case)
    stale = claim(uow, lambda: NOW, limit=10, token="worker-a")
    later = NOW + LEASE + timedelta(seconds=1)
    taken = claim(uow, lambda: later, limit=10, token="worker-b")
    assert [r.id for r in taken] == [r.id for r in stale] and taken[0].claimed_by == "worker-b"
    responses.add_callback(responses.POST, URL, callback=_ok)
    first = deliver_one(platforms, lambda: later, taken[0], _retrying()(), lambda: 0.5)
    assert record(uow, [first]) == Counter(delivered=1)
    responses.replace(responses.POST, URL, json={"code": "E503"}, status=503)
    late = deliver_one(platforms, lambda: later, stale[0], _retrying(1)(), lambda: 0.5)
    assert late.outcome == "retried" and record(uow, [late]) == Counter(lease_lost=1)
    (row,) = _rows(uow)
    assert row.status == "delivered" and row.attempts == 1


def test_each_case_numbers_its_messages_in_order(world) -> None:
    """Rows carry 1, 2, 3 … per case, independent of other cases."""
    uow, _, services, (case1, case2) = world
    services.accept(case1)
    services.accept(case2)
    services.assign_mediator(case1, "陈调解员")
    assert [(r.case_id, r.seq) for r in _rows(uow)] == [(case1, 1), (case2, 1), (case1, 2)]


@responses.activate
def test_an_unexpected_failure_of_one_message_does_not_cost_the_rest_of_its_batch(world, monkeypatch) -> None:
    """A connector bug on one message: that message is retried on the schedule; its batch-mates stay delivered
    (their results are recorded, so they are not sent again)."""
    uow, platforms, services, (case1, case2) = world
    services.accept(case1)
    services.accept(case2)
    first, _ = _rows(uow)
    connector = platforms["court"].connector
    real_send = connector.send

    def send(envelope):
        if envelope.message_id == first.message_id:
            raise AttributeError("a connector bug")
        return real_send(envelope)

    monkeypatch.setattr(connector, "send", send)
    responses.add_callback(responses.POST, URL, callback=_ok)
    assert deliver_due(uow, platforms, lambda: NOW, retrying=_retrying(1)) == {"retried": 1, "delivered": 1}
    broken, fine = _rows(uow)
    assert fine.status == "delivered" and len(responses.calls) == 1
    assert broken.status == "pending" and broken.attempts == 1 and broken.last_error == "unexpected AttributeError"
