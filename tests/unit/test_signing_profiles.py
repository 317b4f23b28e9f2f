"""Every signature profile: round trip, and each way a signature can be wrong is refused with its reason."""

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tongsuopy.crypto.asymciphers import ec as sm_ec

from signing.base import MemoryReplayGuard, MessageSigner, MessageVerifier, PublicKeyEntry, check
from signing.errors import SignatureInvalid
from signing.hmac_appkey import HmacSigner, HmacVerifier
from signing.jws import HEADER, JwsSigner, JwsVerifier
from signing.sm2 import Sm2Signer, Sm2Verifier
from signing.webhooks import WebhookSigner, WebhookVerifier

BODY = '{"xxbh":"M-1","xxlx":"JZ","nr":{"bz":"已受理"}}'.encode()
NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
TARGET = "POST /api/v1/messages"


@dataclass
class Profile:
    name: str
    make: Callable[[], tuple[MessageSigner, Any, Any]]  # signer, the key entry the verifier holds, a stranger signer
    verifier: Callable[[dict[str, PublicKeyEntry]], MessageVerifier]
    signature_header: str
    names_its_key: bool = True  # webhooks carry no key id: a wrong key is a plain mismatch
    binds_target: bool = True


def _asymmetric(make_key: Callable[[], Any], signer: Callable[[Any, str], MessageSigner], alg: str):
    def make() -> tuple[MessageSigner, PublicKeyEntry, MessageSigner]:
        key, stranger = make_key(), make_key()
        return signer(key, "k1"), PublicKeyEntry("k1", key.public_key(), alg), signer(stranger, "k1")

    return make


def _hmac(method: str):
    def make() -> tuple[MessageSigner, PublicKeyEntry, MessageSigner]:
        return (
            HmacSigner("k1", b"s" * 32, method),
            PublicKeyEntry("k1", b"s" * 32, method),
            HmacSigner("k1", b"t" * 32, method),
        )

    return make


def _webhook_v1() -> tuple[MessageSigner, PublicKeyEntry, MessageSigner]:
    return WebhookSigner([b"s" * 24]), PublicKeyEntry("k1", b"s" * 24, "v1"), WebhookSigner([b"t" * 24])


def _webhook_v1a() -> tuple[MessageSigner, PublicKeyEntry, MessageSigner]:
    key = Ed25519PrivateKey.generate()
    return (
        WebhookSigner([key]),
        PublicKeyEntry("k1", key.public_key(), "v1a"),
        WebhookSigner([Ed25519PrivateKey.generate()]),
    )


def _sm2_key() -> Any:
    return sm_ec.generate_private_key(sm_ec.SM2())


PROFILES = [
    Profile("jws-EdDSA", _asymmetric(Ed25519PrivateKey.generate, JwsSigner, "EdDSA"), JwsVerifier, HEADER),
    Profile(
        "jws-ES256",
        _asymmetric(lambda: ec.generate_private_key(ec.SECP256R1()), JwsSigner, "ES256"),
        JwsVerifier,
        HEADER,
    ),
    Profile(
        "jws-PS256", _asymmetric(lambda: rsa.generate_private_key(65537, 2048), JwsSigner, "PS256"), JwsVerifier, HEADER
    ),
    Profile("sm2-sm3", _asymmetric(_sm2_key, Sm2Signer, "SM2"), Sm2Verifier, "X-Signature"),
    Profile(
        "sm2-sm3-raw-hex",
        _asymmetric(_sm2_key, lambda k, i: Sm2Signer(k, i, der=False, encoding="hex"), "SM2"),
        lambda keys: Sm2Verifier(keys, der=False, encoding="hex"),
        "X-Signature",
    ),
    Profile("hmac-sha256", _hmac("HMAC-SHA256"), HmacVerifier, "X-Signature"),
    Profile("hmac-sm3", _hmac("HMAC-SM3"), HmacVerifier, "X-Signature"),
    Profile("webhooks-v1", _webhook_v1, WebhookVerifier, "webhook-signature", names_its_key=False, binds_target=False),
    Profile(
        "webhooks-v1a", _webhook_v1a, WebhookVerifier, "webhook-signature", names_its_key=False, binds_target=False
    ),
]


@pytest.fixture(params=PROFILES, ids=lambda p: p.name)
def profile(request: pytest.FixtureRequest) -> Profile:
    return request.param  # type: ignore[no-any-return]


def _reason(call: Callable[[], object]) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        call()
    return caught.value.reason


