"""Wire a sandbox traffic platform to one adapter partner under a signing profile (jws-detached, sm2-sm3,
hmac-appkey): keys on both sides, in a folder, as sandbox/institution/pairing.py does for desks."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.config.platform import Profile, SigningSettings
from sandbox.pairing import arrange_keys
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.platform import TrafficCore
from sandbox.traffic.server import TrafficServer


@dataclass(frozen=True)
class TrafficPairing:
    core: TrafficCore
    signing: SigningSettings  # the adapter's side: our keys, and the platform's key (court_keys / court_app_key)

    def serve(self, **kwargs: Any) -> TrafficServer:
        server = TrafficServer(self.core, **kwargs)
        server.start()
        return server


def pair_traffic(
    workdir: Path, config: TrafficConfig | None = None, *, profile: Profile = "jws-detached", **core: Any
) -> TrafficPairing:
    """A platform and the adapter's signing settings for it; `core` goes to TrafficCore (clock, monotonic …)."""
    config = config or TrafficConfig()
    signer, verifier, signing = arrange_keys(
        workdir, profile=profile, counterpart_key_id=config.platform_key_id, counterpart="traffic"
    )
    return TrafficPairing(TrafficCore(config, signer, verifier, **core), signing)
