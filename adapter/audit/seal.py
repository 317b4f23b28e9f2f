"""Signing a checkpoint's statement with the centre's audit key, and checking it with the public key only.

The key lives in its own keyring folder (`[audit] keyring`, made with `docking keys generate --dir …`): the active
key signs; every key stays listed there by id, so a checkpoint signed before a rotation still verifies. EdDSA,
ES256 (DER ECDSA over SHA-256) or SM2 (GB/T 32918 over SM3, the default distinguishing id).
"""

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519

from adapter.audit.settings import AuditSettings
from adapter.errors import ConfigError
from adapter.keys.keyring import Keyring
from signing import sm2

ALGORITHMS = ("EdDSA", "ES256", "SM2")


@dataclass(frozen=True)
class Signer:
    key_id: str
    algorithm: str
    private_key: Any

    def sign(self, message: bytes) -> bytes:
        if self.algorithm == "EdDSA":
            return bytes(self.private_key.sign(message))
        if self.algorithm == "ES256":
            return bytes(self.private_key.sign(message, ec.ECDSA(hashes.SHA256())))
        return sm2.sign_digest(self.private_key, sm2.digest(self.private_key.public_key(), message))


def _ring(settings: AuditSettings) -> Keyring:
    if settings.keyring is None:
        raise ConfigError(
            "no [audit] keyring: checkpoints are signed with the centre's audit key — make one with "
            "`docking keys generate --dir DIR --key-id audit-1 --algorithm EdDSA` and set [audit] keyring = DIR"
        )
    return Keyring.open(settings.keyring)


def signer(settings: AuditSettings, now: datetime) -> Signer:
    """The active audit key; ConfigError naming the setting when there is none or it is of another algorithm."""
    ring = _ring(settings)
    record = ring.active(now)
    if record.algorithm not in ALGORITHMS:
        raise ConfigError(f"[audit] keyring key {record.key_id}: {record.algorithm} is not one of {ALGORITHMS}")
    env = settings.passphrase_env
    passphrase = os.environ[env].encode() if env and env in os.environ else None
    return Signer(record.key_id, record.algorithm, ring.private_key(record, passphrase))


def public_keys(settings: AuditSettings) -> dict[str, tuple[str, Any]]:
    """{key id: (algorithm, public key)} of every key in the audit keyring; {} without one."""
    if settings.keyring is None:
        return {}
    ring = Keyring.open(settings.keyring)
    return {r.key_id: (r.algorithm, ring.public_key(r)) for r in ring.records}


def verify(algorithm: str, public_key: Any, message: bytes, signature: bytes) -> bool:
    """True when `signature` is `public_key`'s over `message` under `algorithm`."""
    try:
        if algorithm == "EdDSA" and isinstance(public_key, ed25519.Ed25519PublicKey):
            public_key.verify(signature, message)
            return True
        if algorithm == "ES256" and isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
            return True
    except InvalidSignature:
        return False
    if algorithm == "SM2":
        return sm2.verify_digest(public_key, signature, sm2.digest(public_key, message))
    return False
