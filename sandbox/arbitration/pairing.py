"""Wire a sandbox commission to the adapter under a signing profile (jws-detached, sm2-sm3, hmac-appkey): keys on
both sides, in a folder, as sandbox/pairing.py does for courts and sandbox/institution/pairing.py for desks."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.config.platform import Profile, SigningSettings
from sandbox.arbitration.commission import CommissionCore
from sandbox.arbitration.config import CommissionConfig
from sandbox.arbitration.server import CommissionServer
from sandbox.pairing import arrange_keys


@dataclass(frozen=True)
class CommissionPairing:
    core: CommissionCore
    signing: SigningSettings  # the adapter's side: our keys, and the commission's key (court_keys / court_app_key)

    def serve(self, **kwargs: Any) -> CommissionServer:
        return CommissionServer(self.core, **kwargs).start()


def pair_commission(
    workdir: Path, config: CommissionConfig | None = None, *, profile: Profile = "jws-detached", **core: Any
) -> CommissionPairing:
    """A commission and the adapter's signing settings for it; `core` goes to CommissionCore (clock, monotonic)."""
    config = config or CommissionConfig()
    signer, verifier, signing = arrange_keys(
        workdir, profile=profile, counterpart_key_id=config.commission_key_id, counterpart="commission"
    )
    return CommissionPairing(CommissionCore(config, signer, verifier, **core), signing)
