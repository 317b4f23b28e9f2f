"""Field-level encryption at rest for personal data: ID numbers and phone numbers (PIPL Art 28, domain.md §4).

Stored JSON keeps its shape; only the values of the sealed fields are replaced by tokens
`enc:1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`, so an operator can still read a case's cause, amount and
history from the database while the identifiers are unreadable without the key. Raw inbound bytes (quarantine)
cannot be parsed field by field — they may be malformed, which is why they are there — so they are sealed whole.

AES-256-GCM by default, SM4-GCM where the commercial-cryptography rules apply (domain.md §5). Each token names
its key, so a rotation only adds a key and makes it active: old tokens stay readable until
`docking keys rotate-data` has rewritten them, after which the old key may be retired. The field name is bound
as associated data, so a sealed ID number cannot be moved into the phone field undetected.
"""

import base64
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from adapter.errors import DockingError

Algorithm = Literal["aes-256-gcm", "sm4-gcm"]
KEY_BYTES: dict[str, int] = {"aes-256-gcm": 32, "sm4-gcm": 16}
# document_b64: outbound agreement and JC messages carry the signed agreement, which names the parties.
# account: a bank account number (a traffic claim's payee, schemas/traffic.py Payee), sealed like IDs (issue #19).
SEALED_FIELDS = frozenset({"id_number", "phone", "document_b64", "account"})
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")

_PREFIX = "enc:1:"
_BLOB_PREFIX = b"DKSEAL1:"
_NONCE, _TAG = 12, 16


class VaultError(DockingError):
    """Sealed data that cannot be opened: an unknown key id, a wrong key, or tampered ciphertext.

    `condition` says which (UNKNOWN_KEY, NO_KEYS, DOES_NOT_OPEN) and `key_id` names the data key involved, so a
    job can skip the row and report it once per row and condition (adapter/persistence/unreadable.py). The message
    names a
    field and a key id, never a value.
    """

    UNKNOWN_KEY = "unknown_key"  # sealed with a key this process does not hold (e.g. rotate-data before restart)
    NO_KEYS = "no_keys"  # sealed, but no [encryption] keys are configured at all
    DOES_NOT_OPEN = "does_not_open"  # the named key is held but the value does not open: wrong key or tampered

    def __init__(self, message: str, *, condition: str = DOES_NOT_OPEN, key_id: str | None = None) -> None:
        super().__init__(message)
        self.condition, self.key_id = condition, key_id

    @classmethod
    def unknown_key(cls, what: str, kid: str) -> "VaultError":
        return cls(
            f"{what} is sealed with data key {kid!r}, which is not configured", condition=cls.UNKNOWN_KEY, key_id=kid
        )


