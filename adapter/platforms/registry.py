"""The registry of configured platforms as the core sees them: connector, verifier, retry policy, breaker, holds."""

from dataclasses import dataclass, field
from datetime import timedelta

from adapter.inbox.feed_hold import FeedHolds
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.credential_hold import CredentialHold
from adapter.platforms.retry import RetryPolicy
from connectors.port import CourtPlatform
from signing.base import MessageVerifier


@dataclass(frozen=True)
class PlatformLink:
    connector: CourtPlatform
    verifier: MessageVerifier  # the court's keys: everything it sends is checked before it is decoded
    feed_max_age: timedelta = timedelta(days=7)
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    breaker: CircuitBreaker | None = None  # None: never trip (for tests that want the raw behaviour)
    # Held while the court refuses our signature or credentials (adapter/platforms/credential_hold.py): always
    # present, since a refusal of who we are must never kill a message, whatever else a test switches off.
    hold: CredentialHold = field(default_factory=CredentialHold)
    # A feed whose next item cannot be read even alone waits at its cursor, said once (adapter/inbox/feed_hold.py).
    feeds: FeedHolds = field(default_factory=FeedHolds)

    @property
    def name(self) -> str:
        return self.connector.name


Platforms = dict[str, PlatformLink]
