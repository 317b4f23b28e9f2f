"""An outbound SOAP message's WS-Security signature, checked offline with our certificate (signing/wsse/).

The signed envelope is the bytes as posted; the verifier's clock is set to the envelope's own signed Timestamp, so
an old message still verifies (freshness was the court's to judge when it arrived, not the auditor's now). The XML
is parsed without entities, DTDs or network access, like every envelope (connectors/court_soap.py).
"""

from typing import Any

from cryptography import x509
from lxml import etree

from signing.errors import SignatureInvalid
from signing.wsse.names import WSU
from signing.wsse.times import xsd_datetime
from signing.wsse.verifier import WsseVerifier

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def certificate(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def verify_envelope(body: bytes, trusted: list[Any], distid: str) -> str:
    """The signed digest of the envelope `body` when a certificate of `trusted` signed it; SignatureInvalid else."""
    try:
        envelope = etree.fromstring(body, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SignatureInvalid("malformed", f"not XML: {exc}") from None
    created = xsd_datetime(envelope.findtext(f".//{{{WSU}}}Timestamp/{{{WSU}}}Created"), "the Timestamp's Created")
    if not trusted:
        raise SignatureInvalid("unknown_key", "no trusted WS-Security certificate of ours in the bundle")
    return WsseVerifier(trusted, clock=lambda: created, distid=distid).verify(envelope).signed_digest