@dataclass(frozen=True)
class DataKey:
    kid: str
    algorithm: Algorithm
    key: bytes

    def __post_init__(self) -> None:
        if not KEY_ID.match(self.kid):
            raise ValueError(f"data key id {self.kid!r} must be 1–32 of A-Z a-z 0-9 _ . -")
        if len(self.key) != KEY_BYTES[self.algorithm]:
            raise ValueError(f"data key {self.kid}: {self.algorithm} needs {KEY_BYTES[self.algorithm]} bytes")

    def __repr__(self) -> str:  # never the key itself
        return f"DataKey(kid={self.kid!r}, algorithm={self.algorithm!r})"

    @cached_property
    def _aes(self) -> AESGCM:
        """The AES-GCM cipher with this key, set up once (its key schedule costs as much as sealing a field)."""
        return AESGCM(self.key)

    def encrypt(self, plaintext: bytes, aad: bytes) -> bytes:
        nonce = os.urandom(_NONCE)  # 96-bit random nonces: safe far beyond this adapter's volumes per key
        if self.algorithm == "aes-256-gcm":
            return nonce + self._aes.encrypt(nonce, plaintext, aad)
        encryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        return nonce + encryptor.update(plaintext) + encryptor.finalize() + encryptor.tag

    def decrypt(self, sealed: bytes, aad: bytes) -> bytes:
        if len(sealed) < _NONCE + _TAG:
            raise InvalidTag
        nonce, body = sealed[:_NONCE], sealed[_NONCE:]
        if self.algorithm == "aes-256-gcm":
            return self._aes.decrypt(nonce, body, aad)
        decryptor = Cipher(algorithms.SM4(self.key), modes.GCM(nonce, body[-_TAG:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        return decryptor.update(body[:-_TAG]) + decryptor.finalize()


def new_key(kid: str, algorithm: Algorithm = "aes-256-gcm") -> DataKey:
    return DataKey(kid, algorithm, os.urandom(KEY_BYTES[algorithm]))


class Vault:
    """Seals with the active key, opens with whichever configured key a token names."""

    def __init__(self, keys: list[DataKey], active: str) -> None:
        self.keys = {k.kid: k for k in keys}
        if active not in self.keys:
            raise ValueError(f"the active data key {active!r} is not among the configured keys")
        self.active = self.keys[active]

    def __repr__(self) -> str:
        return f"Vault(active={self.active.kid!r}, keys={sorted(self.keys)})"

    # ---- single values

    def seal_value(self, field: str, value: str) -> str:
        sealed = self.active.encrypt(value.encode(), field.encode())
        return f"{_PREFIX}{self.active.kid}:{base64.urlsafe_b64encode(sealed).decode().rstrip('=')}"

    def open_value(self, field: str, token: str) -> str:
        kid, _, data = token.removeprefix(_PREFIX).partition(":")
        key = self._key(kid, f"field {field}")
        try:
            return key.decrypt(base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)), field.encode()).decode()
        except (InvalidTag, ValueError):
            raise VaultError(
                f"field {field}: sealed value does not open with data key {kid} (wrong key or tampered)", key_id=kid
            ) from None

    # ---- JSON documents (case dispatches, agreements, outbound envelopes)

    def seal_json(self, text: str) -> str:
        if not any(f'"{name}"' in text for name in SEALED_FIELDS):
            return text  # most envelopes (progress, outcomes) carry no party: skip the parse
        # Always sealed, even a value that looks sealed: a party must not be able to plant a token in a field.
        return _dump(_walked(text, self.seal_value))

    def open_json(self, text: str) -> str:
        return open_json(text, self)

    # ---- whole blobs (quarantined raw bytes)

    def seal_blob(self, raw: bytes) -> bytes:
        return _BLOB_PREFIX + self.active.kid.encode() + b":" + self.active.encrypt(raw, b"blob")

    def open_blob(self, raw: bytes) -> bytes:
        return open_blob(raw, self)

    # ---- rotation

    def is_current(self, stored: str | bytes) -> bool:
        """True when `stored` holds no clear personal data and no token under a key other than the active one."""
        if isinstance(stored, bytes):
            return stored.startswith(_BLOB_PREFIX + self.active.kid.encode() + b":")
        if not any(f'"{name}"' in stored for name in SEALED_FIELDS):
            return True
        current = True

        def check(name: str, value: str) -> str:
            nonlocal current
            current = current and value.startswith(f"{_PREFIX}{self.active.kid}:")
            return value

        _walked(stored, check)
        return current

    def _key(self, kid: str, what: str) -> DataKey:
        key = self.keys.get(kid)
        if key is None:
            raise VaultError.unknown_key(what, kid)
        return key


def open_json(text: str, vault: Vault | None) -> str:
    """Open every sealed field; without a vault, sealed data is a clear error, never a silent token."""
    if f'"{_PREFIX}' not in text:
        return text

    def opened(name: str, value: str) -> str:
        if not value.startswith(_PREFIX):
            return value  # written before encryption was configured
        if vault is None:
            kid = value.removeprefix(_PREFIX).partition(":")[0]
            raise VaultError(
                f"field {name} is sealed but no [encryption] keys are configured",
                condition=VaultError.NO_KEYS,
                key_id=kid,
            )
        return vault.open_value(name, value)

    return _dump(_walked(text, opened))


def open_blob(raw: bytes, vault: Vault | None) -> bytes:
    if not raw.startswith(_BLOB_PREFIX):
        return raw
    if vault is None:
        raise VaultError(
            "the database holds sealed raw bytes but no [encryption] keys are configured",
            condition=VaultError.NO_KEYS,
            key_id=raw.removeprefix(_BLOB_PREFIX).partition(b":")[0].decode(errors="replace"),
        )
    kid, _, sealed = raw.removeprefix(_BLOB_PREFIX).partition(b":")
    key = vault._key(kid.decode(errors="replace"), "quarantined raw bytes")
    try:
        return key.decrypt(sealed, b"blob")
    except InvalidTag:
        raise VaultError(
            f"quarantined raw bytes do not open with data key {key.kid} (wrong key or tampered)", key_id=key.kid
        ) from None


def sealed_key_ids(text: str) -> set[str]:
    """The data key ids the sealed fields of stored JSON `text` name, read from the tokens without opening any:
    what a job that needs no personal data checks to say early which rows others will fail to open."""
    if f'"{_PREFIX}' not in text:
        return set()
    found: set[str] = set()

    def named(name: str, value: str) -> str:
        if value.startswith(_PREFIX):
            found.add(value.removeprefix(_PREFIX).partition(":")[0])
        return value

    try:
        _walked(text, named)
    except ValueError:
        return set()  # not JSON: nothing this check can say; whoever opens it will report it
    return found


def _walked(text: str, change: Callable[[str, str], str]) -> Any:
    """`text` parsed, with `change(field, value)` applied to every string value of a sealed field at any depth —
    in the parser's object hook, so only the objects holding one are visited in Python: a walk over every node of a
    dispatch cost as much as its parse (bench/intake.py). An object's fields are changed in their order, an inner
    object's before the one holding it."""

    def hook(node: dict[str, Any]) -> dict[str, Any]:
        if not SEALED_FIELDS.isdisjoint(node):
            for name, value in node.items():
                if name in SEALED_FIELDS and isinstance(value, str):
                    node[name] = change(name, value)
        return node

    return json.loads(text, object_hook=hook)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # once: json.dumps with options makes one a call


def _dump(node: Any) -> str:
    return _ENCODER.encode(node)
