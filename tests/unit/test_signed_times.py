"""Every signed time of every profile: a bad one is refused with a reason, never a ValueError or OverflowError.

Each message below carries a genuine signature over its bad time (tests/support/raw_signatures.py), so the refusal is
about the time itself; a well-formed time under the same signer passes, which proves the signing is right.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from tongsuopy.crypto.asymciphers import ec as sm_ec

from signing.base import MessageVerifier, PublicKeyEntry, check, signed_time
from signing.errors import SignatureInvalid
from signing.hmac_appkey import HmacVerifier
from signing.jws import JwsVerifier
from signing.sm2 import Sm2Verifier
from signing.webhooks import WebhookVerifier
from tests.support import raw_signatures as raw

BODY = b'{"xxbh":"M-1","xxlx":"PQ"}'
SECONDS = 1764500000  # 2025-11-30T10:53:20Z
NOW = datetime(2025, 11, 30, 10, 53, 20, tzinfo=UTC)
TARGET = "POST https://court.example/api/v1/messages"

Sign = Callable[[str | None], dict[str, str]]  # the signed time, as its raw wire text → signature headers


@dataclass(frozen=True)
class RawProfile:
    name: str
    make: Callable[[], tuple[Sign, MessageVerifier]]
    millis: bool = False  # hmac-appkey's X-Timestamp is in milliseconds


def _jws() -> tuple[Sign, MessageVerifier]:
    key = Ed25519PrivateKey.generate()
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    return (lambda t: raw.jws(key, "k1", BODY, t, nonce="n-1", target=TARGET)), verifier


def _sm2() -> tuple[Sign, MessageVerifier]:
    key = sm_ec.generate_private_key(sm_ec.SM2())
    verifier = Sm2Verifier({"k1": PublicKeyEntry("k1", key.public_key(), "SM2")})
    return (lambda t: raw.sm2(key, "k1", BODY, t, nonce="n-1", target=TARGET)), verifier


def _hmac(method: str) -> Callable[[], tuple[Sign, MessageVerifier]]:
    def make() -> tuple[Sign, MessageVerifier]:
        verifier = HmacVerifier({"app": PublicKeyEntry("app", b"s" * 32, method)})
        return (
            lambda t: raw.hmac_appkey("app", b"s" * 32, BODY, t, nonce="n-1", target=TARGET, method=method)
        ), verifier

    return make


def _webhook_v1() -> tuple[Sign, MessageVerifier]:
    verifier = WebhookVerifier({"k1": PublicKeyEntry("k1", b"s" * 24, "v1")})
    return (lambda t: raw.webhook(b"s" * 24, BODY, t, nonce="msg_1")), verifier


def _webhook_v1a() -> tuple[Sign, MessageVerifier]:
    key = Ed25519PrivateKey.generate()
    verifier = WebhookVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "v1a")})
    return (lambda t: raw.webhook(key, BODY, t, nonce="msg_1")), verifier


HEADER_PROFILES = [
    RawProfile("sm2-sm3 X-Timestamp", _sm2),
    RawProfile("hmac-appkey HMAC-SHA256 X-Timestamp", _hmac("HMAC-SHA256"), millis=True),
    RawProfile("hmac-appkey HMAC-SM3 X-Timestamp", _hmac("HMAC-SM3"), millis=True),
    RawProfile("standard-webhooks v1 webhook-timestamp", _webhook_v1),
    RawProfile("standard-webhooks v1a webhook-timestamp", _webhook_v1a),
]

# Header times are text: (kind, value in the profile's unit → the text sent, the reason it is refused with).
HEADER_KINDS: list[tuple[str, Callable[[str], str], str]] = [
    ("a thousand times too large (ms for s, µs for ms)", lambda t: t + "000", "future"),
    ("25 digits", lambda t: "9" * 25, "future"),
    ("5,000 digits (beyond int()'s limit)", lambda t: "9" * 5000, "future"),
    ("a thousand times too small (s for ms, or 1970)", lambda t: t[:-3], "stale"),
    ("zero", lambda t: "0", "stale"),
    ("negative", lambda t: "-" + t, "malformed_signature"),
    ("with a fraction", lambda t: t + ".5", "malformed_signature"),
    ("with an exponent", lambda t: t[:5] + "e" + str(len(t) - 5), "malformed_signature"),
    ("space-padded", lambda t: " " + t, "malformed_signature"),
    ("hexadecimal", lambda t: hex(int(t)), "malformed_signature"),
    (
        "Arabic-Indic digits (int() reads them)",
        lambda t: t.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")),
        "malformed_signature",
    ),
    (
        "full-width digits",
        lambda t: t.translate(str.maketrans("0123456789", "０１２３４５６７８９")),
        "malformed_signature",
    ),
    (
        "superscript digits (isdigit() yet not int())",
        lambda t: t.translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")),
        "malformed_signature",
    ),
]

# A JWS iat is a JSON member: (kind, its JSON text, the reason it is refused with).
JWS_KINDS: list[tuple[str, str, str]] = [
    ("milliseconds", str(SECONDS * 1000), "future"),
    ("microseconds", str(SECONDS * 1000**2), "future"),
    ("25 digits", "9" * 25, "future"),
    ("5,000 digits (beyond the JSON reader's limit)", "9" * 5000, "malformed_signature"),
    ("an exponent that overflows to infinity", "1e400", "malformed_signature"),
    ("Infinity", "Infinity", "malformed_signature"),
    ("NaN", "NaN", "malformed_signature"),
    ("negative", f"-{SECONDS}", "malformed_signature"),
    ("a string of digits", f'"{SECONDS}"', "malformed_signature"),
    ("a boolean", "true", "malformed_signature"),
    ("null", "null", "malformed_signature"),
    ("an array", f"[{SECONDS}]", "malformed_signature"),
    ("seconds of 1970", str(SECONDS // 1000), "stale"),
]


def _refusal(verifier: MessageVerifier, headers: dict[str, str]) -> SignatureInvalid:
    with pytest.raises(SignatureInvalid) as caught:  # nothing else: no ValueError, no OverflowError
        check(verifier, BODY, headers, now=NOW, target=TARGET)
    return caught.value


@pytest.mark.parametrize("profile", HEADER_PROFILES, ids=lambda p: p.name)
@pytest.mark.parametrize(("kind", "spoil", "reason"), HEADER_KINDS, ids=[k[0] for k in HEADER_KINDS])
def test_a_bad_signed_header_time_is_refused_with_its_reason(
    profile: RawProfile, kind: str, spoil: Callable[[str], str], reason: str
) -> None:
    """A genuinely signed but bad X-Timestamp / webhook-timestamp is refused as future, stale or malformed."""
    sign, verifier = profile.make()
    good = str(SECONDS * 1000 if profile.millis else SECONDS)
    assert check(verifier, BODY, sign(good), now=NOW, target=TARGET).issued_at == NOW
    assert _refusal(verifier, sign(spoil(good))).reason == reason


@pytest.mark.parametrize(("kind", "iat", "reason"), JWS_KINDS, ids=[k[0] for k in JWS_KINDS])
def test_a_bad_jws_iat_is_refused_with_its_reason(kind: str, iat: str, reason: str) -> None:
    """A genuinely signed JWS whose iat is in milliseconds, out of range or not a number is refused with a reason."""
    sign, verifier = _jws()
    assert check(verifier, BODY, sign(str(SECONDS)), now=NOW, target=TARGET).issued_at == NOW
    assert _refusal(verifier, sign(iat)).reason == reason


def test_a_millisecond_iat_names_the_likely_mistake() -> None:
    """The refusal of a millisecond iat says what is wrong with it, so the court's engineers can fix it."""
    sign, verifier = _jws()
    refusal = _refusal(verifier, sign(str(SECONDS * 1000)))
    assert "iat" in refusal.detail and "milliseconds where seconds are agreed" in refusal.detail


