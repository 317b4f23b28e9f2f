"""Hex in signatures: written and read in the case agreed with the court (`hex_case`) — one spelling per signature;
the other case is malformed, and the HMAC's signed body hash in the other case is a mismatch, not a silent pass."""

from datetime import UTC, datetime
from typing import Any

import pytest
from tongsuopy.crypto.asymciphers import ec as sm_ec

from signing.base import HexCase, PublicKeyEntry, hexdecode, hexencode
from signing.errors import SignatureInvalid
from signing.hmac_appkey import HmacSigner, HmacVerifier
from signing.sm2 import Sm2Signer, Sm2Verifier

AT = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
BODY, TARGET = '{"xxbh":"m1","xm":"张三"}'.encode(), "POST https://court.example/api/v1/messages"
SECRET = b"court-shared-secret-0123456789abcdef"


def _sm2(case: HexCase) -> tuple[Sm2Signer, Sm2Verifier]:
    key: Any = sm_ec.generate_private_key(sm_ec.SM2())
    keys = {"k1": PublicKeyEntry("k1", key.public_key(), "SM2")}
    return Sm2Signer(key, "k1", encoding="hex", hex_case=case), Sm2Verifier(keys, encoding="hex", hex_case=case)


def _hmac(case: HexCase, method: str = "HMAC-SHA256") -> tuple[HmacSigner, HmacVerifier]:
    keys = {"app1": PublicKeyEntry("app1", SECRET, method)}
    return HmacSigner("app1", SECRET, method, hex_case=case), HmacVerifier(keys, hex_case=case)


MAKERS = {"sm2-hex": _sm2, "hmac-sha256": _hmac, "hmac-sm3": lambda case: _hmac(case, "HMAC-SM3")}


@pytest.mark.parametrize("case", ["lower", "upper"])
@pytest.mark.parametrize("profile", sorted(MAKERS))
def test_the_agreed_case_is_written_and_read_and_the_other_refused(profile: str, case: HexCase) -> None:
    """The signature text is all in the agreed case and verifies; respelt in the other case it is malformed."""
    signer, verifier = MAKERS[profile](case)
    headers = signer.sign(BODY, message_id="n1", at=AT, target=TARGET)
    text = headers["X-Signature"]
    assert text == (text.upper() if case == "upper" else text.lower()) and any(c.isalpha() for c in text)
    assert verifier.verify(BODY, headers, target=TARGET).key_id == signer.key_id
    with pytest.raises(SignatureInvalid, match=f"{case}-case hex") as caught:
        verifier.verify(BODY, {**headers, "X-Signature": text.swapcase()}, target=TARGET)
    assert caught.value.reason == SignatureInvalid.MALFORMED


@pytest.mark.parametrize(("ours", "theirs"), [("lower", "upper"), ("upper", "lower")])
def test_an_hmac_body_hash_in_the_other_case_is_a_mismatch(ours: HexCase, theirs: HexCase) -> None:
    """The body hash's hex is inside the signed text: a court hashing in the other case must be configured so."""
    signer, _ = _hmac(theirs)
    _, verifier = _hmac(ours)
    headers = signer.sign(BODY, message_id="n1", at=AT, target=TARGET)
    text = headers["X-Signature"]  # the MAC itself written our way: only the signed body hash differs
    headers["X-Signature"] = text.upper() if ours == "upper" else text.lower()
    with pytest.raises(SignatureInvalid) as caught:
        verifier.verify(BODY, headers, target=TARGET)
    assert caught.value.reason == SignatureInvalid.MISMATCH


@pytest.mark.parametrize(
    ("text", "case", "ok"),
    [
        ("0a1b", "lower", True),
        ("0A1B", "upper", True),
        ("0A1B", "lower", False),
        ("0a1b", "upper", False),
        ("0a1B", "lower", False),
        ("0a1", "lower", False),
        ("0g", "lower", False),
        ("", "lower", False),
        ("０a", "lower", False),
        ("0a 1b", "lower", False),
    ],
)
def test_hex_is_the_agreed_case_and_whole_bytes(text: str, case: HexCase, ok: bool) -> None:
    """The other or mixed case, odd length, non-hex, spaces and full-width characters are malformed, naming the
    header; what is read writes back the same."""
    if ok:
        assert hexencode(hexdecode(text, "X-Signature", case=case), case) == text
    else:
        with pytest.raises(SignatureInvalid, match="X-Signature"):
            hexdecode(text, "X-Signature", case=case)
