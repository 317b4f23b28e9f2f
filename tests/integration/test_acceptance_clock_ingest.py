"""The acceptance clock starts when the court published the dispatch, not when our poll happened to read it."""

from datetime import date, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import col, select

from adapter.deadlines import DeadlineKind, DeadlinePolicy, Deadlines, Receipt, receipt
from adapter.inbox.polling import poll
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.platforms.registry import PlatformLink
from adapter.states import Event
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed
from schemas.clock import CHINA
from schemas.enums import Flow
from schemas.envelope import DispatchBody, Envelope
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from tests.support import samples

pytestmark = pytest.mark.integration

KEY = Ed25519PrivateKey.generate()
MONDAY = datetime(2026, 11, 30, 9, 0, tzinfo=CHINA)
TUESDAY = MONDAY + timedelta(days=1, hours=1)  # the poll was down until Tuesday 10:00


def _court() -> PlatformLink:
    fake = FakeCourtPlatform("court", JwsSigner(KEY, "court-key"))
    return PlatformLink(fake, JwsVerifier({"court-key": PublicKeyEntry("court-key", KEY.public_key(), "EdDSA")}))


def _stored(uow: UnitOfWork) -> tuple[CaseRow, list[CaseEventRow]]:
    with uow.begin() as session:
        case = session.exec(select(CaseRow)).one()
        events = list(session.exec(select(CaseEventRow).order_by(col(CaseEventRow.id))).all())
        session.expunge_all()
    return case, events


@pytest.mark.parametrize(
    ("dispatched", "published", "starts", "source", "last_day"),
    [
        # dispatched and published Monday, read Tuesday: 3 working days from Monday, not from Tuesday
        (MONDAY, MONDAY, MONDAY, "court dispatch", date(2026, 12, 3)),
        # dispatched Monday morning, its feed item issued Monday afternoon: it reached us then
        (MONDAY, MONDAY.replace(hour=15), MONDAY.replace(hour=15), "court dispatch", date(2026, 12, 3)),
        # published on the Friday before (a weekend of silence): Mon, Tue, Wed
        (MONDAY - timedelta(days=3),) * 3 + ("court dispatch", date(2026, 12, 2)),
        # a court clock running ahead of ours: never later than our own receipt
        # (within FEED_CLOCK_SKEW: further ahead, the item is refused as `future`)
        (TUESDAY + timedelta(minutes=30), TUESDAY + timedelta(minutes=30), TUESDAY, "received here", date(2026, 12, 4)),
    ],
    ids=["published-monday", "item-later-than-dispatch", "published-friday", "court-clock-ahead"],
)
def test_the_acceptance_clock_starts_at_the_courts_publication_when_the_poll_was_down(
    uow: UnitOfWork, dispatched: datetime, published: datetime, starts: datetime, source: str, last_day: date
) -> None:
    """Court dispatches; our poll is down until Tuesday 10:00; the deadline counts from the court's time."""
    link = _court()
    dispatch = samples.dispatch(Flow.DELEGATED, "A-1", dispatched_at=dispatched)
    envelope = Envelope(
        message_id="PQ-A-1",
        platform="court",
        platform_case_id="A-1",
        created_at=published,
        body=DispatchBody(dispatch=dispatch),
    )
    assert isinstance(link.connector, FakeCourtPlatform)
    link.connector.publish(Feed.DISPATCHES, envelope)

    poll(uow, link, Feed.DISPATCHES, lambda: TUESDAY)

    case, events = _stored(uow)
    assert receipt(case, TUESDAY) == Receipt(starts, source)
    assert [e.event for e in events] == [Event.REGISTER]  # the history keeps when we read it
    due = Deadlines.from_policy(DeadlinePolicy()).due(case, events, DeadlineKind.ACCEPTANCE, TUESDAY)
    assert due is not None and due.starts_at == starts and due.due.last_day == last_day


def test_a_case_without_the_courts_time_keeps_our_receipt() -> None:
    """Cases stored before the court's time was recorded, and self-received cases, start at our registration."""
    case = CaseRow(
        id="MC-1",
        platform="court",
        platform_case_id="A-1",
        flow="delegated",
        procedure="ordinary",
        cause="信用卡纠纷",
        amount="1.00",
        status="PENDING_ACCEPTANCE",
        dispatch_json="{}",
        created_at=MONDAY,
        updated_at=MONDAY,
    )
    clock = receipt(case, TUESDAY)
    assert (clock.at, clock.source) == (TUESDAY, "received here")
    assert receipt(case, None).at == MONDAY  # no REGISTER event: the row's creation
