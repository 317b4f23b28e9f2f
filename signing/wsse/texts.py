"""The Security header our signer writes, as text made once per signer, and the exclusive-c14n forms of its two
signed parts (the Timestamp and SignedInfo) written from the same values: what c14n.py would make of them once
parsed into the envelope, without the tree (tests/unit/test_wsse_texts.py holds the two equal)."""

import os

from signing.wsse.names import ALGORITHMS, BASE64, DS, EXC_C14N, SOAP, WSSE, WSU, X509V3

_TIMESTAMP = (
    f'<wsu:Timestamp xmlns:wsu="{WSU}" wsu:Id="{{stamp}}"><wsu:Created>{{created}}</wsu:Created>'
    "<wsu:Expires>{expires}</wsu:Expires></wsu:Timestamp>"
)


def security(algorithm: str, token: str) -> str:
    """The Security header as text, its per-message values left as format fields (soap, stamp, created, expires,
    token, body, body_digest, stamp_digest, signature), under a soap prefix declared on it (dropped once it is in
    the envelope's Header): what WsseSigner._built makes element by element, with the values filled in."""
    method, digest_method = ALGORITHMS[algorithm]
    return (
        f'<wsse:Security xmlns:{{soap}}="{SOAP}" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" '
        f'{{soap}}:mustUnderstand="1"><wsu:Timestamp wsu:Id="{{stamp}}"><wsu:Created>{{created}}</wsu:Created>'
        f"<wsu:Expires>{{expires}}</wsu:Expires></wsu:Timestamp>"
        f'<wsse:BinarySecurityToken EncodingType="{BASE64}" ValueType="{X509V3}" wsu:Id="{{token}}">'
        f'{token}</wsse:BinarySecurityToken><ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{method}"/>'
        f"{_references(digest_method, '{body_digest}', '{stamp_digest}')}</ds:SignedInfo>"
        "<ds:SignatureValue>{signature}</ds:SignatureValue><ds:KeyInfo><wsse:SecurityTokenReference>"
        f'<wsse:Reference URI="#{{token}}" ValueType="{X509V3}"/></wsse:SecurityTokenReference></ds:KeyInfo>'
        "</ds:Signature></wsse:Security>"
    )


def canonical_timestamp(stamp: str, created: str, expires: str) -> bytes:
    """The Timestamp's exclusive c14n: only wsu is visibly used in it, and the values (an id of ours, xsd:dateTime
    text) hold nothing Canonical XML escapes."""
    return _TIMESTAMP.format(stamp=stamp, created=created, expires=expires).encode()


def canonical_info(algorithm: str) -> str:
    """SignedInfo's exclusive c14n as a format string (body, stamp, body_digest, stamp_digest): only ds is visibly
    used in it, empty elements get end tags, and its values (URIs, our ids, base64) hold nothing to escape."""
    method, digest_method = ALGORITHMS[algorithm]
    text = (
        f'<ds:SignedInfo xmlns:ds="{DS}"><ds:CanonicalizationMethod Algorithm="{EXC_C14N}">'
        f'</ds:CanonicalizationMethod><ds:SignatureMethod Algorithm="{method}"></ds:SignatureMethod>'
        f"{_references(digest_method, '{body_digest}', '{stamp_digest}')}</ds:SignedInfo>"
    )
    return text


def _references(digest_method: str, body_digest: str, stamp_digest: str) -> str:
    """The two References, with end tags as c14n writes them (parsed into the header, the same elements)."""
    return "".join(
        f'<ds:Reference URI="#{{{target}}}"><ds:Transforms><ds:Transform Algorithm="{EXC_C14N}">'
        f'</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{digest_method}"></ds:DigestMethod>'
        f"<ds:DigestValue>{value}</ds:DigestValue></ds:Reference>"
        for target, value in (("body", body_digest), ("stamp", stamp_digest))
    )


def random_id() -> str:
    """32 hex digits: uuid.uuid4().hex (RFC 4122 version 4, its variant bits set) from the same 16 random bytes,
    without building a UUID object."""
    return uuid4_hex(os.urandom(16))


def random_ids(count: int) -> list[str]:
    """`count` ids as `random_id` makes them, from one os.urandom call of 16 bytes each: os.urandom lets go of the
    GIL for its system call, and a send thread that lets go of it waits its turn to get it back, so a message signed
    draws its randomness once, not once per id."""
    random = os.urandom(16 * count)
    return [uuid4_hex(random[i : i + 16]) for i in range(0, 16 * count, 16)]


def uuid4_hex(random: bytes) -> str:
    """uuid.UUID(bytes=random, version=4).hex."""
    value = int.from_bytes(random, "big")
    value = (value & ~(0xC000 << 48) | (0x8000 << 48)) & ~(0xF000 << 64) | (4 << 76)
    return f"{value:032x}"
