"""A real sandbox court on loopback and a real adapter runtime on a SQLite file, wired as in production."""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapter.keys import KeyPairFiles, generate_keypair, load_public_key
from adapter.settings import PlatformSettings, Settings
from sandbox.court import CourtCore, SandboxConfig
from sandbox.rest import SandboxServer
from scheduler import Runtime, build_runtime

PLATFORM = "court"
CENTRE_KID = "centre-test"
COURT_KID = "court-test"


@dataclass
class Court:
    core: CourtCore
    server: SandboxServer
    key: Ed25519PrivateKey
    public_path: Path


@pytest.fixture
def centre_keys(tmp_path: Path) -> KeyPairFiles:
    return generate_keypair(tmp_path / "keys", CENTRE_KID)


@pytest.fixture
def sandbox_config() -> SandboxConfig:
    """Deterministic court: no redelivery, decisions at once, every JC application confirmed."""
    return SandboxConfig(
        seed=3,
        decision_delay=0.0,
        redeliver_rate=0.0,
        confirm_rate=1.0,
        reject_rate=0.0,
        court_key_id=COURT_KID,
    )


@pytest.fixture
def court(tmp_path: Path, centre_keys: KeyPairFiles, sandbox_config: SandboxConfig) -> Iterator[Court]:
    key = Ed25519PrivateKey.generate()
    public_path = tmp_path / "keys" / f"{COURT_KID}.pub"
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    core = CourtCore(sandbox_config, key, {CENTRE_KID: load_public_key(centre_keys.public)})
    server = SandboxServer(core).start()
    yield Court(core, server, key, public_path)
    server.stop()


@pytest.fixture
def settings(tmp_path: Path, court: Court, centre_keys: KeyPairFiles) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'adapter.db'}",
        platforms={
            PLATFORM: PlatformSettings(
                base_url=court.server.url,
                signing_key_file=centre_keys.private,
                signing_key_id=CENTRE_KID,
                court_public_keys={COURT_KID: court.public_path},
                timeout_seconds=5,
            )
        },
    )


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    return build_runtime(settings)


def pump(runtime: Runtime, rounds: int = 3) -> None:
    """Run the two production jobs a few times, as the scheduler would."""
    for _ in range(rounds):
        runtime.poll_platform(PLATFORM)
        runtime.deliver()
