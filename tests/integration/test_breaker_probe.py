"""Every way a half-open probe can end — as a feed poll and as a send — is recorded, and the probe slot never
stays taken: the breaker closes, opens again, or stays half-open with the slot free for the next caller."""

import logging
import threading
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import OperationalError
from sqlmodel import select
from tenacity import Retrying, stop_after_attempt

import adapter.inbox.polling as polling
from adapter.config.settings import Settings
from adapter.outbox.delivery import deliver_due
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.registry import PlatformLink
from adapter.services import CentreServices
from adapter.testing import FakeClock
from connectors.fake import FakeCourtPlatform
from connectors.port import (
    CredentialsRefused,
    Feed,
    FeedPage,
    RawInbound,
    Receipt,
    RejectedError,
    TransientError,
)
from scheduler import Runtime
from schemas.envelope import Envelope
from signing.jws import JwsVerifier
from tests.support.cases import pending_cases

pytestmark = pytest.mark.integration


T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
COOLDOWN = timedelta(seconds=30)
PROBE_AT = T0 + COOLDOWN


class ProbedCourt(FakeCourtPlatform):
    """A fake court whose every call ends as the test says: an exception of any kind, not only a connector's."""

    def __init__(self) -> None:
        super().__init__("court")
        self.failing: BaseException | None = None

    def _raise(self) -> None:
        if self.failing is not None:
            raise self.failing

    def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
        self._raise()
        return super().fetch(feed, cursor, limit)

    def send(self, envelope: Envelope) -> Receipt:
        self._raise()
        return super().send(envelope)

    def decode(self, item: RawInbound) -> Envelope:
        return super().decode(item)


def _open_link(court: ProbedCourt) -> PlatformLink:
    breaker = CircuitBreaker("court", failures=1, cooldown=COOLDOWN, max_call=timedelta(seconds=20))
    breaker.record_failure(T0)
    assert breaker.state == "open"
    return PlatformLink(court, JwsVerifier({}), breaker=breaker)


def _db_down(*_: object, **__: object) -> str:
    raise OperationalError("SELECT value FROM cursors", {}, Exception("database is locked"))


# (id, what the court's call raises, what else breaks on our side, the breaker's state after the probe)
POLL_OUTCOMES: Sequence[tuple[str, BaseException | None, str, str]] = [
    ("success", None, "", "closed"),
    ("transient", TransientError("court", "HTTP 503"), "", "open"),
    ("rejected", RejectedError("court", "E400", "HTTP 400: bad cursor"), "", "closed"),
    ("credentials-refused", CredentialsRefused("court", "401", "HTTP 401: unknown key"), "", "closed"),
    # the page was read (the platform is up); our database failed while ingesting it
    ("db-error-ingesting", None, "ingest", "closed"),
    # our database failed before anything was asked of the platform: no word on its health
    ("db-error-before-the-call", None, "cursor", "half_open"),
    ("decode-bug", KeyError("items"), "", "half_open"),
    ("lease-lost-before-the-call", None, "lease", "half_open"),
]


@pytest.mark.parametrize(
    ("error", "ours", "state"), [case[1:] for case in POLL_OUTCOMES], ids=[case[0] for case in POLL_OUTCOMES]
)
def test_a_polls_probe_outcome_is_recorded_and_frees_the_slot(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch, error: BaseException | None, ours: str, state: str
) -> None:
    """The poll that is the probe moves the breaker as its outcome says, and a later caller is never refused for
    a probe that has ended."""
    court, clock = ProbedCourt(), FakeClock(PROBE_AT)
    court._feeds[Feed.DISPATCHES].append(RawInbound(b"{}", {}, "1"))  # one item: ingest has something to do
    link = _open_link(court)
    runtime = Runtime(Settings(), uow, {"court": link}, CentreServices(SqlCaseStore(uow), clock), clock)
    court.failing = error
    if ours == "ingest":
        monkeypatch.setattr(polling, "ingest_page", _db_down)
    elif ours == "cursor":
        monkeypatch.setattr(polling, "_cursor", _db_down)
    elif ours == "lease":
        runtime.poll_locks["court"] = _LostLease()  # type: ignore[assignment]
    runtime.poll_platform("court")
    assert link.breaker is not None and link.breaker.state == state
    if state == "open":
        assert not link.breaker.allow(PROBE_AT) and link.breaker.allow(PROBE_AT + COOLDOWN)
    else:
        assert link.breaker.allow(PROBE_AT)  # closed, or half-open with the slot free: this caller may probe
    if isinstance(error, CredentialsRefused):
        assert link.hold.held  # the hold, not the breaker, now gates the platform


