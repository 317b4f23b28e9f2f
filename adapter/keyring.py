"""Our own signing keys for one platform: a folder of PEM files and a `keyring.json` manifest.

One key is `active` and signs. `rotate` makes a new key active and leaves the previous one `retiring` until
`retire_at`, so the court still verifies messages signed just before the switch (and the JWKS we publish
still lists it). `revoke` withdraws a key at once. The manifest holds no secrets; private keys stay in their
own mode-0600 files, optionally passphrase-encrypted.
"""

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from adapter.keys import KeyFileError, generate_keypair, load_private_key, load_public_key
from adapter.signing.base import b64url

MANIFEST = "keyring.json"


@dataclass
class KeyRecord:
    key_id: str
    algorithm: str
    state: str  # active | retiring | revoked
    created_at: str
    retire_at: str | None = None

    def verifies_at(self, now: datetime) -> bool:
        if self.state == "active":
            return True
        return self.state == "retiring" and self.retire_at is not None and datetime.fromisoformat(self.retire_at) > now


class Keyring:
    def __init__(self, directory: Path, records: list[KeyRecord]) -> None:
        self.directory = directory
        self.records = records

    @classmethod
    def open(cls, directory: Path) -> "Keyring":
        path = directory / MANIFEST
        if not path.exists():
            return cls(directory, [])
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(directory, [KeyRecord(**record) for record in data["keys"]])
        except (ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(f"{path} is not a keyring manifest: {exc}") from None

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps({"keys": [asdict(r) for r in self.records]}, indent=2), encoding="utf-8")
        os.replace(temporary, self.directory / MANIFEST)  # atomic: a crash never leaves half a manifest

    def find(self, key_id: str) -> KeyRecord:
        for record in self.records:
            if record.key_id == key_id:
                return record
        raise KeyFileError(f"no key {key_id!r} in {self.directory}")

    def active(self) -> KeyRecord:
        active = [r for r in self.records if r.state == "active"]
        if not active:
            raise KeyFileError(f"{self.directory} has no active key: run `docking keys generate`")
        return active[-1]

    def generate(self, key_id: str, algorithm: str, now: datetime, passphrase: bytes | None = None) -> KeyRecord:
        if any(r.state == "active" for r in self.records):
            raise KeyFileError(f"{self.directory} already has an active key; use `docking keys rotate`")
        return self._add(key_id, algorithm, now, passphrase)

    def rotate(
        self,
        key_id: str,
        now: datetime,
        overlap: timedelta,
        passphrase: bytes | None = None,
        algorithm: str | None = None,
    ) -> tuple[KeyRecord, KeyRecord]:
        old = self.active()
        new = self._add(key_id, algorithm or old.algorithm, now, passphrase)
        old.state, old.retire_at = "retiring", (now + overlap).isoformat()
        return new, old

    def revoke(self, key_id: str) -> KeyRecord:
        record = self.find(key_id)
        record.state, record.retire_at = "revoked", None
        return record

    def _add(self, key_id: str, algorithm: str, now: datetime, passphrase: bytes | None) -> KeyRecord:
        if any(r.key_id == key_id for r in self.records):
            raise KeyFileError(f"key id {key_id!r} is already in {self.directory}")
        generate_keypair(self.directory, key_id, algorithm, passphrase)
        record = KeyRecord(key_id, algorithm, "active", now.isoformat())
        self.records.append(record)
        return record

    def private_key(self, record: KeyRecord, passphrase: bytes | None = None) -> Any:
        return load_private_key(self.directory / f"{record.key_id}.key", passphrase)

    def public_key(self, record: KeyRecord) -> Any:
        return load_public_key(self.directory / f"{record.key_id}.pub")

    def jwks(self, now: datetime) -> dict[str, Any]:
        """The public keys a court may verify with now (active and still-retiring), as a JWK Set (RFC 7517)."""
        return {
            "keys": [
                jwk(self.public_key(r), r.key_id, r.algorithm)
                for r in self.records
                if r.verifies_at(now) and r.algorithm != "SM2"
            ]
        }


def jwk(public_key: Any, key_id: str, algorithm: str) -> dict[str, Any]:
    base = {"kid": key_id, "alg": algorithm, "use": "sig"}
    if isinstance(public_key, ed25519.Ed25519PublicKey):
        raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return {**base, "kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        point = public_key.public_numbers()
        x, y = (b64url(v.to_bytes(32, "big")) for v in (point.x, point.y))
        return {**base, "kty": "EC", "crv": "P-256", "x": x, "y": y}
    if isinstance(public_key, rsa.RSAPublicKey):
        rsa_numbers = public_key.public_numbers()
        n, e = (b64url(v.to_bytes((v.bit_length() + 7) // 8, "big")) for v in (rsa_numbers.n, rsa_numbers.e))
        return {**base, "kty": "RSA", "n": n, "e": e}
    raise KeyFileError(f"key {key_id!r} cannot be published as a JWK")
