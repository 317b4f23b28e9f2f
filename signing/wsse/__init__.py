"""WS-Security for SOAP courts (OASIS WSS 1.1, X.509 token profile): a signed Timestamp and Body.

The sender adds to the SOAP Header a `wsse:Security` holding a `wsu:Timestamp` (Created, Expires), its X.509
certificate as a `BinarySecurityToken`, and an XML-DSig `ds:Signature` whose SignedInfo references the Body and
the Timestamp by `wsu:Id`, each exclusive-c14n'd and digested with SHA-256 (never SHA-1), signed RSA-SHA256 or
ECDSA-SHA256 — or, where a platform requires 国密, SM3 digests and an SM2 signature (GB/T 32918).

The receiver trusts only the certificates it was configured with (the court's, never the sender's token as
such), however the signature names one (a token, issuer and serial, SKI, thumbprint: keys.py); honours the
InclusiveNamespaces PrefixList of exclusive c14n as WSS4J / Apache CXF write it (c14n.py); and refuses: no
Security header, no Timestamp or one outside its window (times.py), a Body or Timestamp that is not the one signed
(each reference must resolve to the Envelope's own Body and the Security header's own Timestamp — no signature
wrapping), a digest or signature mismatch, an algorithm other than the configured one.

    names.py       namespaces, token and key-identifier types, algorithm URIs
    algorithms.py  which algorithm a key signs with; sign, verify, digest
    c14n.py        exclusive c14n with its PrefixList ("#default" included)
    times.py       wsu:Created / wsu:Expires as xsd:dateTime
    keys.py        the configured certificates, found as a KeyInfo names them
    texts.py       the signer's Security header as text, the canonical forms of its signed parts, its ids
    signer.py      WsseSigner
    verifier.py    WsseVerifier
"""

from signing.wsse.algorithms import algorithm_for
from signing.wsse.c14n import c14n
from signing.wsse.names import ALGORITHMS, BASE64, DS, EXC_C14N, ID, SOAP, WSSE, WSU, X509V3
from signing.wsse.signer import WsseSigner
from signing.wsse.verifier import WsseVerified, WsseVerifier

__all__ = [
    "ALGORITHMS",
    "BASE64",
    "DS",
    "EXC_C14N",
    "ID",
    "SOAP",
    "WSSE",
    "WSU",
    "X509V3",
    "WsseSigner",
    "WsseVerified",
    "WsseVerifier",
    "algorithm_for",
    "c14n",
]
