"""Wire a sandbox court to one adapter platform under a signature profile: keys on both sides, in a folder.

The centre's keys live in a keyring as `docking keys generate` makes them; the court's key pair is the
sandbox's own. Used by the demo, the integration tests and the benchmarks, so all three sign for real.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pydantic import SecretStr

from adapter.keyring import Keyring
from adapter.keys import generate_keypair, load_private_key
from adapter.settings import Profile, SigningSettings
from adapter.signing.base import MessageSigner, MessageVerifier, PublicKeyEntry
from adapter.signing.hmac_appkey import HmacSigner, HmacVerifier
from adapter.signing.jws import JwsSigner, JwsVerifier
from adapter.signing.sm2 import Sm2Signer, Sm2Verifier
from sandbox.court import CourtCore, SandboxConfig

CENTRE_KEY_ID = "centre-2026-01"


@dataclass(frozen=True)
class Pairing:
    core: CourtCore
    signing: SigningSettings  # the adapter's side of the same arrangement


def pair(
    workdir: Path,
    config: SandboxConfig | None = None,
    *,
    profile: Profile = "jws-detached",
    algorithm: str = "EdDSA",
    distid: str = "1234567812345678",
) -> Pairing:
    config = config or SandboxConfig()
    court_signer: MessageSigner
    centre_verifier: MessageVerifier
    if profile == "hmac-appkey":
        centre_secret, court_secret = secrets.token_hex(32), secrets.token_hex(32)
        court_signer = HmacSigner("court-app", court_secret.encode())
        centre_verifier = HmacVerifier(
            {"centre-app": PublicKeyEntry("centre-app", centre_secret.encode(), "HMAC-SHA256")}
        )
        signing = SigningSettings(
            profile=profile,
            app_key="centre-app",
            app_secret=SecretStr(centre_secret),
            court_app_key="court-app",
            court_app_secret=SecretStr(court_secret),
        )
        return Pairing(CourtCore(config, court_signer, centre_verifier), signing)
    algorithm = "SM2" if profile == "sm2-sm3" else algorithm
    keyring = Keyring.open(workdir / "keys" / "centre")
    record = keyring.generate(CENTRE_KEY_ID, algorithm, datetime.now(UTC))
    keyring.save()
    court = generate_keypair(workdir / "keys" / "court", config.court_key_id, algorithm)
    court_key = load_private_key(court.private)
    centre_public = {record.key_id: PublicKeyEntry(record.key_id, keyring.public_key(record), algorithm)}
    if profile == "sm2-sm3":
        court_signer = Sm2Signer(court_key, config.court_key_id, distid=distid)
        centre_verifier = Sm2Verifier(centre_public, distid=distid)
    else:
        court_signer = JwsSigner(court_key, config.court_key_id)
        centre_verifier = JwsVerifier(centre_public)
    signing = SigningSettings(
        profile=profile, keyring=keyring.directory, court_keys={config.court_key_id: court.public}, sm2_distid=distid
    )
    return Pairing(CourtCore(config, court_signer, centre_verifier), signing)
