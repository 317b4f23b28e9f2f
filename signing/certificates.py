"""X.509 certificates as trust anchors: their public keys, SM2 included, whether a key is a certificate's, and the
identifiers a key reference may name one by (subject key identifier, SHA-1 thumbprint)."""

import base64
import hashlib
from typing import Any

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding

from signing.keyfiles import load_sm2_public_key


def certificate_key(certificate: x509.Certificate) -> Any:
    """The certificate's public key. `cryptography` reads SM2 certificates but not their keys, so for those the
    SubjectPublicKeyInfo is cut out of the DER and handed to Tongsuo (the sm2 extra)."""
    try:
        return certificate.public_key()
    except UnsupportedAlgorithm:
        spki = _spki(certificate.tbs_certificate_bytes)
        pem = b"-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki) + b"-----END PUBLIC KEY-----\n"
        key = load_sm2_public_key(pem)
        if key is None:
            raise ValueError("the certificate's key is neither RSA, EC P-256 nor (with the sm2 extra) SM2") from None
        return key


def same_key(one: Any, other: Any) -> bool:
    """Whether two public keys are the same key (RSA, EC or Tongsuo's SM2 alike: they all have numbers)."""
    try:
        return bool(one.public_numbers() == other.public_numbers())
    except AttributeError:
        return False


def subject_key_identifier(certificate: x509.Certificate) -> bytes:
    """Its subjectKeyIdentifier extension; without one, RFC 5280 §4.2.1.2 method (1) — the SHA-1 of the
    subjectPublicKey bits — as WSS4J and .NET compute it. Read from the DER, so SM2 certificates work alike."""
    try:
        return bytes(certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest)
    except x509.ExtensionNotFound:
        spki = _spki(certificate.tbs_certificate_bytes)
        _, start, _ = _tlv(spki, 0)  # into the SubjectPublicKeyInfo SEQUENCE
        _, _, algorithm_end = _tlv(spki, start)  # past the AlgorithmIdentifier
        _, bits, end = _tlv(spki, algorithm_end)  # the BIT STRING: one unused-bits octet, then the key
        return hashlib.sha1(spki[bits + 1 : end]).digest()


def thumbprint(certificate: x509.Certificate) -> bytes:
    """SHA-1 of the certificate's DER (WSS 1.1 ThumbprintSHA1): an identifier here, never a security check."""
    return hashlib.sha1(certificate.public_bytes(Encoding.DER)).digest()


def pki_path(der: bytes) -> list[x509.Certificate]:
    """The certificates of a PkiPath (a DER SEQUENCE OF Certificate, as WS-Security's X509PKIPathv1 token carries
    a chain); ValueError if it is not one."""
    try:
        _, position, end = _tlv(der, 0)
        chain = []
        while position < end:
            _, _, following = _tlv(der, position)
            chain.append(x509.load_der_x509_certificate(der[position:following]))
            position = following
    except IndexError:
        raise ValueError("not a DER sequence") from None
    if not chain:
        raise ValueError("an empty chain")
    return chain


def _spki(tbs: bytes) -> bytes:
    """The SubjectPublicKeyInfo element of a DER TBSCertificate (RFC 5280 §4.1): the seventh field, counting the
    optional [0] version — a walk over DER tag-length headers, nothing more."""
    _, start, _ = _tlv(tbs, 0)  # into the TBSCertificate SEQUENCE
    position, index = start, 0
    while position < len(tbs):
        tag, _, end = _tlv(tbs, position)
        if index == 0 and tag != 0xA0:
            index = 1  # no explicit version: v1 layout
        if index == 6:
            return tbs[position:end]
        position, index = end, index + 1
    raise ValueError("the certificate has no SubjectPublicKeyInfo")


def _tlv(data: bytes, position: int) -> tuple[int, int, int]:
    tag, length = data[position], data[position + 1]
    header = 2
    if length & 0x80:
        count = length & 0x7F
        length, header = int.from_bytes(data[position + 2 : position + 2 + count], "big"), 2 + count
    return tag, position + header, position + header + length
