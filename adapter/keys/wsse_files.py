"""WS-Security files for a SOAP court: our signing key and its certificate — self-signed, or a certificate signing
request (PKCS #10, RFC 2986) for the court's CA — in the algorithms the wsse profile signs with
(signing/wsse/): RSA (3072 bits; RSA-SHA256), EC P-256 (ECDSA-SHA256) and SM2 (SM2-with-SM3, GB/T 32918;
certificates per GM/T 0015, signed under the default distinguishing ID). `docking keys wsse` is the command.

RSA and EC certificates are built and signed by `cryptography`; it cannot sign with SM2, so an SM2 certificate or
request is written with signing/der.py and signed with Tongsuo (the sm2 extra). Either way the certificate says
what it is for: not a CA, digital signature and non-repudiation only (RFC 5280 §4.2.1.3, §4.2.1.9).
"""

import base64
import hashlib
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from signing import der, sm2
from signing.keyfiles import KeyFileError, load_private_key, private_pem, write_secret

WSSE_ALGORITHMS = ("RSA", "EC", "SM2")
SM2_WITH_SM3 = "1.2.156.10197.1.501"  # GM/T 0006 signature algorithm identifier; no parameters
EXTENSION_REQUEST = "1.2.840.113549.1.9.14"  # PKCS #9 extensionRequest (RFC 2985 §5.4.2)
SKEW = timedelta(minutes=5)  # valid from a little before now: a court whose clock runs behind must accept it


@dataclass(frozen=True)
class WsseFiles:
    key: Path
    written: Path  # the certificate (.crt) or the signing request (.csr)
    request: bool


def make_wsse_files(
    directory: Path,
    name: str,
    subject: str,
    *,
    now: datetime,
    algorithm: str | None = "RSA",
    days: int = 825,
    request: bool = False,
    passphrase: bytes | None = None,
    key_file: Path | None = None,
) -> WsseFiles:
    """Write `<name>.key` (mode 0600; or use `key_file`) and `<name>.crt` (self-signed) or `<name>.csr`."""
    try:
        subject_name = x509.Name.from_rfc4514_string(subject)
    except ValueError:
        subject_name = x509.Name([])
    if not list(subject_name):
        raise KeyFileError(f"subject {subject!r} is not a name such as CN=mediation-centre,O=…,C=CN (RFC 4514)")
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / f"{name}.{'csr' if request else 'crt'}"
    key_path = key_file or directory / f"{name}.key"
    for path in (target, None if key_file else key_path):
        if path is not None and path.exists():
            raise KeyFileError(f"{path.resolve()} already exists; choose another --name or move it away first")
    if key_file is None:
        if algorithm not in WSSE_ALGORITHMS:
            raise KeyFileError(f"algorithm {algorithm!r} is not one of {', '.join(WSSE_ALGORITHMS)}")
        key = _new_key(algorithm)
        write_secret(key_path, private_pem(key, passphrase))
    else:
        key = load_private_key(key_file, passphrase)
        _check_key(key, key_file)
    pem = _request(key, subject_name) if request else _certificate(key, subject_name, now, days)
    with target.open("xb") as handle:  # exclusive: never replace a certificate in use
        handle.write(pem)
    return WsseFiles(key_path, target, request)


def certificate_pem(key: Any, name: x509.Name, now: datetime, days: int) -> bytes:
    """A self-signed end-entity certificate for `key` (RSA, EC P-256 or SM2) as PEM: valid from SKEW before `now`
    for `days` days, digitalSignature + nonRepudiation, not a CA (also the seal's: adapter/keys/seal_certificate.py)."""
    return _certificate(key, name, now, days)


def request_pem(key: Any, name: x509.Name) -> bytes:
    """A PKCS #10 request (RFC 2986) for `key` with the same extensions requested, as PEM."""
    return _request(key, name)


def _new_key(algorithm: str) -> Any:
    if algorithm == "RSA":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if algorithm == "EC":
        return ec.generate_private_key(ec.SECP256R1())
    return sm2.new_private_key()