class _LostLease:
    """A poll lease acquired for the job but lost before the first page (another process took over)."""

    def __init__(self) -> None:
        self.calls = 0

    def acquire(self) -> bool:
        self.calls += 1
        return self.calls == 1

    def release(self) -> None:
        pass


SEND_OUTCOMES: Sequence[tuple[str, BaseException | None, str, str, str]] = [
    ("success", None, "", "closed", "delivered"),
    ("transient", TransientError("court", "HTTP 503"), "", "open", "retried"),
    ("rejected", RejectedError("court", "E400", "HTTP 400: no such case"), "", "closed", "dead"),
    ("credentials-refused", CredentialsRefused("court", "403", "HTTP 403: unknown key"), "", "closed", "held"),
    ("connector-bug", AttributeError("'NoneType' object has no attribute 'json'"), "", "half_open", "retried"),
    ("corrupt-row", None, "corrupt", "half_open", "retried"),
]


@pytest.mark.parametrize(
    ("error", "ours", "state", "outcome"),
    [case[1:] for case in SEND_OUTCOMES],
    ids=[case[0] for case in SEND_OUTCOMES],
)
def test_a_sends_probe_outcome_is_recorded_and_frees_the_slot(
    uow: UnitOfWork, error: BaseException | None, ours: str, state: str, outcome: str
) -> None:
    """The send that is the probe moves the breaker as its outcome says; the message gets its own outcome."""
    pending_cases(uow, 1)
    if ours == "corrupt":
        with uow.begin() as session:
            row = session.exec(select(OutboxRow)).one()
            row.envelope_json = '{"not": "an envelope"}'
    court = ProbedCourt()
    link = _open_link(court)
    court.failing = error
    counts = deliver_due(uow, {"court": link}, FakeClock(PROBE_AT), retrying=_once, max_rounds=1)
    assert counts[outcome] == 1
    assert link.breaker is not None and link.breaker.state == state
    if state == "open":
        assert not link.breaker.allow(PROBE_AT) and link.breaker.allow(PROBE_AT + COOLDOWN)
    else:
        assert link.breaker.allow(PROBE_AT)


def test_a_probe_that_never_reports_is_noticed_once_and_probed_again(caplog: pytest.LogCaptureFixture) -> None:
    """A probe older than the cool-down plus the slowest call is taken as lost: one warning, one new probe."""
    events: list[str] = []
    breaker = CircuitBreaker(
        "court",
        failures=1,
        cooldown=COOLDOWN,
        max_call=timedelta(seconds=20),
        on_change=lambda _, what: events.append(what),
    )
    breaker.record_failure(T0)
    assert breaker.allow(PROBE_AT)  # the probe's caller then vanishes (killed, hung) without a word
    lost_after = COOLDOWN + timedelta(seconds=20)
    assert not breaker.allow(PROBE_AT + lost_after - timedelta(seconds=1))
    with caplog.at_level(logging.WARNING, logger="docking.breaker"):
        assert breaker.allow(PROBE_AT + lost_after)
        assert not breaker.allow(PROBE_AT + lost_after)  # the new probe holds the slot again
    assert events == ["opened", "probe_lost"]
    assert len([r for r in caplog.records if "never reported" in r.getMessage()]) == 1
    breaker.record_success()
    assert breaker.state == "closed"


def test_only_the_probing_thread_releases_the_slot() -> None:
    """A caller that did not take the probe cannot free it by ending its own call."""
    breaker = CircuitBreaker("court", failures=1, cooldown=COOLDOWN)
    breaker.record_failure(T0)
    assert breaker.allow(PROBE_AT)
    other = threading.Thread(target=breaker.release)
    other.start()
    other.join()
    assert not breaker.allow(PROBE_AT)
    breaker.release()
    assert breaker.allow(PROBE_AT)


def _once() -> Retrying:
    return Retrying(stop=stop_after_attempt(1), reraise=True)
