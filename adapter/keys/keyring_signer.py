"""Signing with a keyring (adapter/keys/keyring.py): whichever key is active at the signing time, as the manifest says.

`docking run` needs no restart for a rotation. The manifest is checked (one stat) on every signature and read
again when it changes, so `docking keys activate` — forward, or back to the previous key — applies from the next
request, and a switch scheduled with `--activate-at` happens at its instant in every process without a restart.
Private keys are loaded once each; the keys that can sign next (the active one and any scheduled one) are loaded
as soon as the manifest names them, so a missing file or a wrong passphrase is found at start-up (an error) or
at the change (logged once, the last good manifest kept) — never at the switch, with nothing left to sign with.
"""

import logging
import os
import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from adapter.keys.keyring import MANIFEST, KeyRecord, Keyring, KeyState
from adapter.platforms.credential_hold import Credential
from signing.base import MessageSigner
from signing.keyfiles import KeyFileError

log = logging.getLogger("docking.keys")

SignerFactory = Callable[[Any, str], MessageSigner]  # (private key, key id) → the profile's signer


class _Loaded:
    """One reading of the manifest: the key signing at `now`, the scheduled switches, their signers."""

    def __init__(self, ring: Keyring, now: datetime, make: SignerFactory, passphrase: bytes | None) -> None:
        self.ring = ring
        current = ring.active(now)  # raises, naming the keyring, when nothing signs
        self.switches = sorted(
            (datetime.fromisoformat(r.activate_at), r)
            for r in ring.view(now)
            if r.state == KeyState.PUBLISHED and r.activate_at is not None
        )
        self.base = current
        self.signers = {r.key_id: make(ring.private_key(r, passphrase), r.key_id) for r in self._candidates()}

    def _candidates(self) -> list[KeyRecord]:
        return [self.base, *(record for _, record in self.switches)]

    def record_at(self, at: datetime) -> KeyRecord:
        due = [record for when, record in self.switches if when <= at]
        return due[-1] if due else self.base


class KeyringSigner:
    """A MessageSigner over a keyring; also says which key it signs with, for the alert when a court refuses it."""

    def __init__(self, directory: Path, make: SignerFactory, *, passphrase: bytes | None, now: datetime) -> None:
        self.directory = directory
        self._make, self._passphrase = make, passphrase
        self._lock = threading.Lock()
        self._manifest = os.fspath(directory / MANIFEST)  # stat()ed on every signature: the path is built once
        self._stamp = self._manifest_stamp()
        self._loaded = _Loaded(Keyring.open(directory), now, make, passphrase)
        self.profile = self._loaded.signers[self._loaded.base.key_id].profile
        self._last = self._loaded.base.key_id

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        loaded = self._current(at)
        record = loaded.record_at(at)
        if record.key_id != self._last:  # an activation, a rollback or a scheduled switch: said once
            log.warning("keyring %s: now signing with %s (was %s)", self.directory.resolve(), record.key_id, self._last)
            self._last = record.key_id
        return loaded.signers[record.key_id].sign(body, message_id=message_id, at=at, target=target)

    def key_id(self, at: datetime) -> str:
        return self._current(at).record_at(at).key_id

    def credential(self, at: datetime) -> Credential:
        """What the hold's alert names: the key that signs at `at`, and how to publish it or go back."""
        loaded = self._current(at)
        key_id, where = loaded.record_at(at).key_id, self.directory.resolve()
        remedy = f"publish it to the court (`docking keys export-public --dir {where}`)"
        previous = loaded.ring.previous(at)
        if previous is not None and previous.key_id != key_id:
            remedy += f" or go back to the previous key: `docking keys activate {previous.key_id} --dir {where}`"
        return Credential(f"key {key_id}", remedy)

    def _current(self, now: datetime) -> _Loaded:
        stamp = self._manifest_stamp()
        with self._lock:
            if stamp == self._stamp:
                return self._loaded
            self._stamp = stamp  # tried once per change: a bad manifest is reported once, not per message
            try:
                loaded = _Loaded(Keyring.open(self.directory), now, self._make, self._passphrase)
            except KeyFileError as exc:
                log.error(
                    "keyring %s changed but cannot be used (%s): still signing with %s",
                    self.directory.resolve(),
                    exc,
                    self._loaded.record_at(now).key_id,
                )
                return self._loaded
            self._loaded = loaded
            return loaded

    def _manifest_stamp(self) -> tuple[int, int, int] | None:
        try:
            info = os.stat(self._manifest)
        except OSError:
            return None
        return info.st_mtime_ns, info.st_size, info.st_ino
