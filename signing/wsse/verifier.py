"""Verifying incoming envelopes: a fresh Timestamp and the Body, signed by a configured certificate."""

import hashlib
import threading
from binascii import b2a_base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from lxml import etree

from signing import sm2
from signing.errors import SignatureInvalid
from signing.wsse.algorithms import digest, verify
from signing.wsse.c14n import c14n, prefix_list
from signing.wsse.fields import Children, base64_field
from signing.wsse.keys import TrustedCertificates
from signing.wsse.names import ALGORITHMS, DS, EXC_C14N, ID, SOAP, WSSE, WSU
from signing.wsse.times import xsd_datetime

MAX_LIFETIME = timedelta(hours=1)  # a Timestamp meant to live longer is refused: replays stay bounded
_TRANSFORMS, _TRANSFORM = f"{{{DS}}}Transforms", f"{{{DS}}}Transform"
_DIGEST_VALUE, _REFERENCE = f"{{{DS}}}DigestValue", f"{{{DS}}}Reference"
_BODY, _TOKEN = f"{{{SOAP}}}Body", f"{{{WSSE}}}BinarySecurityToken"


@dataclass(frozen=True)
class WsseVerified:
    signed_digest: str  # SHA-256 of the canonical SignedInfo: unique per signed envelope
    fresh_until: datetime  # the Timestamp's expiry plus the allowed skew: remember the digest this long


class WsseVerifier:
    """Checks incoming envelopes against the counterpart's certificates (one, or several during rotation)."""

    def __init__(
        self,
        trusted: Sequence[x509.Certificate],
        *,
        skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        distid: str = sm2.DEFAULT_ID,
    ) -> None:
        if not trusted:
            raise ValueError("a WS-Security verifier needs at least one trusted certificate")
        self._trusted = TrustedCertificates(trusted)
        self._skew, self._clock, self._distid = skew, clock, distid

    def verify(self, envelope: Any) -> WsseVerified:
        """Raise SignatureInvalid unless `envelope` carries a fresh, valid signature over its Body and Timestamp."""
        # Each element's children are read once (fields.Children) and looked up there, in the order of the checks
        top = Children(envelope)
        header = top.only(f"{{{SOAP}}}Header", "Header", missing="unsigned")
        security = Children(header).only(f"{{{WSSE}}}Security", "Security header", missing="unsigned")
        parts = Children(security)
        stamp = parts.only(f"{{{WSU}}}Timestamp", "Timestamp", missing="unsigned")
        expires = self._check_window(stamp)
        signature = parts.only(f"{{{DS}}}Signature", "Signature", missing="unsigned")
        signature_parts = Children(signature)
        info = signature_parts.only(f"{{{DS}}}SignedInfo", "SignedInfo", missing="unsigned")
        # An envelope must use exactly the algorithm of the certificate it names (its key decides).
        candidates = self._trusted.named_by(signature, security)
        info_parts = Children(info)
        method = _algorithm(info_parts, "SignatureMethod")
        usable = [c for c in candidates if ALGORITHMS[c.algorithm][0] == method]
        canonicalization = info_parts.child(f"{{{DS}}}CanonicalizationMethod")
        if not usable or canonicalization is None or canonicalization.get("Algorithm") != EXC_C14N:
            raise SignatureInvalid("algorithm", f"the signature must be exclusive c14n + {candidates[0].algorithm}")
        algorithm = usable[0].algorithm
        digest_method = ALGORITHMS[algorithm][1]
        for reference, target in _references(envelope, top, parts, stamp, info_parts):
            # what findall("ds:Transforms/ds:Transform") finds; one Transform whose Algorithm is exclusive c14n is
            # what [t.get("Algorithm") for t in transforms] == [EXC_C14N] asked
            reference_parts = Children(reference)
            transforms = [t for ts in reference_parts.every(_TRANSFORMS) for t in Children(ts).every(_TRANSFORM)]
            if (
                len(transforms) != 1
                or transforms[0].get("Algorithm") != EXC_C14N
                or _algorithm(reference_parts, "DigestMethod") != digest_method
            ):
                raise SignatureInvalid("algorithm", "each reference must be exclusive c14n with the agreed digest")
            # b2a_base64 without its newline is what base64.b64encode returns, without the wrapper's call
            expected = b2a_base64(digest(algorithm, c14n(target, prefix_list(transforms[0]))), newline=False)
            if (reference_parts.child_text(_DIGEST_VALUE) or "").strip() != expected.decode():
                raise SignatureInvalid("digest", f"the {etree.QName(target).localname} was changed after signing")
        value = base64_field(signature_parts.child_text(f"{{{DS}}}SignatureValue"), "the SignatureValue")
        signed = c14n(info, prefix_list(canonicalization))
        if not any(verify(c.key, algorithm, value, signed, self._distid) for c in usable):
            raise SignatureInvalid("signature", "the signature does not verify with the trusted certificate")
        # What was signed (it covers the random Timestamp and Body ids): the envelope's identity for a replay
        # guard. Never the SignatureValue's text, which is not signed and can be re-encoded at will.
        return WsseVerified(hashlib.sha256(signed).hexdigest(), expires + self._skew)

    def _check_window(self, stamp: Any) -> datetime:
        parts = Children(stamp)
        created = xsd_datetime(parts.child_text(f"{{{WSU}}}Created"), "the Timestamp's Created")
        expires = xsd_datetime(parts.child_text(f"{{{WSU}}}Expires"), "the Timestamp's Expires")
        if expires <= created:
            raise SignatureInvalid(
                "malformed",
                f"the Timestamp expires ({expires.isoformat()}) before it was created ({created.isoformat()})",
            )
        now = self._clock()
        if created > now + self._skew:
            raise SignatureInvalid("stale", f"the Timestamp was created in the future ({created.isoformat()})")
        if expires <= now - self._skew or expires - created > MAX_LIFETIME:
            raise SignatureInvalid("stale", f"the Timestamp expired at {expires.isoformat()}")
        return expires


