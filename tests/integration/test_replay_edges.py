"""Edges found by review: a court feed re-read from its start repeats applied messages (duplicates, not `stale`);
time held for our own credentials does not count toward giving a message up; Retry-After 0 does not spin."""

from datetime import datetime, timedelta

import pytest
from sqlmodel import col, select
from tenacity import Retrying, stop_after_attempt

from adapter.inbox.polling import poll, rewind
from adapter.outbox import delivery
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import OutboxRow, QuarantineRow
from adapter.platforms.credential_hold import CredentialHold
from adapter.platforms.registry import PlatformLink
from adapter.platforms.retry import RetryPolicy
from connectors.fake import FakeCourtPlatform
from connectors.port import CredentialsRefused, Feed, TransientError
from schemas.clock import CHINA
from schemas.enums import Flow
from schemas.envelope import DispatchBody, Envelope
from signing.jws import JwsVerifier
from tests.support import samples
from tests.support.cases import T0, pending_cases
from tests.support.fake_court import court

MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=CHINA)

pytestmark = pytest.mark.integration


def _once() -> Retrying:
    return Retrying(stop=stop_after_attempt(1), reraise=True)


def test_a_feed_reread_past_its_maximum_age_repeats_applied_messages_as_duplicates(uow: UnitOfWork) -> None:
    """Applied on Monday, the feed rewound 8 days later (past the 7-day feed age): duplicates, nothing quarantined;
    a never-applied item that old is still refused as stale."""
    link = court()
    assert isinstance(link.connector, FakeCourtPlatform)
    for n in range(3):
        dispatch = samples.dispatch(Flow.DELEGATED, f"0104-{n:06d}")
        envelope = Envelope(
            message_id=f"D-{n}",
            platform=link.name,
            platform_case_id=dispatch.platform_case_id,
            created_at=MONDAY,
            body=DispatchBody(dispatch=dispatch),
        )
        link.connector.publish(Feed.DISPATCHES, envelope)
    assert sum(poll(uow, link, Feed.DISPATCHES, lambda: MONDAY).counts.values()) == 3
    later = MONDAY + timedelta(days=8)
    assert rewind(uow, link.name, Feed.DISPATCHES)
    dispatch = samples.dispatch(Flow.DELEGATED, "0104-new")
    link.connector.publish(
        Feed.DISPATCHES,
        Envelope(
            message_id="D-old",
            platform=link.name,
            platform_case_id="0104-new",
            created_at=MONDAY,
            body=DispatchBody(dispatch=dispatch),
        ),
    )
    counts = poll(uow, link, Feed.DISPATCHES, lambda: later).counts
    assert {k.value: v for k, v in counts.items()} == {"duplicate": 3, "quarantined": 1}
    with uow.begin() as session:
        kept = [(q.message_id, q.reason) for q in session.exec(select(QuarantineRow)).all()]
    assert kept == [("D-old", "stale")]


def test_time_held_for_our_credentials_does_not_count_toward_giving_up(uow: UnitOfWork) -> None:
    """Held for two days (give-up 24 h), then the court's first answer is a 503: the messages stay pending."""
    pending_cases(uow, 3)
    court = FakeCourtPlatform("court")
    hold = CredentialHold("court", probe_every=timedelta(seconds=30))
    link = PlatformLink(court, JwsVerifier({}), hold=hold, retry=RetryPolicy(give_up_after=timedelta(hours=24)))
    court.fail_next(CredentialsRefused("court", "E401", "unknown key"))
    delivery.deliver_due(uow, {"court": link}, lambda: T0, retrying=_once)
    for hours in range(1, 48):  # the hold's probes keep being refused for two days
        court.fail_next(CredentialsRefused("court", "E401", "unknown key"))
        delivery.deliver_due(uow, {"court": link}, lambda h=hours: T0 + timedelta(hours=h), retrying=_once)
    court.fail_next(TransientError("court", "HTTP 503"))
    delivery.deliver_due(uow, {"court": link}, lambda: T0 + timedelta(days=2), retrying=_once)
    with uow.begin() as session:
        statuses = [row.status for row in session.exec(select(OutboxRow).order_by(col(OutboxRow.id))).all()]
    assert statuses == ["pending"] * 3


def test_retry_after_zero_does_not_spin(uow: UnitOfWork) -> None:
    """One pending row, the court answers 503 with Retry-After: 0: one attempt this tick, not twenty."""
    pending_cases(uow, 1)
    court = FakeCourtPlatform("court")
    court.fail_next(*[TransientError("court", "HTTP 503", retry_after=0.0)] * 30)
    counts = delivery.deliver_due(uow, {"court": PlatformLink(court, JwsVerifier({}))}, lambda: T0, retrying=_once)
    assert counts == {"retried": 1}