def test_a_signed_message_verifies_with_its_key_id_message_id_and_time(profile: Profile) -> None:
    """The verifier reports who signed, the signed message id and the signed time."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    verified = profile.verifier({"k1": entry}).verify(BODY, headers, target=TARGET)
    assert verified.key_id == "k1" and verified.message_id == "M-1"
    assert verified.issued_at is not None and abs(verified.issued_at - NOW) < timedelta(seconds=1)


def test_a_tampered_body_is_a_mismatch(profile: Profile) -> None:
    """One changed byte in the body fails verification."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    tampered = BODY.replace(b"JZ", b"JG")
    assert _reason(lambda: profile.verifier({"k1": entry}).verify(tampered, headers, target=TARGET)) == "bad_signature"


def test_a_signature_by_the_wrong_key_is_a_mismatch(profile: Profile) -> None:
    """A stranger's key under the right key id does not verify."""
    _, entry, stranger = profile.make()
    headers = stranger.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    assert _reason(lambda: profile.verifier({"k1": entry}).verify(BODY, headers, target=TARGET)) == "bad_signature"


def test_an_unknown_key_id_is_refused(profile: Profile) -> None:
    """A key id the verifier was not given is unknown (webhooks, which name no key, find no match)."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    other = (
        PublicKeyEntry("k2", entry.key, entry.algorithm)
        if profile.names_its_key
        else PublicKeyEntry("k2", b"x" * 24, entry.algorithm)
    )
    expected = "unknown_key" if profile.names_its_key else "bad_signature"
    assert _reason(lambda: profile.verifier({"k2": other}).verify(BODY, headers, target=TARGET)) == expected


def test_a_revoked_key_is_refused_by_name(profile: Profile) -> None:
    """A revoked key no longer verifies, and the refusal says it was revoked."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    revoked = PublicKeyEntry(entry.key_id, entry.key, entry.algorithm, revoked=True)
    expected = "revoked_key" if profile.names_its_key else "bad_signature"
    assert _reason(lambda: profile.verifier({"k1": revoked}).verify(BODY, headers, target=TARGET)) == expected


def test_a_truncated_signature_is_refused(profile: Profile) -> None:
    """Cutting the signature short is malformed or a mismatch, never accepted."""
    signer, entry, _ = profile.make()
    headers = dict(signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET))
    headers[profile.signature_header] = headers[profile.signature_header][:-8]
    reason = _reason(lambda: profile.verifier({"k1": entry}).verify(BODY, headers, target=TARGET))
    assert reason in ("malformed_signature", "bad_signature")


def test_missing_signature_headers_are_unsigned(profile: Profile) -> None:
    """A message without the profile's headers is unsigned."""
    _, entry, _ = profile.make()
    assert _reason(lambda: profile.verifier({"k1": entry}).verify(BODY, {}, target=TARGET)) == "unsigned"


@pytest.mark.parametrize("profile", [p for p in PROFILES if p.binds_target], ids=lambda p: p.name)
def test_a_signature_is_not_valid_for_another_request(profile: Profile) -> None:
    """A request signature bound to one target fails on another path (webhook events have no target)."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    moved = "POST /api/v1/cases/status"
    assert _reason(lambda: profile.verifier({"k1": entry}).verify(BODY, headers, target=moved)) == "bad_signature"


@pytest.mark.parametrize(("offset", "reason"), [(timedelta(seconds=-301), "stale"), (timedelta(seconds=301), "future")])
def test_a_timestamp_outside_the_window_is_refused(profile: Profile, offset: timedelta, reason: str) -> None:
    """Signed five minutes and a second away from the receiver's clock: stale or future."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW + offset, target=TARGET)
    verifier = profile.verifier({"k1": entry})
    assert _reason(lambda: check(verifier, BODY, headers, now=NOW, target=TARGET)) == reason
    check(
        verifier, BODY, signer.sign(BODY, message_id="M-2", at=NOW + offset / 2, target=TARGET), now=NOW, target=TARGET
    )  # inside the window it passes


def test_a_replayed_message_id_is_refused(profile: Profile) -> None:
    """The same signed request twice: the second is a replay."""
    signer, entry, _ = profile.make()
    headers = signer.sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    verifier, guard = profile.verifier({"k1": entry}), MemoryReplayGuard()
    check(verifier, BODY, headers, now=NOW, target=TARGET, replay=guard, scope="court")
    assert (
        _reason(lambda: check(verifier, BODY, headers, now=NOW, target=TARGET, replay=guard, scope="court"))
        == "replayed"
    )


# ---- profile-specific attacks


def _jws_with(header: dict[str, Any], key: Any, sign: Callable[[bytes], bytes]) -> dict[str, str]:
    from signing.base import b64url
    from signing.jws import signing_input

    encoded = b64url(json.dumps(header).encode())
    return {HEADER: f"{encoded}..{b64url(sign(signing_input(encoded, BODY)))}"}