def _check_key(key: Any, path: Path) -> None:
    """Only what the wsse profile can sign with (RSA of 2048 bits or more, EC P-256, SM2)."""
    curve = getattr(getattr(key, "curve", None), "name", None)
    if (isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048) or curve == "secp256r1" or sm2.is_sm2_key(key):
        return
    raise KeyFileError(f"{path.resolve()} is not an RSA (2048 bits or more), EC P-256 or SM2 private key")


def _extensions(key: Any) -> list[tuple[x509.ExtensionType, bool]]:
    """(extension, critical): an end entity, for signing only, with its key identifier."""
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,  # non-repudiation: what we sign to a court is meant to bind us
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (usage, True),
        (x509.SubjectKeyIdentifier(_key_identifier(key.public_key())), False),
    ]


def _key_identifier(public_key: Any) -> bytes:
    """RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits (an identifier, not a security use)."""
    if sm2.is_sm2_key(public_key):
        numbers = public_key.public_numbers()
        point = b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
        return hashlib.sha1(point).digest()
    return x509.SubjectKeyIdentifier.from_public_key(public_key).digest


def _certificate(key: Any, name: x509.Name, now: datetime, days: int) -> bytes:
    start, end = now - SKEW, now + timedelta(days=days)
    serial = x509.random_serial_number()
    if sm2.is_sm2_key(key):
        validity = der.sequence(der.time(start), der.time(end))
        tbs = der.sequence(
            der.context(0, der.integer(2)),  # v3
            der.integer(serial),
            _SM2_ALGORITHM,
            name.public_bytes(),
            validity,
            name.public_bytes(),
            _spki(key),
            der.context(3, _extensions_der(key)),
        )
        return _pem("CERTIFICATE", der.sequence(tbs, _SM2_ALGORITHM, der.bit_string(_sm2_sign(key, tbs))))
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(start)
        .not_valid_after(end)
    )
    for extension, critical in _extensions(key):
        builder = builder.add_extension(extension, critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)


def _request(key: Any, name: x509.Name) -> bytes:
    if sm2.is_sm2_key(key):
        wanted = der.sequence(der.oid(EXTENSION_REQUEST), der.tlv(0x31, _extensions_der(key)))
        info = der.sequence(der.integer(0), name.public_bytes(), _spki(key), der.context(0, wanted))
        return _pem("CERTIFICATE REQUEST", der.sequence(info, _SM2_ALGORITHM, der.bit_string(_sm2_sign(key, info))))
    builder = x509.CertificateSigningRequestBuilder().subject_name(name)
    for extension, critical in _extensions(key):
        builder = builder.add_extension(extension, critical)
    return builder.sign(key, hashes.SHA256()).public_bytes(Encoding.PEM)


_SM2_ALGORITHM = der.sequence(der.oid(SM2_WITH_SM3))


def _extensions_der(key: Any) -> bytes:
    return der.sequence(
        *(
            der.sequence(
                der.oid(extension.oid.dotted_string),
                *([der.boolean(True)] if critical else []),  # DEFAULT FALSE is left out (DER)
                der.octet_string(extension.public_bytes()),
            )
            for extension, critical in _extensions(key)
        )
    )


def _spki(key: Any) -> bytes:
    ser = sm2.serialization()  # an SM2 key: only Tongsuo encodes it
    return bytes(key.public_key().public_bytes(ser.Encoding.DER, ser.PublicFormat.SubjectPublicKeyInfo))


def _sm2_sign(key: Any, data: bytes) -> bytes:
    """SM2 with SM3 over `data` under the default distinguishing ID (GM/T 0015 certificates), DER r, s."""
    return sm2.sign_digest(key, sm2.digest(key.public_key(), data, sm2.DEFAULT_ID))


def _pem(label: str, data: bytes) -> bytes:
    body = "\n".join(textwrap.wrap(base64.b64encode(data).decode("ascii"), 64))
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n".encode("ascii")
