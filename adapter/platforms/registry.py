"""The registry of configured platforms as the core sees them: connector, verifier, retry policy, breaker, holds;
and `link_platform`, which builds one from a platform's settings (for the composition root)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from adapter.config.platform import PlatformSettings
from adapter.metrics import Metrics
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.credential_hold import Credential, CredentialHold
from adapter.platforms.feed_hold import FeedHolds
from adapter.platforms.retry import RetryPolicy, slowest_call
from adapter.platforms.state_store import PlatformStates
from adapter.platforms.throttle import Throttle
from connectors.port import CourtPlatform
from signing.base import MessageVerifier

if TYPE_CHECKING:
    from adapter.inbox.page_checks import PageChecks


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
    # A feed whose next item cannot be read even alone waits at its cursor, said once (adapter/platforms/feed_hold.py).
    feeds: FeedHolds = field(default_factory=FeedHolds)
    # Delivery: how many of its messages one worker keeps in flight at once (adapter/outbox/flight.py), and its pace
    # (a requests-per-second cap, a pause after a 429: adapter/platforms/throttle.py). 1: one at a time.
    in_flight: int = 1
    throttle: Throttle = field(default_factory=Throttle)
    # Polling: a page's items examined in a check process a page ahead (adapter/inbox/page_checks.py); None: here.
    checks: "PageChecks | None" = None

    @property
    def name(self) -> str:
        return self.connector.name


Platforms = dict[str, PlatformLink]


def link_platform(
    name: str,
    config: PlatformSettings,
    connector: CourtPlatform,
    verifier: MessageVerifier,
    credential: Callable[[datetime], Credential],
    metrics: Metrics,
    on_hold: Callable[[str, str, str], None] | None = None,
    states: PlatformStates | None = None,
) -> PlatformLink:
    """A platform's link with the policies its settings give: retry schedule, breaker, credentials hold, feed holds;
    each says its changes to `metrics`; a credentials hold taken or released is also told to `on_hold(platform,
    "held"|"released", reason)` (the centre events, adapter/events/causes.py); every change of the breaker and the holds
    is also written to `states` (adapter/platforms/state_store.py), for other processes to see."""
    cooldown = timedelta(seconds=config.breaker_cooldown_seconds)

    def hold_changed(platform: str, what: str) -> None:
        metrics.transition("hold", platform, what)
        if on_hold is not None:
            on_hold(platform, what, hold.reason)
        if states is not None:
            states.hold(platform, what, hold.reason)

    def breaker_changed(platform: str, what: str) -> None:
        metrics.transition("breaker", platform, what)
        if states is not None:
            states.breaker(platform, what)

    def feeds_changed(platform: str, what: str) -> None:
        metrics.transition("feed", platform, what)
        if states is not None:
            states.feeds(platform, feeds.held())

    hold = CredentialHold(name, probe_every=cooldown, credential=credential, on_change=hold_changed)
    feeds = FeedHolds(name, probe_every=cooldown, on_change=feeds_changed)
    return PlatformLink(
        connector,
        verifier,
        feed_max_age=timedelta(hours=config.signing.feed_max_age_hours),
        retry=RetryPolicy(
            base=config.retry_base_seconds,
            cap=config.retry_cap_seconds,
            give_up_after=timedelta(hours=config.give_up_after_hours),
        ),
        breaker=CircuitBreaker(
            name,
            failures=config.breaker_failures,
            cooldown=cooldown,
            max_call=slowest_call(config.timeout_seconds),  # the slowest call: a send with its quick tries
            on_change=breaker_changed,
        ),
        # A court refusing our signature holds the platform, probing at the breaker's cool-down
        # (adapter/platforms/credential_hold.py).
        hold=hold,
        feeds=feeds,
        in_flight=config.max_in_flight,
        throttle=Throttle(name, config.requests_per_second),
    )