def test_jws_alg_none_is_refused() -> None:
    """An unsigned JWS (alg: none) is a bad algorithm, whatever else it says."""
    key = Ed25519PrivateKey.generate()
    headers = _jws_with({"alg": "none", "b64": False, "crit": ["b64"], "kid": "k1"}, key, lambda _: b"")
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    assert _reason(lambda: verifier.verify(BODY, headers)) == "bad_algorithm"


def test_jws_hmac_keyed_with_the_public_key_is_refused() -> None:
    """The classic confusion — HS256 with our public key as the secret — is refused before any MAC is checked."""
    key = ec.generate_private_key(ec.SECP256R1())
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    headers = _jws_with(
        {"alg": "HS256", "b64": False, "crit": ["b64"], "kid": "k1"},
        key,
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "ES256")})
    assert _reason(lambda: verifier.verify(BODY, headers)) == "bad_algorithm"


def test_jws_alg_that_does_not_match_the_key_is_refused() -> None:
    """A PS256 header against an ES256 key is refused: the key decides the algorithm."""
    key = ec.generate_private_key(ec.SECP256R1())
    headers = _jws_with({"alg": "PS256", "b64": False, "crit": ["b64"], "kid": "k1"}, key, lambda _: b"x" * 256)
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "ES256")})
    assert _reason(lambda: verifier.verify(BODY, headers)) == "bad_algorithm"


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "EdDSA", "kid": "k1"},  # b64 defaults to true: the payload would be base64url-encoded
        {"alg": "EdDSA", "b64": False, "kid": "k1"},  # b64 false must be listed in crit (RFC 7797 §6)
        {"alg": "EdDSA", "b64": False, "crit": ["b64", "exp"], "kid": "k1"},  # an unknown critical parameter
    ],
)
def test_jws_without_the_rfc7797_unencoded_payload_contract_is_refused(header: dict[str, Any]) -> None:
    """Only b64: false with crit: ["b64"] is accepted."""
    key = Ed25519PrivateKey.generate()
    headers = _jws_with(header, key, key.sign)
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    assert _reason(lambda: verifier.verify(BODY, headers)) == "malformed_signature"


def test_sm2_with_the_wrong_distinguishing_id_is_a_mismatch() -> None:
    """The distinguishing ID is part of Z_A: a court configured with another ID cannot verify."""
    key = _sm2_key()
    headers = Sm2Signer(key, "k1", distid="court-A").sign(BODY, message_id="M-1", at=NOW)
    entry = {"k1": PublicKeyEntry("k1", key.public_key(), "SM2")}
    assert _reason(lambda: Sm2Verifier(entry).verify(BODY, headers)) == "bad_signature"
    assert Sm2Verifier(entry, distid="court-A").verify(BODY, headers).key_id == "k1"


def test_hmac_verifier_refuses_a_public_key_as_its_secret() -> None:
    """An HMAC 'secret' must be bytes from configuration, never a public key object."""
    key = Ed25519PrivateKey.generate()
    with pytest.raises(ValueError, match="must be bytes"):
        HmacVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "HMAC-SHA256")})


def test_hmac_method_must_be_the_app_keys_method() -> None:
    """An app key configured for HMAC-SM3 refuses an HMAC-SHA256 signature."""
    headers = HmacSigner("k1", b"s" * 32, "HMAC-SHA256").sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    verifier = HmacVerifier({"k1": PublicKeyEntry("k1", b"s" * 32, "HMAC-SM3")})
    assert _reason(lambda: verifier.verify(BODY, headers, target=TARGET)) == "bad_algorithm"


def test_webhook_rotation_sends_every_signature_and_either_key_verifies() -> None:
    """During rotation the event carries one signature per key; a receiver holding only one key accepts it."""
    old, new = b"o" * 24, Ed25519PrivateKey.generate()
    headers = WebhookSigner([old, new]).sign(BODY, message_id="msg_1", at=NOW)
    assert [s.split(",")[0] for s in headers["webhook-signature"].split()] == ["v1", "v1a"]
    assert WebhookVerifier({"old": PublicKeyEntry("old", old, "v1")}).verify(BODY, headers).key_id == "old"
    assert (
        WebhookVerifier({"new": PublicKeyEntry("new", new.public_key(), "v1a")}).verify(BODY, headers).key_id == "new"
    )


