"""Signing outgoing envelopes: a Timestamp and the Body, signed, our certificate in a BinarySecurityToken."""

import base64
import threading
from binascii import b2a_base64
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
from signing.wsse.fields import Children
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
        self._parsed_by_thread = threading.local()  # see _parsed

    def __repr__(self) -> str:  # never the key
        return f"WsseSigner(algorithm={self.algorithm!r})"

    def sign(self, envelope: Any) -> None:
        """Add the Security header to `envelope` (an lxml soap:Envelope) in place."""
        parts = Children(envelope)  # find / findall, without ElementPath, from one read of the children (fields.py)
        header = parts.child(f"{{{SOAP}}}Header")
        bodies = parts.every(f"{{{SOAP}}}Body")
        if header is None:
            header = etree.Element(f"{{{SOAP}}}Header")
            envelope.insert(0, header)
        if len(bodies) != 1:
            raise SignatureInvalid("malformed", f"expected one Body, found {len(bodies)}")
        body = bodies[0]
        ids = texts.random_ids(3)
        body_id = f"Body-{ids[0]}"
        body.set(ID, body_id)
        created, expires = self._times()
        stamp_id, token_id = f"TS-{ids[1]}", f"X509-{ids[2]}"
        prefix = _soap_prefix(header)
        if prefix is None:
            self._sign_built(header, body, created, expires, stamp_id, token_id)
            return
        # The Timestamp's and SignedInfo's canonical forms are written from the values (texts.py): neither is
        # canonicalised from the tree, and the header is this thread's parsed template, copied and filled in.
        # b2a_base64 without its newline is what base64.b64encode returns, without the wrapper's call
        body_digest = b2a_base64(digest(self.algorithm, c14n(body)), newline=False).decode()
        stamp_text = texts.canonical_timestamp(stamp_id, created, expires)
        stamp_digest = b2a_base64(digest(self.algorithm, stamp_text), newline=False).decode()
        signed = self._info.format(body=body_id, stamp=stamp_id, body_digest=body_digest, stamp_digest=stamp_digest)
        value = b2a_base64(sign(self._key, self.algorithm, signed.encode(), self._distid), newline=False).decode()
        # lxml's deepcopy is its __copy__ (the subtree, deep), without the copy module's memo around it
        security = self._parsed(prefix).__copy__()
        stamp, token, signature = security[0], security[1], security[2]
        stamp.set(ID, stamp_id)
        stamp[0].text, stamp[1].text = created, expires
        token.set(ID, token_id)
        info = signature[0]
        for reference, target, target_digest in ((info[2], body_id, body_digest), (info[3], stamp_id, stamp_digest)):
            reference.set("URI", f"#{target}")
            reference[2].text = target_digest
        signature[1].text = value
        signature[2][0][0].set("URI", f"#{token_id}")
        header.append(security)  # its own soap prefix declaration is dropped: the header has it

    def _parsed(self, prefix: str) -> Any:
        """The Security header text under `prefix`, parsed once per thread (lxml trees are not shared between
        threads), every per-message value empty: each is set in place, so attribute order is the text's."""
        parsed = getattr(self._parsed_by_thread, "by_prefix", None)
        if parsed is None:
            parsed = self._parsed_by_thread.by_prefix = {}
        if prefix not in parsed:
            empty = dict.fromkeys(("stamp", "created", "expires", "token", "body", "body_digest", "stamp_digest"), "")
            parsed[prefix] = etree.fromstring(self._template.format(soap=prefix, signature="", **empty))
        return parsed[prefix]

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
