"""The registry of configured platforms as the core sees them: a connector behind the port plus its verifier."""

from dataclasses import dataclass

from adapter.signing import Verifier
from connectors.port import CourtPlatform


@dataclass(frozen=True)
class PlatformLink:
    connector: CourtPlatform
    verifier: Verifier  # the court's public keys: everything it sends is checked before it is decoded

    @property
    def name(self) -> str:
        return self.connector.name


Platforms = dict[str, PlatformLink]
