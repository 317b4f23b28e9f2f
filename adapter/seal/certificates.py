"""A self-signed seal certificate, for the sandbox, the demo and tests (production: the centre's CA issues one).

The certificate carries what a seal needs to pass a PAdES validator's key-usage check: digitalSignature and
nonRepudiation (contentCommitment; pyHanko's default signer key usage, RFC 5280 §4.2.1.3), and is its own CA.
"""

from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID


def self_signed(key: Any, common_name: str, now: datetime, days: int = 365, organisation: str = "") -> x509.Certificate:
    """A self-signed certificate for `key` (a `cryptography` RSA or EC private key), valid from a minute before
    `now` (aware) for `days` days, SHA-256. CN `common_name`, O `organisation` when given."""
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attributes)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