def test_a_fractional_jws_iat_is_a_time() -> None:
    """RFC 7519 §2 NumericDate may carry a fraction: 1764500000.5 is half a second after NOW."""
    sign, verifier = _jws()
    verified = check(verifier, BODY, sign(f"{SECONDS}.5"), now=NOW, target=TARGET)
    assert verified.issued_at == NOW + timedelta(milliseconds=500)


def test_a_jws_without_iat_has_no_signed_time() -> None:
    """An absent iat is no time rather than a bad one: verified without one, and a request without one is unsigned."""
    key = Ed25519PrivateKey.generate()
    verifier = JwsVerifier({"k1": PublicKeyEntry("k1", key.public_key(), "EdDSA")})
    headers = raw.jws(key, "k1", BODY, None, nonce="n-1", target=TARGET)
    assert verifier.verify(BODY, headers, target=TARGET).issued_at is None
    assert _refusal(verifier, headers).reason == "unsigned"


@pytest.mark.parametrize(
    ("value", "millis", "expected"),
    [
        ("1764500000", False, NOW),
        ("1764500000000", True, NOW),
        ("0001764500000", False, NOW),  # leading zeros: the same number (the exact text is what was signed)
        (SECONDS, False, NOW),
        (float(SECONDS), False, NOW),
        ("253402300799", False, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),  # the last representable second
    ],
)
def test_signed_time_reads_unix_time_in_the_profiles_unit(value: object, millis: bool, expected: datetime) -> None:
    """Seconds, or milliseconds where the profile says so, as an aware UTC time."""
    assert signed_time(value, "t", millis=millis) == expected


@pytest.mark.parametrize(
    ("value", "millis", "reason"),
    [("253402300800", False, "future"), ("253402300800000", True, "future"), (-1, False, "malformed_signature")],
)
def test_signed_time_refuses_what_no_calendar_holds(value: object, millis: bool, reason: str) -> None:
    """One second past 9999-12-31 is future; a negative time is malformed."""
    with pytest.raises(SignatureInvalid) as caught:
        signed_time(value, "t", millis=millis)
    assert caught.value.reason == reason
