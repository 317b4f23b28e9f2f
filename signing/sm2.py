"""Profile `sm2-sm3`: SM2 signatures with SM3 per GB/T 32918 (domain.md §5), with the counterpart's choices of
distinguishing ID (default 1234567812345678), DER or raw r ‖ s, base64 or hex.

Headers: X-Key-Id, X-Timestamp (Unix seconds), X-Nonce, X-Signature. The signed message M is
`timestamp ‖ LF ‖ nonce ‖ LF ‖ target ‖ LF ‖ body` (target: "METHOD <full URL>" for a request, empty for a
published message), so freshness, replay and request binding all rest on signed values.

The curve arithmetic is Tongsuo's (C, via the optional `tongsuopy` package: install court-docking[sm2]). Its
Python API fixes the distinguishing ID, so Z_A = SM3(ENTL ‖ ID ‖ a ‖ b ‖ xG ‖ yG ‖ xA ‖ yA) and
e = SM3(Z_A ‖ M) are computed here and Tongsuo signs the digest e — the GB/T 32918 algorithm exactly, checked
against the OpenSSL 3 command line in the tests.
"""

import base64
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from signing.base import (
    HexCase,
    PublicKeyEntry,
    Verified,
    b64decode,
    header,
    hexdecode,
    hexencode,
    lookup,
    signed_time,
)
from signing.errors import MissingExtra, SignatureInvalid

DEFAULT_ID = "1234567812345678"
_A = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC
_B = 0x28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93
_GX = 0x32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7
_GY = 0xBC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0


# Tongsuo is an optional extra (court-docking[sm2]): its modules are imported inside the functions below, only when
# an SM2 key is used, and a missing extra is the typed MissingExtra raised here — never a bare ImportError.


def tongsuo() -> Any:
    """The Tongsuo backend, imported only when an SM2 profile is used."""
    try:
        from tongsuopy.backends.tongsuo.backend import backend
    except ImportError as exc:  # pragma: no cover - exercised only where the extra is absent
        raise MissingExtra from exc
    return backend


def serialization() -> Any:
    """Tongsuo's serialization module (PEM/DER of SM2 keys, which `cryptography` cannot encode or read)."""
    tongsuo()
    from tongsuopy.crypto import serialization as sm_serialization  # the optional extra (see above)

    return sm_serialization


def new_private_key() -> Any:
    tongsuo()
    from tongsuopy.crypto.asymciphers import ec as sm_ec  # the optional extra (see above)

    return sm_ec.generate_private_key(sm_ec.SM2())


def is_sm2_key(key: Any) -> bool:
    """Whether `key` (private or public) is an SM2 key: Tongsuo's keys name their curve SM2."""
    return getattr(getattr(key, "curve", None), "name", None) == "SM2"


def sm3(data: bytes) -> bytes:
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


@lru_cache(maxsize=256)
def _z(distid: bytes, x: int, y: int) -> bytes:
    entl = (len(distid) * 8).to_bytes(2, "big")
    return sm3(entl + distid + b"".join(v.to_bytes(32, "big") for v in (_A, _B, _GX, _GY, x, y)))


def digest(public_key: Any, message: bytes, distid: str = DEFAULT_ID) -> bytes:
    """e = SM3(Z_A ‖ M) for `public_key` under `distid` (GB/T 32918.2 §6.1, steps A1–A2)."""
    numbers = public_key.public_numbers()
    return sm3(_z(distid.encode(), numbers.x, numbers.y) + message)


def sign_digest(private_key: Any, e: bytes) -> bytes:
    """DER SM2 signature of the digest e (Tongsuo's EVP_PKEY_sign on an SM2 key signs e as given)."""
    backend = tongsuo()
    lib, ffi = backend._lib, backend._ffi
    ctx = ffi.gc(lib.EVP_PKEY_CTX_new(private_key._evp_pkey, ffi.NULL), lib.EVP_PKEY_CTX_free)
    size = ffi.new("size_t *")
    if lib.EVP_PKEY_sign_init(ctx) != 1 or lib.EVP_PKEY_sign(ctx, ffi.NULL, size, e, len(e)) != 1:
        backend._consume_errors()
        raise ValueError("Tongsuo refused to sign with this key")
    out = ffi.new("unsigned char[]", size[0])
    if lib.EVP_PKEY_sign(ctx, out, size, e, len(e)) != 1:
        backend._consume_errors()
        raise ValueError("Tongsuo failed to sign")
    return bytes(ffi.buffer(out)[: size[0]])