def _references(envelope: Any, top: Children, security: Children, stamp: Any, info: Children) -> list[tuple[Any, Any]]:
    """Each Reference with the element it covers: the Envelope's own Body and the Security header's own Timestamp,
    both required, and at most the header's BinarySecurityTokens besides (WSS4J's ProtectTokens) — each by a
    wsu:Id unique in the envelope, so no signature wrapping can point a reference elsewhere."""
    body = top.only(_BODY, "Body", missing="unsigned")
    body_id, stamp_id = body.get(ID), stamp.get(ID)
    if body_id is None or stamp_id is None or body_id == stamp_id:
        raise SignatureInvalid("malformed", "the Body and the Timestamp each need one unique wsu:Id")
    allowed = {body_id: body, stamp_id: stamp}
    for token in security.every(_TOKEN):  # a token's id, when it has one, wins: as dict.update did
        if token_id := token.get(ID):
            allowed[token_id] = token
    references = info.every(_REFERENCE)
    uris = [str(reference.get("URI", "")) for reference in references]
    ids = [uri[1:] for uri in uris]
    named = set(ids)
    if body_id not in named or stamp_id not in named or not named <= allowed.keys() or len(named) != len(ids):
        raise SignatureInvalid(
            "unsigned",
            "the signature must cover the Body and the Timestamp (and may cover the "
            "header's BinarySecurityToken), nothing else",
        )
    if any(not uri.startswith("#") for uri in uris):
        raise SignatureInvalid("unsigned", "each reference must name an element of the envelope by #wsu:Id")
    every_id = _every_id(envelope)
    if any(every_id.count(i) != 1 for i in ids):
        raise SignatureInvalid("malformed", "a signed element's wsu:Id is not unique in the envelope")
    return [(reference, allowed[i]) for reference, i in zip(references, ids, strict=True)]


_IDS = threading.local()  # a compiled XPath per thread: lxml serialises the calls of a shared one


def _every_id(envelope: Any) -> list[str]:
    """Every wsu:Id in the envelope, in document order: what [e.get(ID) for e in envelope.iter()] gives without
    its Nones (no comment or processing instruction has a namespaced attribute), a quarter of its time."""
    ids = getattr(_IDS, "xpath", None)
    if ids is None:
        ids = _IDS.xpath = etree.XPath("descendant-or-self::*/@wsu:Id", namespaces={"wsu": WSU}, smart_strings=False)
    return list(ids(envelope))


def _algorithm(parent: Children, name: str) -> str | None:
    element = parent.child(f"{{{DS}}}{name}")
    return None if element is None else element.get("Algorithm")
