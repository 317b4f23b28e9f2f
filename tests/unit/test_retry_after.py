"""Retry-After (RFC 9110 §10.2.3): delta-seconds and all three HTTP-date forms (§5.6.7) honoured as UTC against an
injected clock; anything malformed is ignored, never an exception; both connectors carry it on a TransientError."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from connectors.court_soap import CourtSoapPlatform
from connectors.http import MAX_DELTA_SECONDS, retry_after
from connectors.odr_rest import OdrRestPlatform
from connectors.port import TransientError
from signing.jws import JwsSigner
from signing.wsse import WsseSigner, WsseVerifier
from tests.support import samples

NOW = datetime(2026, 11, 30, 8, 44, 33, tzinfo=UTC)  # a Monday
DAY = 86400.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        # the three HTTP-date forms, ten seconds ahead of NOW
        ("Mon, 30 Nov 2026 08:44:43 GMT", 10.0),  # IMF-fixdate
        ("Monday, 30-Nov-26 08:44:43 GMT", 10.0),  # obsolete RFC 850
        ("Mon Nov 30 08:44:43 2026", 10.0),  # asctime (the value)
        ("Tue Dec  1 08:44:33 2026", DAY),  # asctime pads a one-digit day with a space
        ("Tue, 01 Dec 2026 08:44:33 GMT", DAY),
        ("Tuesday, 01-Dec-26 08:44:33 GMT", DAY),
        ("Mon, 30 Nov 2026 23:59:60 GMT", (datetime(2026, 12, 1, tzinfo=UTC) - NOW).total_seconds()),  # leap second
        # a date in the past is "now"
        ("Sun, 06 Nov 1994 08:49:37 GMT", 0.0),
        ("Sunday, 06-Nov-94 08:49:37 GMT", 0.0),  # 94 is 1994: 2094 would be more than 50 years ahead
        ("Sun Nov  6 08:49:37 1994", 0.0),
        ("Wednesday, 30-Nov-77 08:44:33 GMT", 0.0),  # 2077 is 51 years ahead: 1977
        ("Monday, 30-Nov-76 08:44:33 GMT", 50 * 365 * DAY + 13 * DAY),  # 2076 is not more than 50 years ahead
        ("Mon, 30 Nov 2026 08:44:33 GMT", 0.0),
        # delta-seconds
        ("120", 120.0),
        ("  120\t", 120.0),
        ("0", 0.0),
        ("99999999999999999999", float(MAX_DELTA_SECONDS)),  # §1.2.2: too large to represent → 2^31
        ("9" * 5000, float(MAX_DELTA_SECONDS)),  # and never int()'s digit limit
    ],
)
def test_retry_after_reads_delta_seconds_and_every_http_date_form(value: str, seconds: float) -> None:
    """Each accepted form gives the seconds from the injected clock to the date it names (UTC)."""
    assert retry_after(value, now=NOW) == seconds


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "   ",
        "-5",  # negative
        "+5",
        "1.5",
        "soon",
        "١٢٠",  # Arabic-Indic digits: str.isdigit() says yes, delta-seconds says no
        "１２０",  # full-width digits
        "Mon, 30 Nov 2026 08:44:43 +0800",  # HTTP-date is always GMT
        "Mon, 30 Nov 2026 08:44:43 UTC",
        "Mon Nov 30 08:44:43 2026 GMT",  # asctime carries no zone
        "Mon, 31 Nov 2026 08:44:43 GMT",  # no 31 November
        "Mon, 30 Nov 2026 24:00:00 GMT",
        "Mon, 30 Nov 2026 08:61:00 GMT",
        "Xyz, 30 Nov 2026 08:44:43 GMT",
        "Mon, 30 Foo 2026 08:44:43 GMT",
        "2026-11-30T08:44:43Z",  # ISO 8601 is not an HTTP-date
        "Mon, 30 Nov 26 08:44:43 GMT",  # a two-digit year only in the RFC 850 form
        "Mon, 30 Nov 2026 08:44:43 GMT, 120",
    ],
)
def test_a_malformed_or_negative_retry_after_is_ignored_not_raised(value: str | None) -> None:
    """None: the caller's own backoff applies."""
    assert retry_after(value, now=NOW) is None


FORMS = {
    "asctime": "Mon Nov 30 08:44:43 2026",
    "imf-fixdate": "Mon, 30 Nov 2026 08:44:43 GMT",
    "rfc850": "Monday, 30-Nov-26 08:44:43 GMT",
    "delta-seconds": "10",
}


@pytest.mark.parametrize("form", FORMS)
def test_a_429_from_the_rest_connector_carries_the_date_as_retry_after(form: str) -> None:
    """The issue's case: asctime used to raise TypeError (naive minus aware); now it is a TransientError due 10 s
    later, which delivery honours and the breaker counts."""
    connector = OdrRestPlatform(
        "court", "http://127.0.0.1:9", JwsSigner(Ed25519PrivateKey.generate(), "centre"), clock=lambda: NOW
    )
    with responses.RequestsMock() as mock:
        mock.post("http://127.0.0.1:9/api/v1/messages", status=429, headers={"Retry-After": FORMS[form]}, body="")
        with pytest.raises(TransientError) as caught:
            connector.send(samples.accepted("0104-1"))
    assert caught.value.retry_after == 10.0


def _wsse() -> tuple[WsseSigner, WsseVerifier]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "court")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return WsseSigner(key, certificate, clock=lambda: NOW), WsseVerifier([certificate], clock=lambda: NOW)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("form", FORMS)
def test_throttling_of_the_soap_connector_carries_the_date_as_retry_after(form: str, status: int) -> None:
    """An HTTP error without a SOAP answer keeps Retry-After, in every form, from the connector's clock."""
    signer, verifier = _wsse()
    endpoint = "http://127.0.0.1:9/ws/exchange"
    connector = CourtSoapPlatform("court", endpoint, signer, verifier, clock=lambda: NOW)
    with responses.RequestsMock() as mock:
        headers: dict[str, Any] = {"Retry-After": FORMS[form]}
        mock.post(endpoint, status=status, headers=headers, body="slow down", content_type="text/plain")
        with pytest.raises(TransientError) as caught:
            connector.query_status(["0104-1"])
    assert caught.value.retry_after == 10.0 and f"HTTP {status}" in str(caught.value)
