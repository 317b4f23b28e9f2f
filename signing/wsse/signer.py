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
        security = etree.SubElement(header, f"{{{WSSE}}}Security", nsmap={"wsse": WSSE, "wsu": WSU})
        security.set(f"{{{SOAP}}}mustUnderstand", "1")
        now = self._clock().astimezone(UTC).replace(microsecond=0)
        stamp = etree.SubElement(security, f"{{{WSU}}}Timestamp")
        stamp.set(ID, f"TS-{uuid.uuid4().hex}")
        etree.SubElement(stamp, f"{{{WSU}}}Created").text = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        etree.SubElement(stamp, f"{{{WSU}}}Expires").text = (now + self._ttl).strftime("%Y-%m-%dT%H:%M:%SZ")
        token = etree.SubElement(security, f"{{{WSSE}}}BinarySecurityToken", EncodingType=BASE64, ValueType=X509V3)
        token.set(ID, f"X509-{uuid.uuid4().hex}")
        token.text = self._token
        method, digest_method = ALGORITHMS[self.algorithm]
        signature = etree.SubElement(security, f"{{{DS}}}Signature", nsmap={"ds": DS})
        info = etree.SubElement(signature, f"{{{DS}}}SignedInfo")
        etree.SubElement(info, f"{{{DS}}}CanonicalizationMethod", Algorithm=EXC_C14N)
        etree.SubElement(info, f"{{{DS}}}SignatureMethod", Algorithm=method)
        for target in (body, stamp):
            reference = etree.SubElement(info, f"{{{DS}}}Reference", URI=f"#{target.get(ID)}")
            transforms = etree.SubElement(reference, f"{{{DS}}}Transforms")
            etree.SubElement(transforms, f"{{{DS}}}Transform", Algorithm=EXC_C14N)
            etree.SubElement(reference, f"{{{DS}}}DigestMethod", Algorithm=digest_method)
            value = digest(self.algorithm, c14n(target))
            etree.SubElement(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(value).decode()
        value = sign(self._key, self.algorithm, c14n(info), self._distid)
        etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
        key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
        str_ = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(str_, f"{{{WSSE}}}Reference", URI=f"#{token.get(ID)}", ValueType=X509V3)
