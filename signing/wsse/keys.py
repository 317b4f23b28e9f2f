"""Which configured certificate a signature's KeyInfo names (WS-Security X.509 Token Profile 1.1 §3.2, XML-DSig
§4.4.4). Trust comes from configuration alone: KeyInfo only says which configured certificate's key to try.

Accepted — every form WSS4J / Apache CXF (its keyIdentifierType), .NET and xmlsec emit for an X.509 signing key:
  wsse:SecurityTokenReference holding
    wsse:Reference URI="#id"          a wsse:BinarySecurityToken (X509v3, or an X509PKIPathv1 chain) in the header
    wsse:KeyIdentifier ValueType=…#X509v3                    the certificate itself, base64
                                …#X509SubjectKeyIdentifier   its subject key identifier
                                …#ThumbprintSHA1             the SHA-1 of its DER
    ds:X509Data                       as below (WSS4J's IssuerSerial)
    wsse:Embedded                     a BinarySecurityToken carried inside the reference
  ds:X509Data holding X509IssuerSerial, X509Certificate, X509SKI or X509SubjectName
  no KeyInfo at all, and one BinarySecurityToken in the header
Anything else (ds:KeyValue, ds:KeyName, a SAML or Kerberos token) is refused naming what it was; a reference to a
certificate that is not configured is refused naming the certificate as the reference gave it.
"""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from signing import dn
from signing.certificates import certificate_key, pki_path, subject_key_identifier, thumbprint
from signing.errors import SignatureInvalid
from signing.wsse.algorithms import algorithm_for
from signing.wsse.fields import base64_field, only
from signing.wsse.fields import child as first_child
from signing.wsse.names import BASE64, DS, ID, THUMBPRINT_SHA1, WSSE, X509_PKIPATH, X509_SKI, X509V3

_KEPT_TOKENS = 64  # X509v3 token texts kept with the certificates found for them: a few per configured certificate


@dataclass(frozen=True, eq=False)  # the same configured certificate is the same object
class Trusted:
    """One configured certificate with its key and the algorithm that key signs with."""

    certificate: x509.Certificate
    der: bytes
    key: Any
    algorithm: str


def _shown(value: object) -> str:
    """A value from the message, fit for an error: one line, at most 200 characters."""
    text = " ".join(str(value).split())
    return text if len(text) <= 200 else text[:200] + "…"


