"""Profile `hmac-appkey`: the app-key + timestamp + nonce + HMAC style many government platforms use.

Headers: X-App-Key, X-Timestamp (Unix milliseconds), X-Nonce (the message id, so a nonce is never reused for
another message), X-Signature-Method (HMAC-SHA256 | HMAC-SM3), X-Signature (lower-case hex).

The canonical string, one field per line (LF), no trailing newline:

    METHOD                      e.g. POST (GET for feed reads)
    URL                         scheme://host[:port]/path without the query, e.g. https://odr.court/api/v1/messages
    QUERY                       parameters sorted by name then value, RFC 3986-encoded, k=v joined by &
    appKey=K&nonce=N&timestamp=T
    HEX(HASH(body))             SHA-256 or SM3 to match the method; the hash of b"" for an empty body
"""

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import parse_qsl, quote, urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as chmac

from signing.base import HexCase, PublicKeyEntry, Verified, header, hexdecode, hexencode, lookup, signed_time
from signing.errors import SignatureInvalid

METHODS = ("HMAC-SHA256", "HMAC-SM3")


def canonical_string(
    target: str, app_key: str, nonce: str, timestamp: str, body: bytes, method: str, hex_case: HexCase = "lower"
) -> bytes:
    """The signed text; the body hash's hex case is part of it, so both sides must agree on `hex_case`."""
    verb, _, url = target.partition(" ")
    parts = urlsplit(url or "/")
    query = "&".join(
        f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}"
        for k, v in sorted(parse_qsl(parts.query, keep_blank_values=True))
    )
    return "\n".join(
        [
            verb.upper() or "POST",
            f"{parts.scheme}://{parts.netloc}{parts.path or '/'}" if parts.netloc else parts.path or "/",
            query,
            f"appKey={app_key}&nonce={nonce}&timestamp={timestamp}",
            hexencode(_hash(body, method), hex_case),
        ]
    ).encode("utf-8")


def mac(secret: bytes, data: bytes, method: str) -> bytes:
    if method == "HMAC-SHA256":
        return hmac.new(secret, data, hashlib.sha256).digest()
    h = chmac.HMAC(secret, hashes.SM3())
    h.update(data)
    return h.finalize()


def _hash(data: bytes, method: str) -> bytes:
    if method == "HMAC-SHA256":
        return hashlib.sha256(data).digest()
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


class HmacSigner:
    profile = "hmac-appkey"

    def __init__(self, app_key: str, secret: bytes, method: str = "HMAC-SHA256", hex_case: HexCase = "lower") -> None:
        if method not in METHODS:
            raise ValueError(f"signature method {method!r} is not one of {METHODS}")
        self.key_id, self._secret, self.method, self.hex_case = app_key, secret, method, hex_case

    def __repr__(self) -> str:  # never the secret
        return f"HmacSigner(app_key={self.key_id!r}, method={self.method})"

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        timestamp = str(int(at.timestamp() * 1000))
        data = canonical_string(target, self.key_id, message_id, timestamp, body, self.method, self.hex_case)
        return {
            "X-App-Key": self.key_id,
            "X-Timestamp": timestamp,
            "X-Nonce": message_id,
            "X-Signature-Method": self.method,
            "X-Signature": hexencode(mac(self._secret, data, self.method), self.hex_case),
        }


class HmacVerifier:
    """`keys` maps app keys to PublicKeyEntry(key=secret bytes, algorithm=HMAC-SHA256|HMAC-SM3)."""

    profile = "hmac-appkey"

    def __init__(self, keys: Mapping[str, PublicKeyEntry], hex_case: HexCase = "lower") -> None:
        self.hex_case = hex_case
        for entry in keys.values():
            if not isinstance(entry.key, bytes):  # a PEM public key is not an HMAC secret (key confusion)
                raise ValueError(f"app key {entry.key_id!r}: an HMAC secret must be bytes")
        self._keys = dict(keys)

    def verify(self, body: bytes, headers: Mapping[str, str], *, target: str = "") -> Verified:
        entry = lookup(self._keys, header(headers, "X-App-Key"))
        method = header(headers, "X-Signature-Method")
        if method != entry.algorithm:
            raise SignatureInvalid(SignatureInvalid.BAD_ALGORITHM, f"app key {entry.key_id!r} uses {entry.algorithm}")
        timestamp, nonce = header(headers, "X-Timestamp"), header(headers, "X-Nonce")
        issued = signed_time(timestamp, "X-Timestamp", millis=True)
        given = hexdecode(header(headers, "X-Signature"), "X-Signature", 32, self.hex_case)
        data = canonical_string(target, entry.key_id, nonce, timestamp, body, method, self.hex_case)
        expected = mac(entry.key, data, method)
        if not hmac.compare_digest(given, expected):
            raise SignatureInvalid(SignatureInvalid.MISMATCH, f"request does not match app key {entry.key_id!r}")
        return Verified(entry.key_id, nonce, issued)
