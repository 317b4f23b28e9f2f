"""The shipped in-memory fake court (connectors/fake.py) wired as the adapter sees a platform, and the ways a case
reaches it: dispatched on its feed, lost on the way, or read by our poll."""

from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import select
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt

from adapter.inbox.polling import poll
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow
from adapter.platforms.registry import PlatformLink
from connectors.fake import FakeCourtPlatform
from connectors.port import Feed, TransientError
from schemas.clock import utc_now
from schemas.enums import Flow
from schemas.envelope import DispatchBody, Envelope
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from tests.support import samples

KEY = Ed25519PrivateKey.generate()  # the fake court's signing key, "court-key"


def court(name: str = "court", *, trusted: bool = True) -> PlatformLink:
    """A fake court; `trusted=False`: the adapter holds none of its keys, so nothing it publishes verifies."""
    fake = FakeCourtPlatform(name, JwsSigner(KEY, "court-key"))
    keys = {"court-key": PublicKeyEntry("court-key", KEY.public_key(), "EdDSA")} if trusted else {}
    return PlatformLink(fake, JwsVerifier(keys))


def fake(link: PlatformLink) -> FakeCourtPlatform:
    assert isinstance(link.connector, FakeCourtPlatform)
    return link.connector


def no_wait() -> Retrying:
    return Retrying(retry=retry_if_exception_type(TransientError), stop=stop_after_attempt(2), reraise=True)


def dispatch(link: PlatformLink, ajbs: str, *, at: datetime | None = None, lost: bool = False) -> None:
    """The court dispatches a case on its feed (the adapter has not read it yet); `lost`: the item never reaches
    the feed."""
    envelope = Envelope(
        message_id=f"PQ-{ajbs}",
        platform=link.name,
        platform_case_id=ajbs,
        created_at=at or datetime.now(UTC),
        body=DispatchBody(dispatch=samples.dispatch(Flow.DELEGATED, ajbs)),
    )
    fake(link).publish(Feed.DISPATCHES, envelope, lost=lost)


def lost(uow: UnitOfWork, link: PlatformLink, ajbs: str) -> None:
    """A dispatch the court's feed lost an hour ago; our feed has been read to its end since: only the court's
    case list shows it (missing_here, not in flight)."""
    dispatch(link, ajbs, at=datetime.now(UTC) - timedelta(hours=1), lost=True)
    poll(uow, link, Feed.DISPATCHES, utc_now)


def received(uow: UnitOfWork, link: PlatformLink, ajbs: str) -> str:
    """A dispatched case, read from the feed: our case id."""
    dispatch(link, ajbs)
    poll(uow, link, Feed.DISPATCHES, utc_now)
    with uow.begin() as session:
        row = session.exec(select(CaseRow).where(CaseRow.platform_case_id == ajbs)).one()
    return row.id