class TrustedCertificates:
    """The counterpart's configured certificates (one, or several during a rotation), found as a KeyInfo names them."""

    def __init__(self, certificates: Sequence[x509.Certificate]) -> None:
        self.all: list[Trusted] = []
        self._by_token: dict[str | None, list[Trusted]] = {}  # see _token
        for certificate in certificates:
            key = certificate_key(certificate)  # each brings its own algorithm: a rotation may change key type
            self.all.append(Trusted(certificate, certificate.public_bytes(Encoding.DER), key, algorithm_for(key)))

    def named_by(self, signature: Any, security: Any) -> list[Trusted]:
        """The configured certificates `signature`'s KeyInfo names (usually one); SignatureInvalid if none."""
        key_info = first_child(signature, f"{{{DS}}}KeyInfo")
        if key_info is None:  # no KeyInfo: the header's one token, as senders that omit it mean
            tokens = list(security.iterchildren(f"{{{WSSE}}}BinarySecurityToken"))
            if len(tokens) != 1:
                raise SignatureInvalid("unsigned", f"no KeyInfo, and {len(tokens)} BinarySecurityTokens, not one")
            return self._token(tokens[0])
        refusals: list[SignatureInvalid] = []
        for child in (c for c in key_info if isinstance(c.tag, str)):
            try:  # the first child that names a configured certificate decides; the rest are alternatives
                return self._named(child, security)
            except SignatureInvalid as refusal:
                refusals.append(refusal)
        if refusals:  # the first reason is the one worth reading
            raise refusals[0]
        raise SignatureInvalid("unsigned", "the KeyInfo names no key")

    def _named(self, child: Any, security: Any) -> list[Trusted]:
        if child.tag == f"{{{WSSE}}}SecurityTokenReference":
            return self._reference(child, security)
        if child.tag == f"{{{DS}}}X509Data":
            return self._x509_data(child)
        raise SignatureInvalid(
            "unknown_key",
            f"the KeyInfo names its key by {etree.QName(child).localname}, which "
            "is not supported: a configured X.509 certificate must be named",
        )

    def _reference(self, reference: Any, security: Any) -> list[Trusted]:
        parts = [c for c in reference if isinstance(c.tag, str)]
        if len(parts) != 1:
            raise SignatureInvalid("malformed", f"a SecurityTokenReference names one token, not {len(parts)} things")
        (part,) = parts
        if part.tag == f"{{{WSSE}}}Reference":
            uri = str(part.get("URI", ""))
            tokens = [t for t in security.iterchildren(f"{{{WSSE}}}BinarySecurityToken") if uri == f"#{t.get(ID)}"]
            if len(tokens) != 1:
                raise SignatureInvalid(
                    "malformed", f"the reference {_shown(uri)!r} names no BinarySecurityToken of the Security header"
                )
            return self._token(tokens[0])
        if part.tag == f"{{{WSSE}}}KeyIdentifier":
            return self._identifier(part)
        if part.tag == f"{{{DS}}}X509Data":
            return self._x509_data(part)
        if part.tag == f"{{{WSSE}}}Embedded":
            return self._token(only(part, f"{{{WSSE}}}BinarySecurityToken", "embedded BinarySecurityToken"))
        raise SignatureInvalid(
            "unknown_key",
            f"a SecurityTokenReference by {etree.QName(part).localname} is not "
            "supported: a configured X.509 certificate must be named",
        )

    def _token(self, token: Any) -> list[Trusted]:
        kind = token.get("ValueType")
        if kind == X509V3:  # the same token text in every message a sender signs: its certificates are kept
            text = token.text
            found = self._by_token.get(text)
            if found is None:
                found = self._certificate(base64_field(text, "the BinarySecurityToken"), "the BinarySecurityToken")
                if len(self._by_token) < _KEPT_TOKENS:  # only what a configured certificate was found for
                    self._by_token[text] = found
            return list(found)
        if kind == X509_PKIPATH:  # a chain; the signing certificate is one of them, and must be configured
            chain = _chain(base64_field(token.text, "the X509PKIPathv1 token"))
            found = [t for t in self.all if any(t.der == c.public_bytes(Encoding.DER) for c in chain)]
            if not found:
                raise SignatureInvalid(
                    "unknown_key",
                    "no certificate of the X509PKIPathv1 token is configured: "
                    + "; ".join(_describe(c) for c in chain),
                )
            return found
        raise SignatureInvalid("malformed", f"a BinarySecurityToken of type {_shown(kind)!r} is not an X.509 one")

    def _identifier(self, identifier: Any) -> list[Trusted]:
        kind, encoding = identifier.get("ValueType"), identifier.get("EncodingType", BASE64)
        if encoding != BASE64:
            raise SignatureInvalid("malformed", f"a KeyIdentifier encoded as {_shown(encoding)!r}, not base64")
        value = base64_field(identifier.text, "the KeyIdentifier")
        if kind == X509V3:
            return self._certificate(value, "the KeyIdentifier")
        if kind == X509_SKI:
            return self._by_ski(value)
        if kind == THUMBPRINT_SHA1:
            return self._matching(
                lambda t: thumbprint(t.certificate) == value, f"thumbprint={value.hex()}", "SHA-1 thumbprint"
            )
        raise SignatureInvalid(
            "unknown_key",
            f"a KeyIdentifier of type {_shown(kind)!r} is not supported: "
            "X509v3, X509SubjectKeyIdentifier or ThumbprintSHA1 are",
        )

    def _x509_data(self, data: Any) -> list[Trusted]:
        """XML-DSig §4.4.4: every item of one X509Data is about the same certificate (or its chain)."""
        found: list[Trusted] = []
        refusals: list[SignatureInvalid] = []
        for item in (i for i in data if isinstance(i.tag, str)):
            try:
                found += [t for t in self._x509_item(item) if t not in found]
            except SignatureInvalid as refusal:
                refusals.append(refusal)
        if found:
            return found
        raise refusals[0] if refusals else SignatureInvalid("unsigned", "the X509Data names no certificate")

    def _x509_item(self, item: Any) -> list[Trusted]:
        name = etree.QName(item).localname if etree.QName(item).namespace == DS else "?"
        if name == "X509IssuerSerial":
            issuer = " ".join((item.findtext(f"{{{DS}}}X509IssuerName") or "").split())
            serial_text = (item.findtext(f"{{{DS}}}X509SerialNumber") or "").strip()
            if not issuer or not re.fullmatch(r"-?[0-9]{1,200}", serial_text):  # xsd:integer, within reason
                raise SignatureInvalid(
                    "malformed",
                    f"X509IssuerSerial needs an issuer name and a decimal serial "
                    f"(issuer={_shown(issuer)}, serial={_shown(serial_text)})",
                )
            serial = int(serial_text)
            return self._matching(
                lambda t: t.certificate.serial_number == serial and dn.matches(issuer, t.certificate.issuer),
                f"issuer={_shown(issuer)}, serial={serial_text[:60]}",
                "issuer/serial",
            )
        if name == "X509Certificate":
            return self._certificate(base64_field(item.text, "the X509Certificate"), "the X509Certificate")
        if name == "X509SKI":
            return self._by_ski(base64_field(item.text, "the X509SKI"))
        if name == "X509SubjectName":
            subject = " ".join((item.text or "").split())
            return self._matching(
                lambda t: dn.matches(subject, t.certificate.subject), f"subject={_shown(subject)}", "subject name"
            )
        raise SignatureInvalid("unknown_key", f"an X509Data item {name} is not supported")

    def _certificate(self, der: bytes, where: str) -> list[Trusted]:
        found = [t for t in self.all if t.der == der]
        if not found:  # the message only says which certificate; trust comes from our configuration
            raise SignatureInvalid(
                "unknown_key",
                f"{where} holds a certificate that is not configured: " + _describe(_certificate(der, where)),
            )
        return found

    def _by_ski(self, value: bytes) -> list[Trusted]:
        """WSS's X509SubjectKeyIdentifier and XML-DSig's X509SKI name the same thing."""
        return self._matching(
            lambda t: subject_key_identifier(t.certificate) == value, f"ski={value.hex()}", "subject key identifier"
        )

    def _matching(self, test: Callable[[Trusted], bool], named: str, by: str) -> list[Trusted]:
        found = [t for t in self.all if test(t)]
        if not found:
            raise SignatureInvalid(
                "unknown_key", f"the signature names a certificate by {by} that is not configured: {named}"
            )
        return found


def _certificate(der: bytes, where: str) -> x509.Certificate:
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise SignatureInvalid("malformed", f"{where} is not an X.509 certificate") from None


def _describe(certificate: x509.Certificate) -> str:
    """Who a certificate says it is, for the refusal; its names are parsed lazily and may be hostile DER."""
    try:
        subject, issuer = certificate.subject.rfc4514_string(), certificate.issuer.rfc4514_string()
    except ValueError:
        raise SignatureInvalid("malformed", "a certificate in the signature has unreadable names") from None
    return f"subject={_shown(subject)}, issuer={_shown(issuer)}, serial={certificate.serial_number}"


def _chain(der: bytes) -> list[x509.Certificate]:
    try:
        return pki_path(der)
    except ValueError:
        raise SignatureInvalid("malformed", "the X509PKIPathv1 token is not a chain of certificates") from None
