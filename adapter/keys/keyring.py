"""Our own signing keys for one platform: a folder of PEM files and a `keyring.json` manifest.

A new key is published before it signs, so the court can trust it first (a key it has never seen would have
every message refused):

    published ──(activate, or its activate_at passes)──▶ active ──(another key activates)──▶ retired
        ▲                                                  │  ▲                                  │
        └──────── rolled back (a retired key is activated) ┘  └── activate: back to it while it is still valid

    published  in the JWKS / `export-public`; signs nothing yet; may carry `activate_at`, when it takes over
    active     the one key that signs
    retired    signed before; still published, and a rollback target, until `retire_at` (switch + overlap)
    revoked    withdrawn at once: never published nor activated again (any state → revoked)

The manifest records what an operator decided; a scheduled switch whose time has come is applied whenever the ring
is read (`settled`), so every process switches at the same instant without anyone rewriting the file. A manifest
written before staged rotation (states active / retiring / revoked, no activate_at) loads unchanged: `retiring`
is the old name of `retired`. The manifest holds no secrets; private keys stay in their own mode-0600 files,
optionally passphrase-encrypted.

Kept whole at ~300 lines: the states, the rule that settles them (`settled`) and the operations that move a key
between them are one state machine over one manifest, read together when a rotation is checked.
"""

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from schemas.clock import CHINA
from signing.base import b64url
from signing.keyfiles import KeyFileError, generate_keypair, load_private_key, load_public_key

MANIFEST = "keyring.json"


class KeyState(StrEnum):
    """A key's place in the rotation (the diagram above); its value is what the manifest stores."""

    PUBLISHED = "published"
    ACTIVE = "active"
    RETIRED = "retired"
    REVOKED = "revoked"


_LEGACY = {"retiring": KeyState.RETIRED}


@dataclass
class KeyRecord:
    key_id: str
    algorithm: str
    state: KeyState
    created_at: str
    retire_at: str | None = None  # retired: published (and a rollback target) until then
    activate_at: str | None = None  # published: takes over at this instant
    overlap_seconds: float | None = None  # with activate_at: how long the key it replaces stays published
    activated_at: str | None = None  # active, retired: when it began to sign

    def verifies_at(self, now: datetime) -> bool:
        """Whether the court should still trust it at `now` (it is in what we publish)."""
        if self.state in (KeyState.PUBLISHED, KeyState.ACTIVE):
            return True
        return (
            self.state == KeyState.RETIRED
            and self.retire_at is not None
            and datetime.fromisoformat(self.retire_at) > now
        )


def settled(records: list[KeyRecord], now: datetime) -> list[KeyRecord]:
    """The ring as it stands at `now`: each published key whose activate_at has come took over in turn, and the
    key it replaced retired for the overlap its schedule named. Pure: the records given are not changed."""
    ring = [replace(record) for record in records]
    due = sorted(
        (
            r
            for r in ring
            if r.state == KeyState.PUBLISHED and r.activate_at and datetime.fromisoformat(r.activate_at) <= now
        ),
        key=lambda r: datetime.fromisoformat(r.activate_at or ""),
    )
    for record in due:
        assert record.activate_at is not None
        switch = datetime.fromisoformat(record.activate_at)
        for previous in ring:
            if previous.state == KeyState.ACTIVE:
                until = switch + timedelta(seconds=record.overlap_seconds or 0)
                previous.state, previous.retire_at = KeyState.RETIRED, stamp(until)
        record.state, record.activated_at = KeyState.ACTIVE, record.activate_at
        record.activate_at = record.overlap_seconds = None
    return ring


def stamp(value: datetime) -> str:
    """How an instant is stored: UTC, ISO 8601 (one zone in the file, whatever zone the operator typed)."""
    return value.astimezone(UTC).isoformat()


def shown(value: str | None) -> str:
    """A stored instant as an operator reads it: China time, its offset written out (2026-12-01T02:00+08:00)."""
    return datetime.fromisoformat(value).astimezone(CHINA).isoformat(timespec="minutes") if value else ""


