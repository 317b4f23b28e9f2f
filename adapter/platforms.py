"""The registry of configured platforms as the core sees them: a connector behind the port plus its verifier."""

from dataclasses import dataclass
from datetime import timedelta

from adapter.signing.base import MessageVerifier
from connectors.port import CourtPlatform


@dataclass(frozen=True)
class PlatformLink:
    connector: CourtPlatform
    verifier: MessageVerifier  # the court's keys: everything it sends is checked before it is decoded
    feed_max_age: timedelta = timedelta(days=7)

    @property
    def name(self) -> str:
        return self.connector.name


Platforms = dict[str, PlatformLink]