def verify_digest(public_key: Any, signature_der: bytes, e: bytes) -> bool:
    backend = tongsuo()
    lib, ffi = backend._lib, backend._ffi
    ctx = ffi.gc(lib.EVP_PKEY_CTX_new(public_key._evp_pkey, ffi.NULL), lib.EVP_PKEY_CTX_free)
    if lib.EVP_PKEY_verify_init(ctx) != 1:
        backend._consume_errors()
        return False
    ok = lib.EVP_PKEY_verify(ctx, signature_der, len(signature_der), e, len(e)) == 1
    backend._consume_errors()
    return ok


def signed_message(timestamp: str, message_id: str, target: str, body: bytes) -> bytes:
    return f"{timestamp}\n{message_id}\n{target}\n".encode() + body


class Sm2Signer:
    profile = "sm2-sm3"

    def __init__(
        self,
        private_key: Any,
        key_id: str,
        *,
        distid: str = DEFAULT_ID,
        der: bool = True,
        encoding: str = "base64",
        hex_case: HexCase = "lower",
    ) -> None:
        tongsuo()
        self._key, self.key_id, self.distid, self.der, self.encoding = private_key, key_id, distid, der, encoding
        self.hex_case = hex_case
        numbers = private_key.public_key().public_numbers()
        self._z = _z(distid.encode(), numbers.x, numbers.y)  # Z_A depends only on the key and the ID: once

    def __repr__(self) -> str:
        return f"Sm2Signer(key_id={self.key_id!r}, distid={self.distid!r})"

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        timestamp = str(int(at.timestamp()))
        e = sm3(self._z + signed_message(timestamp, message_id, target, body))
        signature = sign_digest(self._key, e)
        if not self.der:
            r, s = decode_dss_signature(signature)
            signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        text = hexencode(signature, self.hex_case) if self.encoding == "hex" else _b64(signature)
        return {"X-Key-Id": self.key_id, "X-Timestamp": timestamp, "X-Nonce": message_id, "X-Signature": text}


class Sm2Verifier:
    profile = "sm2-sm3"

    def __init__(
        self,
        keys: Mapping[str, PublicKeyEntry],
        *,
        distid: str = DEFAULT_ID,
        der: bool = True,
        encoding: str = "base64",
        hex_case: HexCase = "lower",
    ) -> None:
        tongsuo()
        self._keys, self.distid, self.der, self.encoding = dict(keys), distid, der, encoding
        self.hex_case = hex_case

    def trusting(self, entry: PublicKeyEntry) -> "Sm2Verifier":
        """A verifier that also trusts `entry` (a counterpart given our new key during a rotation)."""
        keys = {**self._keys, entry.key_id: entry}
        return Sm2Verifier(keys, distid=self.distid, der=self.der, encoding=self.encoding)

    def verify(self, body: bytes, headers: Mapping[str, str], *, target: str = "") -> Verified:
        entry = lookup(self._keys, header(headers, "X-Key-Id"))
        timestamp, message_id = header(headers, "X-Timestamp"), header(headers, "X-Nonce")
        issued = signed_time(timestamp, "X-Timestamp")
        raw = self._decode(header(headers, "X-Signature"))
        e = digest(entry.key, signed_message(timestamp, message_id, target, body), self.distid)
        if not verify_digest(entry.key, raw, e):
            raise SignatureInvalid(SignatureInvalid.MISMATCH, f"body does not match key {entry.key_id!r}")
        return Verified(entry.key_id, message_id, issued)

    def _decode(self, text: str) -> bytes:
        if self.encoding == "hex":
            raw = hexdecode(text, "X-Signature", case=self.hex_case)
        else:
            raw = b64decode(text, "X-Signature")
        if self.der:
            return raw
        if len(raw) != 64:
            raise SignatureInvalid(SignatureInvalid.MALFORMED, f"a raw SM2 signature has 64 bytes, not {len(raw)}")
        return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