class Keyring:
    def __init__(self, directory: Path, records: list[KeyRecord]) -> None:
        self.directory = directory
        self.records = records

    @classmethod
    def open(cls, directory: Path, *, create: bool = False) -> "Keyring":
        """The keyring in `directory`; a missing folder or manifest is an error naming the absolute path, unless
        `create` (only `docking keys generate` makes a keyring: anything else would sign with a key the court has
        never been given)."""
        path, where = directory / MANIFEST, directory.resolve()
        if directory.exists() and not directory.is_dir():
            raise KeyFileError(f"keyring {where} is a file, not a folder")
        if not path.exists():
            if create:
                return cls(directory, [])
            if not directory.exists():
                raise KeyFileError(
                    f"keyring folder {where} does not exist: check the path (a platform's `keyring` is relative "
                    f"to its config file). A new platform's first key is made with `docking keys generate --dir "
                    f"{where} --key-id …`, and the court must be given its public key before `docking run`"
                )
            raise KeyFileError(f"{where} has no {MANIFEST}: it is not a keyring made by `docking keys generate`")
        known = {f.name for f in fields(KeyRecord)}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            records = [KeyRecord(**{k: v for k, v in item.items() if k in known}) for item in data["keys"]]
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise KeyFileError(f"{path.resolve()} is not a keyring manifest: {exc}") from None
        for record in records:
            try:
                record.state = _LEGACY.get(record.state) or KeyState(record.state)
            except ValueError:
                raise KeyFileError(
                    f"{path.resolve()}: key {record.key_id!r} has an unknown state {record.state!r}"
                ) from None
        return cls(directory, records)

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".{MANIFEST}.tmp"
        temporary.write_text(json.dumps({"keys": [asdict(r) for r in self.records]}, indent=2), encoding="utf-8")
        os.replace(temporary, self.directory / MANIFEST)  # atomic: a crash never leaves half a manifest

    def find(self, key_id: str) -> KeyRecord:
        for record in self.records:
            if record.key_id == key_id:
                return record
        known = ", ".join(r.key_id for r in self.records) or "none"
        raise KeyFileError(f"no key {key_id!r} in keyring {self.directory.resolve()} (keys: {known})")

    def view(self, now: datetime) -> list[KeyRecord]:
        """Every key as it stands at `now` (scheduled switches applied)."""
        return settled(self.records, now)

    def active(self, now: datetime) -> KeyRecord:
        """The key that signs at `now`, or an error naming the keyring's absolute path and what to do."""
        ring = self.view(now)
        active = [r for r in ring if r.state == KeyState.ACTIVE]
        if active:
            return active[-1]
        where = self.directory.resolve()
        if not ring:
            raise KeyFileError(f"keyring {where} has no keys: `docking keys generate --dir {where}` makes the first")
        states = ", ".join(f"{r.key_id} {r.state}" for r in ring)
        raise KeyFileError(
            f"keyring {where} has no active key ({states}): once the court trusts one of its keys, "
            f"`docking keys activate KEY --dir {where}` makes it sign"
        )

    def previous(self, now: datetime) -> KeyRecord | None:
        """The most recently retired key that is still valid: where `docking keys activate` can go back to."""
        retired = [r for r in self.view(now) if r.state == KeyState.RETIRED and r.verifies_at(now)]
        return max(retired, key=lambda r: datetime.fromisoformat(r.retire_at or ""), default=None)

    def pending(self, now: datetime) -> KeyRecord | None:
        """The published key scheduled to take over after `now`, if any."""
        return next((r for r in self.view(now) if r.state == KeyState.PUBLISHED and r.activate_at), None)

    def generate(self, key_id: str, algorithm: str, now: datetime, passphrase: bytes | None = None) -> KeyRecord:
        """The keyring's first key, active at once (the court is given it before the adapter first runs)."""
        if any(r.state == KeyState.ACTIVE for r in self.view(now)):
            raise KeyFileError(f"{self.directory.resolve()} already has an active key; use `docking keys rotate`")
        record = self._add(key_id, algorithm, now, passphrase)
        record.state, record.activated_at = KeyState.ACTIVE, stamp(now)
        return record

    def rotate(
        self,
        key_id: str,
        now: datetime,
        overlap: timedelta,
        passphrase: bytes | None = None,
        algorithm: str | None = None,
        activate_at: datetime | None = None,
    ) -> tuple[KeyRecord, KeyRecord]:
        """A new key, published; it signs from `activate_at` (now or earlier: at once), else on `activate`.
        Returns the new key and the one that signs until then."""
        self.records = settled(self.records, now)
        current = self.active(now)
        waiting = self.pending(now)
        if waiting is not None:
            raise KeyFileError(
                f"{waiting.key_id} already waits to sign from {shown(waiting.activate_at)}: activate it, or cancel "
                f"with `docking keys activate {current.key_id}`, before rotating again"
            )
        new = self._add(key_id, algorithm or current.algorithm, now, passphrase)
        if activate_at is not None:
            self.activate(new.key_id, now, overlap, at=activate_at)
        return new, current

    def activate(self, key_id: str, now: datetime, overlap: timedelta, at: datetime | None = None) -> list[str]:
        """Make `key_id` sign at `at` (default: now): a published key moves forward (the active one retires for
        `overlap`); a retired, still valid key is a rollback (the key it replaces goes back to published, to be
        activated again once the court trusts it). Any other scheduled switch is cancelled: the operator's latest
        word wins. Returns what changed, one sentence each."""
        self.records = settled(self.records, now)
        target = self.find(key_id)
        if target.state == KeyState.REVOKED:
            raise KeyFileError(f"{key_id} is revoked and never signs again; `docking keys rotate` makes a new key")
        if target.state == KeyState.RETIRED and not target.verifies_at(now):
            raise KeyFileError(
                f"{key_id} retired at {shown(target.retire_at)} and is no longer published, so the court may no "
                "longer trust it; `docking keys rotate` makes a new key"
            )
        changes = [
            f"the switch to {r.key_id} at {shown(r.activate_at)} is cancelled"
            for r in self.records
            if r.state == KeyState.PUBLISHED and r.activate_at and r is not target
        ]
        for record in self.records:
            if record is not target:
                record.activate_at = record.overlap_seconds = None
        if at is not None and at > now:
            if target.state != KeyState.PUBLISHED:
                raise KeyFileError(f"{key_id} is {target.state}: only a published key can be scheduled")
            target.activate_at, target.overlap_seconds = stamp(at), overlap.total_seconds()
            return [*changes, f"{key_id} signs from {shown(target.activate_at)}"]
        if target.state == KeyState.ACTIVE:
            return [*changes, f"{key_id} already signs"]
        for current in (r for r in self.records if r.state == KeyState.ACTIVE):
            if target.state == KeyState.RETIRED:
                current.state, current.retire_at, current.activated_at = KeyState.PUBLISHED, None, None
                changes.append(f"{current.key_id} no longer signs and stays published")
            else:
                current.state, current.retire_at = KeyState.RETIRED, stamp(now + overlap)
                changes.append(f"{current.key_id} retires; it stays published until {shown(current.retire_at)}")
        target.state, target.activated_at = KeyState.ACTIVE, stamp(now)
        target.retire_at = target.activate_at = target.overlap_seconds = None
        return [*changes, f"{key_id} signs from now"]

    def revoke(self, key_id: str, now: datetime) -> KeyRecord:
        self.records = settled(self.records, now)
        record = self.find(key_id)
        record.state, record.retire_at, record.activate_at, record.overlap_seconds = KeyState.REVOKED, None, None, None
        return record

    def _add(self, key_id: str, algorithm: str, now: datetime, passphrase: bytes | None) -> KeyRecord:
        if any(r.key_id == key_id for r in self.records):
            raise KeyFileError(f"key id {key_id!r} is already in {self.directory.resolve()}")
        generate_keypair(self.directory, key_id, algorithm, passphrase)
        record = KeyRecord(key_id, algorithm, KeyState.PUBLISHED, stamp(now))
        self.records.append(record)
        return record

    def private_key(self, record: KeyRecord, passphrase: bytes | None = None) -> Any:
        return load_private_key(self.directory / f"{record.key_id}.key", passphrase)

    def public_key(self, record: KeyRecord) -> Any:
        return load_public_key(self.directory / f"{record.key_id}.pub")

    def jwks(self, now: datetime) -> dict[str, Any]:
        """The public keys a court should trust now (published, active, retired within the overlap), as a JWK Set
        (RFC 7517)."""
        return {
            "keys": [
                jwk(self.public_key(r), r.key_id, r.algorithm)
                for r in self.view(now)
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
