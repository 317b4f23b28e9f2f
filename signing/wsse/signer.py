"""Signing outgoing envelopes: a Timestamp and the Body, signed, our certificate in a BinarySecurityToken."""

import base64
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing import sm2
from signing.errors import SignatureInvalid
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
        self._template = self._security()  # the Security header's text, its per-message values left as fields

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
        body.set(ID, f"Body-{uuid.uuid4().hex}")
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        created, expires = now.strftime(_XSD), (now + self._ttl).strftime(_XSD)
        stamp_id, token_id = f"TS-{uuid.uuid4().hex}", f"X509-{uuid.uuid4().hex}"
        prefix = _soap_prefix(header)
        if prefix is None:
            security = self._built(header, created, expires, stamp_id, token_id)
        else:
            security = etree.fromstring(
                self._template.format(
                    soap=prefix, stamp=stamp_id, created=created, expires=expires, token=token_id, body=body.get(ID)
                )
            )
            header.append(security)  # the fragment's own soap prefix declaration is dropped: the header has it
        stamp, signature = security[0], security[2]
        info = signature[0]
        for reference, target in zip(info[2:], (body, stamp), strict=True):
            value = digest(self.algorithm, c14n(target))
            reference[2].text = base64.b64encode(value).decode()
        value = sign(self._key, self.algorithm, c14n(info), self._distid)
        signature[1].text = base64.b64encode(value).decode()

    def _security(self) -> str:
        """The Security header as text, made once: what `_built` makes element by element, its per-message values
        left as format fields, under a soap prefix declared on it (dropped once it is in the envelope's Header)."""
        method, digest_method = ALGORITHMS[self.algorithm]
        references = "".join(
            f'<ds:Reference URI="#{{{target}}}"><ds:Transforms><ds:Transform Algorithm="{EXC_C14N}"/>'
            f'</ds:Transforms><ds:DigestMethod Algorithm="{digest_method}"/><ds:DigestValue/></ds:Reference>'
            for target in ("body", "stamp")
        )
        return (
            f'<wsse:Security xmlns:{{soap}}="{SOAP}" xmlns:wsse="{WSSE}" xmlns:wsu="{WSU}" '
            f'{{soap}}:mustUnderstand="1"><wsu:Timestamp wsu:Id="{{stamp}}"><wsu:Created>{{created}}</wsu:Created>'
            f"<wsu:Expires>{{expires}}</wsu:Expires></wsu:Timestamp>"
            f'<wsse:BinarySecurityToken EncodingType="{BASE64}" ValueType="{X509V3}" wsu:Id="{{token}}">'
            f'{self._token}</wsse:BinarySecurityToken><ds:Signature xmlns:ds="{DS}"><ds:SignedInfo>'
            f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"/><ds:SignatureMethod Algorithm="{method}"/>'
            f"{references}</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><wsse:SecurityTokenReference>"
            f'<wsse:Reference URI="#{{token}}" ValueType="{X509V3}"/></wsse:SecurityTokenReference></ds:KeyInfo>'
            "</ds:Signature></wsse:Security>"
        )

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
