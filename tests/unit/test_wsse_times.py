"""wsu:Created / wsu:Expires as xsd:dateTime (XML Schema 1.0 Part 2 §3.2.7, WSS 1.1 §10): every form the type allows
is read, anything without a zone or out of range is refused naming the field and the value — never a ValueError."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse import SOAP, WSU, WsseSigner, WsseVerifier
from signing.wsse.times import xsd_datetime

T = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-23T08:00:00Z", T),
        ("2026-11-23T08:00:00.1Z", T.replace(microsecond=100000)),
        ("2026-11-23T08:00:00.123Z", T.replace(microsecond=123000)),  # WSS4J: milliseconds
        ("2026-11-23T08:00:00.000Z", T),
        ("2026-11-23T08:00:00.123456Z", T.replace(microsecond=123456)),
        ("2026-11-23T08:00:00.1234567Z", T.replace(microsecond=123456)),  # .NET: seven digits, truncated
        ("2026-11-23T08:00:00.123456789012345Z", T.replace(microsecond=123456)),
        ("2026-11-23T16:00:00+08:00", T),  # China time
        ("2026-11-23T03:30:00-04:30", T),
        ("2026-11-23T08:00:00+00:00", T),
        ("2026-11-23T08:00:00-00:00", T),
        ("2026-11-23T22:00:00+14:00", T),  # the ends of the zone range
        ("2026-11-22T18:00:00-14:00", T),
        ("2026-11-23T16:00:00.5+08:00", T.replace(microsecond=500000)),
        ("2026-11-22T24:00:00Z", datetime(2026, 11, 23, tzinfo=UTC)),  # end of day = next midnight
        ("2026-11-22T24:00:00.000Z", datetime(2026, 11, 23, tzinfo=UTC)),
        ("2026-12-31T24:00:00Z", datetime(2027, 1, 1, tzinfo=UTC)),
        ("2028-02-29T08:00:00Z", datetime(2028, 2, 29, 8, tzinfo=UTC)),  # a leap day
        ("  2026-11-23T08:00:00Z\n", T),  # whitespace collapses
        ("0001-01-01T14:00:00+14:00", datetime(1, 1, 1, tzinfo=UTC)),
        ("9999-12-31T23:59:59Z", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ],
)
def test_every_xsd_datetime_form_is_read_as_utc(text: str, expected: datetime) -> None:
    assert xsd_datetime(text, "the Timestamp's Created") == expected


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (None, "is missing"),
        ("", "is missing"),
        ("  ", "is missing"),
        ("2026-11-23T08:00:00", "has no time zone"),
        ("2026-11-23T08:00:00.123", "has no time zone"),
        ("2026-11-23T24:00:00", "has no time zone"),
        ("2026-13-01T00:00:00Z", "out of range: month must be in 1..12"),
        ("2026-00-10T00:00:00Z", "out of range"),
        ("2026-02-29T00:00:00Z", "out of range: day is out of range for month"),  # not a leap year
        ("2026-11-31T00:00:00Z", "out of range"),
        ("2026-11-23T25:00:00Z", "out of range: hour must be in 0..23"),
        ("2026-11-23T24:00:01Z", "out of range: hour 24 is only 24:00:00"),
        ("2026-11-23T24:00:00.5Z", "out of range: hour 24 is only 24:00:00"),
        ("2026-11-23T08:60:00Z", "out of range: minutes and seconds run 00-59"),
        ("2026-11-23T08:00:60Z", "out of range: minutes and seconds run 00-59"),  # no leap seconds in XSD 1.0
        ("2026-11-23T08:00:00+15:00", "out of range: a zone offset runs -14:00 to +14:00"),
        ("2026-11-23T08:00:00+14:30", "out of range: a zone offset"),
        ("2026-11-23T08:00:00+05:60", "out of range: a zone offset"),
        ("10000-01-01T00:00:00Z", "out of range: the year must be 0001-9999"),
        ("-2026-11-23T08:00:00Z", "out of range: the year must be 0001-9999"),
        ("0000-01-01T00:00:00Z", "out of range: the year must be 0001-9999"),
        ("02026-11-23T08:00:00Z", "out of range"),  # a year of more than four digits has no leading zero
        ("9999-12-31T23:59:59-14:00", "out of range: date value out of range"),  # past 9999 once in UTC
        ("9999-12-31T24:00:00Z", "out of range"),
        ("0001-01-01T00:00:00+00:01", "out of range"),  # before year 1 once in UTC
        ("2026-11-23 08:00:00Z", "is not an xsd:dateTime"),
        ("2026-11-23T08:00Z", "is not an xsd:dateTime"),
        ("20261123T080000Z", "is not an xsd:dateTime"),
        ("1764500000", "is not an xsd:dateTime"),  # epoch seconds are no xsd:dateTime
        ("2026-11-23", "is not an xsd:dateTime"),
        ("2026-11-23T08:00:00z", "is not an xsd:dateTime"),
        ("2026-11-23t08:00:00Z", "is not an xsd:dateTime"),
        ("2026-11-23T08:00:00.Z", "is not an xsd:dateTime"),
        ("2026-11-23T08:00:00+0800", "is not an xsd:dateTime"),
        ("2026-11-23T08:00:00+08", "is not an xsd:dateTime"),
        ("２０２６-11-23T08:00:00Z", "is not an xsd:dateTime"),  # full-width digits
        ("2026-11-23T08:00:00Z" + "0" * 500, "is not an xsd:dateTime"),
    ],
)
def test_what_is_not_an_instant_is_refused_naming_the_field(text: str | None, said: str) -> None:
    with pytest.raises(SignatureInvalid) as caught:
        xsd_datetime(text, "the Timestamp's Expires")
    assert caught.value.reason == "malformed"
    assert caught.value.detail.startswith("the Timestamp's Expires") and said in caught.value.detail
    assert len(caught.value.detail) < 200  # the value is shown, cut short


def _pair() -> tuple[WsseSigner, WsseVerifier]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "court")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(T - timedelta(days=1))
        .not_valid_after(T + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return WsseSigner(key, cert, clock=lambda: T), WsseVerifier([cert], clock=lambda: T)


def _signed_with(field: str, text: str) -> tuple[Any, WsseVerifier]:
    signer, verifier = _pair()
    envelope = etree.fromstring(f'<s:Envelope xmlns:s="{SOAP}"><s:Body><a>1</a></s:Body></s:Envelope>'.encode())
    signer.sign(envelope)
    envelope.find(f".//{{{WSU}}}{field}").text = text
    return envelope, verifier


@pytest.mark.parametrize("field", ["Created", "Expires"])
@pytest.mark.parametrize(
    "text", ["2026-11-23T08:00:00", "2026-02-30T08:00:00Z", "10000-01-01T00:00:00Z", "9999-12-31T23:59:59-14:00"]
)
def test_the_verifier_refuses_a_bad_signed_time_with_a_reason_not_a_traceback(field: str, text: str) -> None:
    """Both signed times of the Timestamp: a SignatureInvalid naming the field, never ValueError / OverflowError."""
    envelope, verifier = _signed_with(field, text)
    with pytest.raises(SignatureInvalid) as caught:
        verifier.verify(envelope)
    assert caught.value.reason == "malformed" and f"the Timestamp's {field}" in caught.value.detail


def test_a_timestamp_that_expires_before_it_was_created_is_malformed() -> None:
    envelope, verifier = _signed_with("Expires", "2026-11-23T07:59:59Z")
    with pytest.raises(SignatureInvalid, match=r"expires .* before it was created"):
        verifier.verify(envelope)


@pytest.mark.parametrize(
    "text",
    [
        "2026-11-23T08:00:00Z",
        " 2026-11-23T08:00:00Z\n",
        "1999-12-31T23:59:59Z",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2024-02-29T12:00:00Z",
        "2026-11-23T24:00:00Z",  # the end of the day: fromisoformat refuses it, the regular path reads it
        "0000-01-01T00:00:00Z",
        "2026-02-29T00:00:00Z",
        "2026-11-31T08:00:00Z",
        "2026-13-01T08:00:00Z",
        "2026-11-23T08:60:00Z",
        "2026-11-23T08:00:60Z",
        "2026-11-23T25:00:00Z",
        "2026-11-23T24:00:01Z",
        "２０２６-11-23T08:00:00Z",  # fullwidth digits: never the plain form
        "2026-11-23T08:00:00z",
    ],
)
def test_the_plain_form_is_read_as_the_regular_path_reads_it(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast path for 'YYYY-MM-DDThh:mm:ssZ' gives the same instant, or the same refusal, as the regular one."""
    from signing.wsse import times

    def read() -> object:
        try:
            return times.xsd_datetime(text, "the Timestamp's Created")
        except SignatureInvalid as refusal:
            return (refusal.reason, refusal.detail)

    fast = read()
    monkeypatch.setattr(times, "_PLAIN", times.re.compile(r"(?!)"))  # matches nothing: the regular path only
    assert fast == read()
