"""Profile `standard-webhooks`: events the adapter pushes to the centre's own systems (standardwebhooks.com).

Headers webhook-id, webhook-timestamp (Unix seconds) and webhook-signature, a space-separated list of
`v1,<base64 HMAC-SHA256>` and `v1a,<base64 Ed25519>` over `id.timestamp.body`. During a rotation the signer
emits one signature per key and the verifier accepts the message if any configured, unrevoked key matches.
Secrets are `whsec_<base64>`; v1a keys are Ed25519 key objects.
"""

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from signing.base import PublicKeyEntry, Verified, header, signed_time
from signing.errors import SignatureInvalid

MAX_SIGNATURES = 5  # a rotation needs two or three; more is an attempt to make us work
WebhookKey = bytes | Ed25519PrivateKey  # bytes: an HMAC secret (v1); a private key: Ed25519 (v1a)


def parse_secret(text: str) -> bytes:
    return base64.b64decode(text.removeprefix("whsec_"))


def _content(message_id: str, timestamp: str, body: bytes) -> bytes:
    return f"{message_id}.{timestamp}.".encode() + body


class WebhookSigner:
    profile = "standard-webhooks"

    def __init__(self, keys: Sequence[WebhookKey], key_id: str = "webhook") -> None:
        if not keys:
            raise ValueError("a webhook signer needs at least one key")
        self._keys, self.key_id = list(keys), key_id

    def __repr__(self) -> str:
        return f"WebhookSigner({len(self._keys)} key(s))"

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        timestamp = str(int(at.timestamp()))
        content = _content(message_id, timestamp, body)
        signatures = []
        for key in self._keys:
            if isinstance(key, bytes):
                signatures.append("v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode())
            else:
                signatures.append("v1a," + base64.b64encode(key.sign(content)).decode())
        return {"webhook-id": message_id, "webhook-timestamp": timestamp, "webhook-signature": " ".join(signatures)}


class WebhookVerifier:
    """`keys`: PublicKeyEntry with key = secret bytes (algorithm v1) or an Ed25519 public key (algorithm v1a)."""

    profile = "standard-webhooks"

    def __init__(self, keys: Mapping[str, PublicKeyEntry]) -> None:
        self._keys = [entry for entry in keys.values() if not entry.revoked]

    def verify(self, body: bytes, headers: Mapping[str, str], *, target: str = "") -> Verified:
        message_id, timestamp = header(headers, "webhook-id"), header(headers, "webhook-timestamp")
        issued = signed_time(timestamp, "webhook-timestamp")
        content = _content(message_id, timestamp, body)
        offered = [item.partition(",") for item in header(headers, "webhook-signature").split()]
        if len(offered) > MAX_SIGNATURES:  # each entry costs a verification per key: bound the work a sender can ask
            raise SignatureInvalid(SignatureInvalid.MALFORMED, f"more than {MAX_SIGNATURES} signatures offered")
        for version, _, value in offered:
            try:
                raw = base64.b64decode(value, validate=True)
            except ValueError:
                continue  # one malformed entry does not spoil the others (rotation lists several)
            for entry in self._keys:
                if self._matches(entry, version, raw, content):
                    return Verified(entry.key_id, message_id, issued)
        raise SignatureInvalid(SignatureInvalid.MISMATCH, "no signature matches a configured, unrevoked key")

    @staticmethod
    def _matches(entry: PublicKeyEntry, version: str, raw: bytes, content: bytes) -> bool:
        if version == "v1" and entry.algorithm == "v1" and isinstance(entry.key, bytes):
            return hmac.compare_digest(raw, hmac.new(entry.key, content, hashlib.sha256).digest())
        if version == "v1a" and entry.algorithm == "v1a" and isinstance(entry.key, Ed25519PublicKey):
            try:
                entry.key.verify(raw, content)
                return True
            except InvalidSignature:
                return False
        return False
