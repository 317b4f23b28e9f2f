"""Wire a sandbox institution to one adapter platform under a signing profile (jws-detached, sm2-sm3,
hmac-appkey): keys on both sides, in a folder, as sandbox/pairing.py does for courts."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapter.config.platform import Profile, SigningSettings
from sandbox.institution.config import InstitutionConfig
from sandbox.institution.desk import DeskCore
from sandbox.institution.server import DeskServer
from sandbox.pairing import arrange_keys


@dataclass(frozen=True)
class DeskPairing:
    core: DeskCore
    signing: SigningSettings  # the adapter's side: our keys, and the desk's key (court_keys / court_app_key)

    def serve(self, **kwargs: Any) -> DeskServer:
        return DeskServer(self.core, **kwargs).start()


def pair_desk(
    workdir: Path, config: InstitutionConfig | None = None, *, profile: Profile = "jws-detached", **core: Any
) -> DeskPairing:
    """A desk and the adapter's signing settings for it; `core` goes to DeskCore (clock, monotonic)."""
    config = config or InstitutionConfig()
    signer, verifier, signing = arrange_keys(
        workdir, profile=profile, counterpart_key_id=config.desk_key_id, counterpart="desk"
    )
    return DeskPairing(DeskCore(config, signer, verifier, **core), signing)