def test_the_hmac_canonical_string_is_the_documented_one() -> None:
    """Sorted, RFC 3986-encoded query; app key, nonce and timestamp; the body's SHA-256 in hex."""
    from signing.hmac_appkey import canonical_string

    text = canonical_string(
        "GET /api/v1/feeds/dispatches?limit=100&cursor=a b", "app", "n1", "1700000000000", b"", "HMAC-SHA256"
    ).decode()
    assert text.split("\n") == [
        "GET",
        "/api/v1/feeds/dispatches",
        "cursor=a%20b&limit=100",
        "appKey=app&nonce=n1&timestamp=1700000000000",
        hashlib.sha256(b"").hexdigest(),
    ]


_B64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _flip_padding_bit(text: str) -> str:
    """A 64-byte signature is 86 base64url characters; the last one's lowest bit is padding: flip it."""
    last = _B64URL_ALPHABET.index(text[-1])
    return text[:-1] + _B64URL_ALPHABET[last ^ 1]


@pytest.mark.parametrize(
    "respell",
    [
        lambda s: s.replace("-", "+").replace("_", "/") if ("-" in s or "_" in s) else "+" + s[1:],  # other alphabet
        lambda s: s + "==",  # padding where base64url has none
        _flip_padding_bit,  # decodes to the very same bytes
    ],
    ids=["standard-alphabet", "padded", "padding-bit"],
)
def test_a_jws_signature_respelt_in_another_encoding_is_malformed(respell: Callable[[str], str]) -> None:
    """One byte string, one spelling: a re-encoded signature is refused even where it decodes to the same bytes."""
    key = Ed25519PrivateKey.generate()
    encoded, _, signature = JwsSigner(key, "k1").sign(BODY, message_id="M-1", at=NOW)[HEADER].split(".")
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    altered = respell(signature)
    assert altered != signature
    assert _reason(lambda: verifier.verify(BODY, {HEADER: f"{encoded}..{altered}"})) == "malformed_signature"


def test_hmac_signature_hex_must_be_lower_case_and_unspaced() -> None:
    """Upper-case or spaced hex is refused even though it decodes to the right MAC."""
    headers = dict(HmacSigner("k1", b"s" * 32).sign(BODY, message_id="M-1", at=NOW, target=TARGET))
    verifier = HmacVerifier({"k1": PublicKeyEntry("k1", b"s" * 32, "HMAC-SHA256")})
    for altered in (
        headers["X-Signature"].upper(),
        " ".join(headers["X-Signature"][i : i + 2] for i in range(0, 64, 2)),
    ):
        assert _reason(lambda a=altered: verifier.verify(BODY, {**headers, "X-Signature": a}, target=TARGET)) == (
            "malformed_signature"
        )


def test_a_request_signed_exactly_one_window_ago_is_stale() -> None:
    """At issued_at + window the request is refused: the replay guard may already have forgotten its id."""
    key = Ed25519PrivateKey.generate()
    headers = JwsSigner(key, "k1").sign(BODY, message_id="M-1", at=NOW, target=TARGET)
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    assert _reason(lambda: check(verifier, BODY, headers, now=NOW + timedelta(seconds=300), target=TARGET)) == "stale"
    check(verifier, BODY, headers, now=NOW + timedelta(seconds=299), target=TARGET)


def test_a_webhook_with_too_many_signatures_is_refused_before_any_verification() -> None:
    """Six offered signatures are refused outright, bounding the work one request can cause."""
    headers = dict(WebhookSigner([b"s" * 24]).sign(BODY, message_id="msg_1", at=NOW))
    headers["webhook-signature"] = " ".join([headers["webhook-signature"]] * 6)
    verifier = WebhookVerifier({"k": PublicKeyEntry("k", b"s" * 24, "v1")})
    assert _reason(lambda: verifier.verify(BODY, headers)) == "malformed_signature"


def test_key_material_never_appears_in_a_key_entry_repr() -> None:
    """An HMAC secret held by a verifier does not leak through repr (logs, tracebacks)."""
    assert "COURT-SECRET" not in repr(PublicKeyEntry("court", b"COURT-SECRET-123", "HMAC-SHA256"))


@pytest.mark.parametrize(
    "moved",
    [
        "GET https://court/api/v1/messages",
        "POST https://court/api/v1/messages?x=1",
        "POST https://other-court/api/v1/messages",
    ],
)
def test_a_request_signature_binds_method_query_and_host(moved: str) -> None:
    """Changing the method, adding a query or changing the host all break the signature."""
    key = Ed25519PrivateKey.generate()
    target = "POST https://court/api/v1/messages"
    headers = JwsSigner(key, "k1").sign(BODY, message_id="M-1", at=NOW, target=target)
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    assert _reason(lambda: verifier.verify(BODY, headers, target=moved)) == "bad_signature"
