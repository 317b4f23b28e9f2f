"""Message signatures, first version: Ed25519 over the exact body bytes, the key named by id.

Canonical bytes are the connector's business (it encodes); this module only signs and verifies bytes.
Every verification failure raises one `SignatureInvalid` whose `reason` is a short code for quarantine
and metrics; the message never says which byte or key half matched, only what class of check failed.
"""

import base64
import binascii
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from adapter.signing.errors import SignatureInvalid


@dataclass(frozen=True)
class Signature:
    key_id: str
    value: str  # base64


class Signer:
    """Signs outgoing bodies with one private key; `key_id` tells the receiver which public key to use."""

    def __init__(self, private_key: Ed25519PrivateKey, key_id: str) -> None:
        self._key = private_key
        self.key_id = key_id

    def sign(self, body: bytes) -> Signature:
        return Signature(self.key_id, base64.b64encode(self._key.sign(body)).decode("ascii"))

    def __repr__(self) -> str:  # never show key material, even by accident in a traceback
        return f"Signer(key_id={self.key_id!r})"


class Verifier:
    """Verifies incoming bodies against a platform's known public keys, by key id."""

    def __init__(self, public_keys: dict[str, Ed25519PublicKey]) -> None:
        self._keys = dict(public_keys)

    def verify(self, body: bytes, key_id: str | None, signature: str | None) -> None:
        if not key_id or not signature:
            raise SignatureInvalid(SignatureInvalid.UNSIGNED, "the message carries no key id or no signature")
        key = self._keys.get(key_id)
        if key is None:
            raise SignatureInvalid(SignatureInvalid.UNKNOWN_KEY, f"key id {key_id!r} is not configured")
        try:
            raw = base64.b64decode(signature, validate=True)
        except (binascii.Error, ValueError):
            raise SignatureInvalid(SignatureInvalid.MALFORMED, "the signature is not base64") from None
        if len(raw) != 64:
            raise SignatureInvalid(SignatureInvalid.MALFORMED, f"an Ed25519 signature has 64 bytes, not {len(raw)}")
        try:
            key.verify(raw, body)
        except InvalidSignature:
            raise SignatureInvalid(SignatureInvalid.MISMATCH, f"the body does not match key {key_id!r}") from None
