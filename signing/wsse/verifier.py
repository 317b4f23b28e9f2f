"""Verifying incoming envelopes: a fresh Timestamp and the Body, signed by a configured certificate."""

import base64
import hashlib
import threading
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
from signing.wsse.fields import base64_field, child, child_text, only
from signing.wsse.keys import TrustedCertificates
from signing.wsse.names import ALGORITHMS, DS, EXC_C14N, ID, SOAP, WSSE, WSU
from signing.wsse.times import xsd_datetime

MAX_LIFETIME = timedelta(hours=1)  # a Timestamp meant to live longer is refused: replays stay bounded
_TRANSFORMS, _TRANSFORM = f"{{{DS}}}Transforms", f"{{{DS}}}Transform"


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
        header = only(envelope, f"{{{SOAP}}}Header", "Header", missing="unsigned")
        security = only(header, f"{{{WSSE}}}Security", "Security header", missing="unsigned")
        stamp = only(security, f"{{{WSU}}}Timestamp", "Timestamp", missing="unsigned")
        expires = self._check_window(stamp)
        signature = only(security, f"{{{DS}}}Signature", "Signature", missing="unsigned")
        info = only(signature, f"{{{DS}}}SignedInfo", "SignedInfo", missing="unsigned")
        # An envelope must use exactly the algorithm of the certificate it names (its key decides).
        candidates = self._trusted.named_by(signature, security)
        method = _algorithm(info, "SignatureMethod")
        usable = [c for c in candidates if ALGORITHMS[c.algorithm][0] == method]
        canonicalization = child(info, f"{{{DS}}}CanonicalizationMethod")
        if not usable or canonicalization is None or canonicalization.get("Algorithm") != EXC_C14N:
            raise SignatureInvalid("algorithm", f"the signature must be exclusive c14n + {candidates[0].algorithm}")
        algorithm = usable[0].algorithm
        for reference, target in _references(envelope, security, stamp, info):
            # what findall("ds:Transforms/ds:Transform") finds, without ElementPath's per-call path handling
            transforms = [t for ts in reference.iterchildren(_TRANSFORMS) for t in ts.iterchildren(_TRANSFORM)]
            if [t.get("Algorithm") for t in transforms] != [EXC_C14N] or _algorithm(
                reference, "DigestMethod"
            ) != ALGORITHMS[algorithm][1]:
                raise SignatureInvalid("algorithm", "each reference must be exclusive c14n with the agreed digest")
            expected = base64.b64encode(digest(algorithm, c14n(target, prefix_list(transforms[0])))).decode()
            if (child_text(reference, f"{{{DS}}}DigestValue") or "").strip() != expected:
                raise SignatureInvalid("digest", f"the {etree.QName(target).localname} was changed after signing")
        value = base64_field(child_text(signature, f"{{{DS}}}SignatureValue"), "the SignatureValue")
        signed = c14n(info, prefix_list(canonicalization))
        if not any(verify(c.key, algorithm, value, signed, self._distid) for c in usable):
            raise SignatureInvalid("signature", "the signature does not verify with the trusted certificate")
        # What was signed (it covers the random Timestamp and Body ids): the envelope's identity for a replay
        # guard. Never the SignatureValue's text, which is not signed and can be re-encoded at will.
        return WsseVerified(hashlib.sha256(signed).hexdigest(), expires + self._skew)

    def _check_window(self, stamp: Any) -> datetime:
        created = xsd_datetime(child_text(stamp, f"{{{WSU}}}Created"), "the Timestamp's Created")
        expires = xsd_datetime(child_text(stamp, f"{{{WSU}}}Expires"), "the Timestamp's Expires")
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


def _references(envelope: Any, security: Any, stamp: Any, info: Any) -> list[tuple[Any, Any]]:
    """Each Reference with the element it covers: the Envelope's own Body and the Security header's own Timestamp,
    both required, and at most the header's BinarySecurityTokens besides (WSS4J's ProtectTokens) — each by a
    wsu:Id unique in the envelope, so no signature wrapping can point a reference elsewhere."""
    body = only(envelope, f"{{{SOAP}}}Body", "Body", missing="unsigned")
    required = {body.get(ID): body, stamp.get(ID): stamp}
    if None in required or len(required) != 2:
        raise SignatureInvalid("malformed", "the Body and the Timestamp each need one unique wsu:Id")
    allowed = dict(required)
    allowed.update({t.get(ID): t for t in security.iterchildren(f"{{{WSSE}}}BinarySecurityToken") if t.get(ID)})
    references = list(info.iterchildren(f"{{{DS}}}Reference"))
    ids = [str(reference.get("URI", ""))[1:] for reference in references]
    if not set(required) <= set(ids) or not set(ids) <= set(allowed) or len(set(ids)) != len(ids):
        raise SignatureInvalid(
            "unsigned",
            "the signature must cover the Body and the Timestamp (and may cover the "
            "header's BinarySecurityToken), nothing else",
        )
    if any(not str(r.get("URI", "")).startswith("#") for r in references):
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


def _algorithm(parent: Any, name: str) -> str | None:
    element = child(parent, f"{{{DS}}}{name}")
    return None if element is None else element.get("Algorithm")
