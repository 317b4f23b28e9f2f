"""Signing outgoing envelopes: a Timestamp and the Body, signed, our certificate in a BinarySecurityToken."""

import base64
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing import sm2
from signing.errors import SignatureInvalid
from signing.wsse import texts
from signing.wsse.algorithms import algorithm_for, digest, sign
from signing.wsse.c14n import c14n
from signing.wsse.names import ALGORITHMS, BASE64, DS, EXC_C14N, ID, SOAP, WSSE, WSU, X509V3


class WsseSigner:
    """Signs outgoing envelopes with our key, naming our certificate in a BinarySecurityToken."""

    def __init__(
        self,
        key: Any,
        certificate: x509.Certificate,
        *,
        ttl: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        distid: str = sm2.DEFAULT_ID,
    ) -> None:
        self._key = key
        self._token = base64.b64encode(certificate.public_bytes(Encoding.DER)).decode()  # the same in every header
        self.algorithm = algorithm_for(key)
        self._ttl, self._clock, self._distid = ttl, clock, distid
        self._template = texts.security(self.algorithm, self._token)  # per-message values left as fields
        self._info = texts.canonical_info(self.algorithm)  # SignedInfo's canonical form, the same way
        self._last: tuple[datetime | None, str, str] = (None, "", "")  # see _times

    def __repr__(self) -> str:  # never the key
        return f"WsseSigner(algorithm={self.algorithm!r})"

    def sign(self, envelope: Any) -> None:
        """Add the Security header to `envelope` (an lxml soap:Envelope) in place."""
        header = envelope.find(f"{{{SOAP}}}Header")
        if header is None:
            header = etree.Element(f"{{{SOAP}}}Header")
            envelope.insert(0, header)
        bodies = envelope.findall(f"{{{SOAP}}}Body")
        if len(bodies) != 1:
            raise SignatureInvalid("malformed", f"expected one Body, found {len(bodies)}")
        body = bodies[0]
        body_id = f"Body-{texts.random_id()}"
        body.set(ID, body_id)
        created, expires = self._times()
        stamp_id, token_id = f"TS-{texts.random_id()}", f"X509-{texts.random_id()}"
        prefix = _soap_prefix(header)
        if prefix is None:
            self._sign_built(header, body, created, expires, stamp_id, token_id)
            return
        # The header is written once, its values filled in: the Timestamp's and SignedInfo's canonical forms are
        # written from the same values (texts.py), so neither is parsed, filled in, then canonicalised again.
        fields = {"body": body_id, "stamp": stamp_id}
        fields["body_digest"] = base64.b64encode(digest(self.algorithm, c14n(body))).decode()
        stamp = texts.canonical_timestamp(stamp_id, created, expires)
        fields["stamp_digest"] = base64.b64encode(digest(self.algorithm, stamp)).decode()
        signed = self._info.format_map(fields).encode()
        signature = base64.b64encode(sign(self._key, self.algorithm, signed, self._distid)).decode()
        security = self._template.format(
            soap=prefix, created=created, expires=expires, token=token_id, signature=signature, **fields
        )
        header.append(etree.fromstring(security))  # its own soap prefix declaration is dropped: the header has it

    def _times(self) -> tuple[str, str]:
        """Created and Expires now, as xsd:dateTime to the second; the last second's pair is kept (a tuple, replaced
        whole: safe to share between threads)."""
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        last = self._last
        if last[0] != now:
            last = self._last = (now, now.strftime(_XSD), (now + self._ttl).strftime(_XSD))
        return last[1], last[2]

    def _sign_built(self, header: Any, body: Any, created: str, expires: str, stamp_id: str, token_id: str) -> None:
        security = self._built(header, created, expires, stamp_id, token_id)
        stamp, signature = security[0], security[2]
        info = signature[0]
        for reference, target in zip(info[2:], (body, stamp), strict=True):
            value = digest(self.algorithm, c14n(target))
            reference[2].text = base64.b64encode(value).decode()
        value = sign(self._key, self.algorithm, c14n(info), self._distid)
        signature[1].text = base64.b64encode(value).decode()

    def _built(self, header: Any, created: str, expires: str, stamp_id: str, token_id: str) -> Any:
        """The Security header (digest and signature values empty) built element by element into `header`: for an
        envelope `_soap_prefix` cannot name a prefix for, where lxml declares what it needs itself."""
        security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
        security.set(f"{{{SOAP}}}mustUnderstand", "1")
        stamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        stamp.set(ID, stamp_id)
        etree.SubElement(stamp, f"{{{WSU}}}Created").text = created
        etree.SubElement(stamp, f"{{{WSU}}}Expires").text = expires
        token = etree.SubElement(security, f"{{{WSSE}}}BinarySecurityToken", EncodingType=BASE64, ValueType=X509V3)
        token.set(ID, token_id)
        token.text = self._token
        method, digest_method = ALGORITHMS[self.algorithm]
        signature = etree.SubElement(security, f"{{{DS}}}Signature", nsmap={"ds": DS})
        info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
        etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm=method)
        body = header.getparent().find(f"{{{SOAP}}}Body")
        for target in (body, stamp):
            reference = etree.SubElement(info, f"{{{DS}}}Reference", URI=f"#{target.get(ID)}")
            transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
            etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=digest_method)
            etree.SubElement(reference, f"{{{DS}}}DigestValue")
        etree.SubElement(signature, f"{{{DS}}}SignatureValue")
        key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
        str_ = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(str_, f"{{{WSSE}}}Reference", URI=f"#{token.get(ID)}", ValueType=X509V3)
        return security


_XSD = "%Y-%m-%dT%H:%M:%SZ"
_OURS = frozenset({"wsse", "wsu", "ds"})


def _soap_prefix(header: Any) -> str | None:
    """The one prefix the Header has in scope for the SOAP namespace, if the Security text can use it: not the
    default namespace (an attribute cannot), nor shadowing or shadowed by wsse/wsu/ds — else None."""
    prefixes = [prefix for prefix, uri in header.nsmap.items() if uri == SOAP]
    if len(prefixes) != 1 or prefixes[0] is None or prefixes[0] in _OURS or _OURS & set(header.nsmap):
        return None
    return str(prefixes[0])
