"""JwsSigner writes its protected header piece by piece: the same bytes as json.dumps of the whole header (the way
it was written before), for every algorithm and for key ids, message ids, times and targets of every kind."""

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from signing.base import PublicKeyEntry, b64decode, b64url
from signing.jws import HEADER, JwsSigner, JwsVerifier

KEYS = {
    "EdDSA": ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))),
    "ES256": ec.generate_private_key(ec.SECP256R1()),
    "PS256": rsa.generate_private_key(65537, 2048),
}
KEY_IDS = ["centre-2026-01", "中心-密钥", 'quote"back\\slash', "", "tab\there", "\u2028"]
MESSAGE_IDS = ["0123456789abcdef0123456789abcdef", "M-调解-1", 'a"b', "ctl\x01\x1f\x7f", "\ud800", ""]
TARGETS = [
    "POST https://court.test:8443/base/api/v1/messages",
    "GET http://127.0.0.1:5555/api/v1/feeds/dispatches?cursor=0&limit=100",
    "GET https://法院.test/api/v1/cases/%282026%29%E4%BA%AC",
    "",
]
TIMES = [
    datetime(2026, 12, 1, 15, 32, 53, 999999, tzinfo=UTC),
    datetime(1969, 12, 31, 23, 59, 58, 500000, tzinfo=UTC),
    datetime(2026, 12, 1, 8, 0, tzinfo=timezone(timedelta(hours=8))),
]


def _as_before(signer: JwsSigner, message_id: str, at: datetime, target: str) -> str:
    """The protected header as JwsSigner wrote it before: one dict, json.dumps'd."""
    protected: dict[str, Any] = {
        "alg": signer.algorithm,
        "b64": False,
        "crit": ["b64"],
        "kid": signer.key_id,
        "msgid": message_id,
        "iat": int(at.timestamp()),
    }
    if target:
        protected["tgt"] = target
    return b64url(json.dumps(protected, separators=(",", ":")).encode())


@pytest.mark.parametrize("alg", sorted(KEYS))
@pytest.mark.parametrize("key_id", KEY_IDS)
def test_the_protected_header_is_the_one_json_dumps_writes(alg: str, key_id: str) -> None:
    signer = JwsSigner(KEYS[alg], key_id)
    verifier = JwsVerifier({key_id: PublicKeyEntry(key_id, KEYS[alg].public_key(), alg)})
    body = '{"xxbh":"M-1","nr":"调解"}'.encode()
    for message_id in MESSAGE_IDS:
        for at in TIMES:
            for target in TARGETS:
                token = signer.sign(body, message_id=message_id, at=at, target=target)[HEADER]
                assert token.split("..")[0] == _as_before(signer, message_id, at, target)
                # a lone surrogate cannot be read back as UTF-8 text; a time before 1970 is refused as an iat
                if "\ud800" not in message_id and at.year > 1970:
                    assert verifier.verify(body, {HEADER: token}, target=target).message_id == message_id


def test_an_ed25519_signature_header_is_byte_for_byte_the_same() -> None:
    """Ed25519 is deterministic: the whole header, signature included, is what the dict-built header signed."""
    signer = JwsSigner(KEYS["EdDSA"], "centre-2026-01")
    at, target, body = TIMES[0], TARGETS[0], b'{"a":1}'
    encoded = _as_before(signer, "n-1", at, target)
    signature = KEYS["EdDSA"].sign(encoded.encode() + b"." + body)
    assert signer.sign(body, message_id="n-1", at=at, target=target) == {HEADER: f"{encoded}..{b64url(signature)}"}


def test_a_key_id_changed_after_signing_is_the_one_signed_next() -> None:
    signer = JwsSigner(KEYS["EdDSA"], "old")
    signer.sign(b"x", message_id="m", at=TIMES[0])
    signer.key_id = "new"
    token = signer.sign(b"x", message_id="m", at=TIMES[0])[HEADER]
    assert json.loads(b64decode(token.split(".")[0], "h", urlsafe=True))["kid"] == "new"
