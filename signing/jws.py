"""Profile `jws-detached`: RFC 7515 Appendix F detached JWS with RFC 7797 unencoded payload (b64: false).

Header `X-JWS-Signature: <BASE64URL(protected)>..<BASE64URL(signature)>`; signing input is
ASCII(BASE64URL(protected)) ‖ "." ‖ the exact body bytes. The protected header carries alg, kid, b64: false,
crit: ["b64"], the message id (`msgid`), the issue time (`iat`, seconds) and, for requests, the request target
(`tgt`: "METHOD <full URL>", so a request signed for one court is refused by every other).

Built on `cryptography` directly: the signing input is three lines, while joserfc needs a custom header
registry for msgid/iat; interoperability is proved against joserfc and jwcrypto in the tests.
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from signing.base import PublicKeyEntry, Verified, b64decode, b64url, header, lookup, signed_time
from signing.errors import SignatureInvalid

HEADER = "X-JWS-Signature"
ALGORITHMS = ("EdDSA", "ES256", "PS256")
_ED25519_ALIASES = {"EdDSA", "Ed25519"}  # RFC 8037 and its RFC 9864 successor name the same signature
_PSS = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)  # RFC 7518 §3.5: salt = hash length


def algorithm_of(key: Any) -> str:
    """The JWS algorithm a key signs with; the key decides, never a header (no algorithm confusion)."""
    if isinstance(key, ed25519.Ed25519PrivateKey | ed25519.Ed25519PublicKey):
        return "EdDSA"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1":
        return "ES256"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey) and key.key_size >= 2048:
        return "PS256"
    raise ValueError(f"{type(key).__name__} is not an Ed25519, P-256 or RSA ≥ 2048 key")


_UNSET = object()  # no header opening made yet (whatever the key id, even one that is not a str)


class JwsSigner:
    profile = "jws-detached"

    def __init__(self, private_key: Any, key_id: str) -> None:
        self._key = private_key
        self.key_id = key_id
        self.algorithm = algorithm_of(private_key)
        self._opening: tuple[object, str] = (_UNSET, "")  # (key id, the header's opening for it): _header_opening

    def __repr__(self) -> str:
        return f"JwsSigner(key_id={self.key_id!r}, algorithm={self.algorithm})"

    def sign(self, body: bytes, *, message_id: str, at: datetime, target: str = "") -> dict[str, str]:
        """{X-JWS-Signature: the detached JWS over `body`} whose protected header is, in this order, alg, b64
        (false), crit (["b64"]), kid, msgid (`message_id`), iat (`at` in whole seconds) and, when given, tgt
        (`target`: it binds method, path and query, so a signature cannot be moved to another request)."""
        opening = self._header_opening()
        header = f'{opening},"msgid":{json.dumps(message_id)},"iat":{json.dumps(int(at.timestamp()))}'
        if target:
            header += f',"tgt":{json.dumps(target)}'
        encoded = b64url((header + "}").encode())
        signature = signature_bytes(self._key, self.algorithm, signing_input(encoded, body))
        return {HEADER: f"{encoded}..{b64url(signature)}"}

    def _header_opening(self) -> str:
        """The protected header up to its per-signature members, the same for every signature with this key id:
        json.dumps of {alg, b64, crit, kid} without its closing brace. `sign` writes the rest as json.dumps would
        write the whole header (tests/unit/test_jws_header.py), without a dict and an encoder per request."""
        key_id, opening = self._opening
        if key_id is not self.key_id:  # made once (again if key_id were reassigned)
            fixed = {"alg": self.algorithm, "b64": False, "crit": ["b64"], "kid": self.key_id}
            opening = json.dumps(fixed, separators=(",", ":"))[:-1]
            self._opening = (self.key_id, opening)
        return opening


class JwsVerifier:
    profile = "jws-detached"

    def __init__(self, keys: Mapping[str, PublicKeyEntry]) -> None:
        self._keys = dict(keys)

    def trusting(self, entry: PublicKeyEntry) -> "JwsVerifier":
        """A verifier that also trusts `entry` (a counterpart given our new key during a rotation)."""
        return JwsVerifier({**self._keys, entry.key_id: entry})

    def verify(self, body: bytes, headers: Mapping[str, str], *, target: str = "") -> Verified:
        token = header(headers, HEADER)
        protected = protected_header(token)
        encoded, _, signature = token.split(".")
        alg = protected.get("alg")
        if alg not in (*ALGORITHMS, "Ed25519"):
            raise SignatureInvalid(SignatureInvalid.BAD_ALGORITHM, f"alg {alg!r} is not accepted")
        # RFC 7797 §6: b64=false must be understood, so it must be listed in crit; nothing else may be critical.
        if protected.get("b64") is not False or protected.get("crit") != ["b64"]:
            raise SignatureInvalid(SignatureInvalid.MALFORMED, 'expected "b64": false with "crit": ["b64"]')
        entry = lookup(self._keys, str(protected.get("kid", "")))
        if not _same_algorithm(entry.algorithm, alg):
            raise SignatureInvalid(SignatureInvalid.BAD_ALGORITHM, f"key {entry.key_id!r} does not sign with {alg}")
        raw = b64decode(signature, "JWS signature", urlsafe=True)
        try:
            _verify(entry.key, entry.algorithm, raw, signing_input(encoded, body))
        except (InvalidSignature, ValueError):
            raise SignatureInvalid(SignatureInvalid.MISMATCH, f"body does not match key {entry.key_id!r}") from None
        if target and protected.get("tgt") != target:
            raise SignatureInvalid(SignatureInvalid.MISMATCH, "the signature was made for another request")
        # Absent, it is no time (check() then refuses a request as unsigned); present, it must be a real one: a
        # JSON number (RFC 7519 §2 NumericDate), never a string of digits.
        iat = protected.get("iat")
        if isinstance(iat, str):
            raise SignatureInvalid(SignatureInvalid.MALFORMED, "iat is a string, not a JSON number of seconds")
        issued = signed_time(iat, "iat") if "iat" in protected else None
        msgid = protected.get("msgid")
        return Verified(entry.key_id, msgid if isinstance(msgid, str) else None, issued)


def protected_header(token: str) -> dict[str, Any]:
    """The decoded protected header of a detached compact JWS (`header..signature`), unverified."""
    parts = token.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "not a detached compact JWS (header..signature)")
    try:
        protected = json.loads(_json_text(b64decode(parts[0], "JWS header", urlsafe=True)))
    except ValueError:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "the JWS header is not JSON") from None
    if not isinstance(protected, dict):
        raise SignatureInvalid(SignatureInvalid.MALFORMED, "the JWS header is not a JSON object")
    return protected


def _json_text(raw: bytes) -> str | bytes:
    """`raw` as json.loads(bytes) would decode it: a header that opens with "{" and no NUL after it is UTF-8 to
    json's encoding detection (RFC 8259 §8.1), so it is decoded here without asking it; anything else is left to
    json.loads."""
    if raw[:1] == b"{" and raw[1:2] != b"\x00":
        return raw.decode("utf-8", "surrogatepass")
    return raw


def signing_input(encoded_header: str, body: bytes) -> bytes:
    """RFC 7797 §3: ASCII(BASE64URL(UTF8(JWS Protected Header))) ‖ "." ‖ JWS Payload, the payload unencoded."""
    return encoded_header.encode("ascii") + b"." + body


def _same_algorithm(key_alg: str, header_alg: str) -> bool:
    return key_alg == header_alg or {key_alg, header_alg} <= _ED25519_ALIASES


def signature_bytes(key: Any, alg: str, data: bytes) -> bytes:
    """The JWS signature of `data` (the signing input) under `alg`, in JWS's raw form. JwsSigner signs with it;
    public so that a test can sign a header the signer would never write (tests/support/raw_signatures.py)."""
    if alg == "EdDSA":
        return key.sign(data)
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")  # JWS wants raw r ‖ s, not DER (RFC 7518 §3.4)
    return key.sign(data, _PSS, hashes.SHA256())


def _verify(key: Any, alg: str, signature: bytes, data: bytes) -> None:
    if alg == "EdDSA":
        key.verify(signature, data)
    elif alg == "ES256":
        if len(signature) != 64:
            raise InvalidSignature
        r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        key.verify(encode_dss_signature(r, s), data, ec.ECDSA(hashes.SHA256()))
    else:
        key.verify(signature, data, _PSS, hashes.SHA256())
