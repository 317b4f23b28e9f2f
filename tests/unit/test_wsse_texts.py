"""The signer's short cuts (signing/wsse/texts.py, WsseSigner._times) against what they replace: the Timestamp's
and SignedInfo's canonical forms as c14n.py makes them from the parsed header, uuid.uuid4().hex, and strftime on
every call."""

import uuid
from datetime import UTC, datetime, timedelta, timezone
from itertools import product
from random import Random

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse import DS, ID, SOAP, WSSE, WSU, WsseSigner, c14n, texts
from signing.wsse.names import ALGORITHMS
from tests.support.certs import self_signed

# Seeded: pytest-xdist requires every process to collect the same parameters (pyproject addopts: -n 2)
_SEEDED = Random(20261201)
RANDOM = [bytes(16), b"\xff" * 16, bytes(range(16)), b"\x0f\xf0" * 8, *(_SEEDED.randbytes(16) for _ in range(200))]


@pytest.mark.parametrize("random", RANDOM)
def test_an_id_is_uuid4_hex_of_the_same_random_bytes(random: bytes) -> None:
    """Version and variant bits set as uuid sets them, every other bit kept."""
    assert texts.uuid4_hex(random) == uuid.UUID(bytes=random, version=4).hex


def test_random_ids_are_version_4_and_differ() -> None:
    """Each is a fresh RFC 4122 version-4 id."""
    ids = [texts.random_id() for _ in range(500)]
    assert len(set(ids)) == 500
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).variant == uuid.RFC_4122 for i in ids)


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_ids_drawn_together_are_those_drawn_one_by_one_from_the_same_bytes(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """random_ids(n) reads 16 × n bytes in one call and makes each id from its own 16, in order, as random_id does:
    fed the same bytes, the same ids (a slice off by one byte, or ids swapped, would differ)."""
    stream = _SEEDED.randbytes(16 * count)
    calls: list[int] = []

    def urandom(size: int) -> bytes:
        calls.append(size)
        return stream[:size] if size == 16 * count else stream[16 * (len(calls) - 2) : 16 * (len(calls) - 1)]

    monkeypatch.setattr(texts.os, "urandom", urandom)
    together = texts.random_ids(count)
    assert calls == [16 * count]
    one_by_one = [texts.random_id() for _ in range(count)]
    expected = [uuid.UUID(bytes=stream[i : i + 16], version=4).hex for i in range(0, 16 * count, 16)]
    assert together == one_by_one == expected


def test_ids_drawn_together_are_version_4_and_differ() -> None:
    ids = [i for _ in range(200) for i in texts.random_ids(3)]
    assert len(set(ids)) == 600
    assert all(uuid.UUID(hex=i).version == 4 and uuid.UUID(hex=i).variant == uuid.RFC_4122 for i in ids)


IDS = [
    ("TS-" + "0" * 32, "Body-" + "f" * 32),
    ("TS-" + texts.uuid4_hex(_SEEDED.randbytes(16)), "Body-" + texts.uuid4_hex(_SEEDED.randbytes(16))),
    ("a", "b"),
]
TIMES = [("2026-12-01T13:00:05Z", "2026-12-01T13:05:05Z"), ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")]
DIGESTS = ["", "AAAA", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "x" * 500]
PREFIXES = ["soap", "soap-env", "s", "SOAP-ENV", "a1"]


def _security(algorithm: str, prefix: str, stamp: str, body: str, created: str, expires: str, digests: str) -> object:
    """The header text parsed into an envelope that uses `prefix` for SOAP, as the signer appends it."""
    envelope = etree.fromstring(
        f'<{prefix}:Envelope xmlns:{prefix}="{SOAP}" xmlns:x="urn:x"><{prefix}:Header/><{prefix}:Body/>'
        f"</{prefix}:Envelope>".encode()
    )
    text = texts.security(algorithm, "TOKEN+/=").format(
        soap=prefix,
        stamp=stamp,
        body=body,
        created=created,
        expires=expires,
        token="X509-1",
        body_digest=digests,
        stamp_digest=digests[::-1],
        signature="c2ln",
    )
    envelope[0].append(etree.fromstring(text))
    return envelope[0][0]


@pytest.mark.parametrize(
    ("algorithm", "prefix", "ids", "times", "digests"), list(product(ALGORITHMS, PREFIXES, IDS, TIMES, DIGESTS))
)
def test_the_canonical_timestamp_and_signed_info_are_those_c14n_makes(
    algorithm: str, prefix: str, ids: tuple[str, str], times: tuple[str, str], digests: str
) -> None:
    """Byte for byte, for every algorithm, SOAP prefix, id, time and digest shape."""
    (stamp, body), (created, expires) = ids, times
    security = _security(algorithm, prefix, stamp, body, created, expires, digests)
    timestamp, info = security.find(f"{{{WSU}}}Timestamp"), security.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    assert texts.canonical_timestamp(stamp, created, expires) == c14n(timestamp)
    fields = {"body": body, "stamp": stamp, "body_digest": digests, "stamp_digest": digests[::-1]}
    assert texts.canonical_info(algorithm).format_map(fields).encode() == c14n(info)


def test_a_wrong_canonical_form_is_told_apart() -> None:
    """The comparison above can fail: one changed byte of the values shows."""
    security = _security("rsa-sha256", "soap", "TS-1", "Body-1", *TIMES[0], "AAAA")
    assert texts.canonical_timestamp("TS-2", *TIMES[0]) != c14n(security[0])


KEY = rsa.generate_private_key(65537, 2048)
CLOCK = [
    datetime(2026, 12, 1, 13, 0, 5, 999999, tzinfo=UTC),
    datetime(2026, 12, 1, 13, 0, 5, 1, tzinfo=UTC),  # the same second: the kept pair
    datetime(2026, 12, 1, 13, 0, 6, tzinfo=UTC),
    datetime(2026, 12, 1, 21, 0, 6, tzinfo=timezone(timedelta(hours=8))),  # the same instant elsewhere
    datetime(2026, 12, 1, 13, 0, 4, tzinfo=UTC),  # the clock stepped back
    datetime(2026, 12, 31, 23, 58, 30, tzinfo=UTC),  # Expires in the next year
    datetime(2026, 12, 1, 13, 0, 4, tzinfo=UTC),
]


def test_created_and_expires_are_strftime_of_each_clock_reading() -> None:
    """The kept pair is used only for the same second; every reading gives what strftime gives it."""
    readings = iter(CLOCK)
    signer = WsseSigner(KEY, self_signed(KEY, CLOCK[0]), ttl=timedelta(minutes=5), clock=lambda: next(readings))
    for now in CLOCK:
        second = now.astimezone(UTC).replace(microsecond=0)
        expected = (
            second.strftime("%Y-%m-%dT%H:%M:%SZ"),
            (second + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        )
        assert signer._times() == expected


ENVELOPE_SHAPES = {  # SOAP text: (Bodies, whether a Header was there)
    f'<s:Envelope xmlns:s="{SOAP}"/>': (0, False),
    f'<s:Envelope xmlns:s="{SOAP}"><s:Body/><s:Body/></s:Envelope>': (2, False),
    f'<s:Envelope xmlns:s="{SOAP}"><s:Header/><s:Header/><s:Body/></s:Envelope>': (1, True),
    f'<s:Envelope xmlns:s="{SOAP}"><!--c--><s:Body/><s:Header/></s:Envelope>': (1, True),
    f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Body/></s:Body></s:Envelope>': (1, False),
    f'<s:Envelope xmlns:s="{SOAP}"><x:Body xmlns:x="urn:x"/><Body/></s:Envelope>': (0, False),
}


@pytest.mark.parametrize("text", sorted(ENVELOPE_SHAPES))
def test_the_signer_finds_header_and_body_as_elementpath_does(text: str) -> None:
    """One Body child is signed, into the first Header child (or a new first one); another count is refused."""
    bodies, had_header = ENVELOPE_SHAPES[text]
    envelope = etree.fromstring(text.encode())
    first_header = envelope.find(f"{{{SOAP}}}Header")
    signer = WsseSigner(KEY, self_signed(KEY, CLOCK[0]), clock=lambda: CLOCK[0])
    if bodies != 1:
        with pytest.raises(SignatureInvalid) as refused:
            signer.sign(envelope)
        assert (refused.value.reason, refused.value.detail) == ("malformed", f"expected one Body, found {bodies}")
        return
    signer.sign(envelope)
    header = envelope.find(f"{{{SOAP}}}Header")
    assert (header is first_header) == had_header and (had_header or envelope[0] is header)
    assert header.find(f"{{{WSSE}}}Security") is not None
    assert envelope.find(f"{{{SOAP}}}Body").get(ID, "").startswith("Body-")
