"""Test helper: genuine signatures under each profile over a signed time given as raw text — a millisecond `iat`,
a negative or 5,000-digit X-Timestamp — which the real signers, taking a datetime, can never produce."""

import base64
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from signing.base import b64url
from signing.hmac_appkey import canonical_string, mac
from signing.jws import HEADER, algorithm_of, signature_bytes, signing_input
from signing.sm2 import digest, sign_digest, signed_message


def jws(key: Any, kid: str, body: bytes, iat_json: str | None, *, nonce: str, target: str = "") -> dict[str, str]:
    """`iat_json` is the JSON text of the iat member as it goes on the wire (`1764500000000`, `"17"`, `NaN`);
    None leaves iat out."""
    alg = algorithm_of(key)
    members = {"alg": alg, "b64": False, "crit": ["b64"], "kid": kid, "msgid": nonce}
    if target:
        members["tgt"] = target
    protected = json.dumps(members, separators=(",", ":"))
    if iat_json is not None:
        protected = protected[:-1] + f',"iat":{iat_json}}}'
    encoded = b64url(protected.encode())
    return {HEADER: f"{encoded}..{b64url(signature_bytes(key, alg, signing_input(encoded, body)))}"}


def sm2(key: Any, kid: str, body: bytes, timestamp: str, *, nonce: str, target: str = "") -> dict[str, str]:
    e = digest(key.public_key(), signed_message(timestamp, nonce, target, body))
    signature = base64.b64encode(sign_digest(key, e)).decode()
    return {"X-Key-Id": kid, "X-Timestamp": timestamp, "X-Nonce": nonce, "X-Signature": signature}


def hmac_appkey(
    app_key: str,
    secret: bytes,
    body: bytes,
    timestamp: str,
    *,
    nonce: str,
    target: str = "",
    method: str = "HMAC-SHA256",
) -> dict[str, str]:
    data = canonical_string(target, app_key, nonce, timestamp, body, method)
    return {
        "X-App-Key": app_key,
        "X-Timestamp": timestamp,
        "X-Nonce": nonce,
        "X-Signature-Method": method,
        "X-Signature": mac(secret, data, method).hex(),
    }


def webhook(key: bytes | Ed25519PrivateKey, body: bytes, timestamp: str, *, nonce: str) -> dict[str, str]:
    content = f"{nonce}.{timestamp}.".encode() + body
    if isinstance(key, bytes):
        signature = "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    else:
        signature = "v1a," + base64.b64encode(key.sign(content)).decode()
    return {"webhook-id": nonce, "webhook-timestamp": timestamp, "webhook-signature": signature}
