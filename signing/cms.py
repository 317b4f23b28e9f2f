"""Detached CMS signatures (RFC 5652 SignedData, no encapsulated content) — a `.p7s` beside the document it signs —
that a court checks with `openssl cms -verify -binary -inform DER -content FILE -CAfile CERT`.

SM2 follows GB/T 35275 with the RFC 8998 / OpenSSL 3 identifiers: digest SM3 (1.2.156.10197.1.401), signature
SM2-with-SM3 (1.2.156.10197.1.501), e = SM3(Z_A ‖ DER(signedAttrs)) (GB/T 32918.2). Z_A depends on a
distinguishing ID that CMS does not carry: OpenSSL 3 and Tongsuo sign and verify CMS with the *empty* ID (their
CMS code sets none, and their SM2 signature then hashes ENTL = 0 — checked against `openssl cms -verify` 3.0.19),
while GB/T 35276 names 1234567812345678 as the default. We sign with the empty ID (CMS_DISTID) so that the court's
standard tool verifies, and accept either ID when verifying (CmsSigner.distid says which).
RSA keys sign PKCS #1 v1.5 with SHA-256 and EC P-256 keys ECDSA with SHA-256 (RFC 5754). Signed attributes:
contentType, messageDigest and signingTime (RFC 5652 §11.1–11.3).

GB/T 35275 itself names other identifiers (signedData 1.2.156.10197.6.1.4.2.2, data …4.2.1, signature sm2-1
1.2.156.10197.1.301.1); OpenSSL 3.0 refuses such a file ("content type not signed data"), so they are never
written, but a signature from a GB/T 35275 producer is read and verified all the same.

    sign_detached(content, key, certificate_chain, *, at=None, distid=CMS_DISTID) -> bytes  # DER ContentInfo
    verify_detached(content, cms_der, trust_roots, *, at=None) -> CmsSigner  # CmsInvalid(reason, detail) if not
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from asn1crypto import cms as acms  # type: ignore[import-untyped]
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from schemas.clock import utc_now
from signing import sm2
from signing.certificates import certificate_key
from signing.cms_chain import SM2_WITH_SM3, CmsInvalid, check_chain

SM3 = "1.2.156.10197.1.401"
SHA256 = "2.16.840.1.101.3.4.2.1"
RSA_ENCRYPTION = "1.2.840.113549.1.1.1"  # what OpenSSL writes for PKCS #1 v1.5 in a SignerInfo (RFC 3370 §3.2)
ECDSA_SHA256 = "1.2.840.10045.4.3.2"
GM_SIGNED_DATA = "1.2.156.10197.6.1.4.2.2"  # GB/T 35275 §7's signedData, read (OpenSSL 3 refuses it: not written)
GM_DATA = "1.2.156.10197.6.1.4.2.1"
ID_DATA = "1.2.840.113549.1.7.1"
GM_SM2_SIGN = "1.2.156.10197.1.301.1"  # GB/T 35275's sm2-1 signature identifier (with SM3), read
CMS_DISTID = ""  # what OpenSSL 3 / Tongsuo's CMS uses for SM2 (see above)
_DISTIDS = (CMS_DISTID, sm2.DEFAULT_ID)
_SINGLE = ("content_type", "message_digest", "signing_time")  # single-valued, once each (RFC 5652 §11.1–11.3)
_SIGNATURES = {
    SM2_WITH_SM3: SM3,
    GM_SM2_SIGN: SM3,
    RSA_ENCRYPTION: SHA256,
    "1.2.840.113549.1.1.11": SHA256,
    ECDSA_SHA256: SHA256,
}

__all__ = ["CMS_DISTID", "CmsInvalid", "CmsSigner", "sign_detached", "verify_detached"]


@dataclass(frozen=True)
class CmsSigner:
    """Who signed and when: the signer's certificate (its subject as RFC 4514 text), the signingTime attribute
    (UTC), and the algorithms' dotted OIDs."""

    subject: str
    certificate: x509.Certificate
    signing_time: datetime | None
    digest_algorithm: str
    signature_algorithm: str
    distid: str | None = None  # the SM2 distinguishing ID the signature verified under; None for RSA/EC


def sign_detached(
    content: bytes,
    key: Any,
    certificate_chain: Sequence[x509.Certificate],
    *,
    at: datetime | None = None,
    distid: str = CMS_DISTID,
) -> bytes:
    """DER CMS SignedData over `content` (not included), signed by `key` — SM2, RSA (2048 bits or more) or EC
    P-256 — whose certificate is `certificate_chain[0]`; the whole chain is carried in `certificates`.
    `at`: the signingTime (default now); `distid`: the SM2 distinguishing ID (ignored for RSA/EC). ValueError if
    the key is none of those, is not the certificate's, or the certificate is not valid at `at` (expired)."""
    if not certificate_chain:
        raise ValueError("certificate_chain: the signer's certificate comes first; none was given")
    signer = certificate_chain[0]
    if certificate_key(signer).public_numbers() != key.public_key().public_numbers():
        raise ValueError(f"the key is not the one certified in {signer.subject.rfc4514_string()!r}")
    digest_oid, signature_oid = _algorithms(key)
    when = (at or utc_now()).replace(microsecond=0)
    if not signer.not_valid_before_utc <= when <= signer.not_valid_after_utc:  # a court would refuse it: say so now
        raise ValueError(
            f"the seal certificate {signer.subject.rfc4514_string()!r} is valid "
            f"{signer.not_valid_before_utc:%Y-%m-%d %H:%M}Z to {signer.not_valid_after_utc:%Y-%m-%d %H:%M}Z, not at "
            f"{when:%Y-%m-%d %H:%M}Z: renew it (`docking keys cert`, or a CSR for the CA: `docking keys csr`)"
        )
    attributes = acms.CMSAttributes(
        [
            {"type": "content_type", "values": ["data"]},
            {"type": "message_digest", "values": [_hash(digest_oid, content)]},
            {"type": "signing_time", "values": [acms.Time({_time_choice(when): when})]},
        ]
    )
    signature = _sign(key, signature_oid, attributes.dump(), distid)  # signed as a SET OF (RFC 5652 §5.4), tag 0x31
    parsed = acms.Certificate.load(signer.public_bytes(Encoding.DER))
    signer_info = acms.SignerInfo(
        {
            "version": "v1",
            "sid": acms.SignerIdentifier(
                {"issuer_and_serial_number": {"issuer": parsed.issuer, "serial_number": parsed.serial_number}}
            ),
            "digest_algorithm": {"algorithm": digest_oid},
            "signed_attrs": attributes,
            "signature_algorithm": {"algorithm": signature_oid},
            "signature": signature,
        }
    )
    signed_data = acms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": digest_oid}],
            "encap_content_info": {"content_type": "data"},  # eContent absent: detached (RFC 5652 §5.2)
            "certificates": [acms.Certificate.load(c.public_bytes(Encoding.DER)) for c in certificate_chain],
            "signer_infos": [signer_info],
        }
    )
    return bytes(acms.ContentInfo({"content_type": "signed_data", "content": signed_data}).dump())


def verify_detached(
    content: bytes, cms_der: bytes, trust_roots: Sequence[x509.Certificate], *, at: datetime | None = None
) -> CmsSigner:
    """Check a detached CMS signature over `content`: its one signer's certificate chains (through the carried
    certificates) to one of `trust_roots` and is valid at `at` (the signingTime, else now); the messageDigest is
    the content's; the signature is over the signed attributes. CmsInvalid names the failed rule otherwise."""
    try:
        return _verify_detached(content, cms_der, trust_roots, at)
    except CmsInvalid:
        raise
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError) as exc:
        # asn1crypto parses lazily: a malformed field inside a well-formed envelope fails where it is first read
        raise CmsInvalid(CmsInvalid.MALFORMED, f"not DER CMS SignedData ({type(exc).__name__}: {exc})") from None


def _verify_detached(
    content: bytes, cms_der: bytes, trust_roots: Sequence[x509.Certificate], at: datetime | None
) -> CmsSigner:
    signer_info, carried, content_type = _parse(cms_der)
    sid = signer_info["sid"]
    if sid.name != "issuer_and_serial_number":
        raise CmsInvalid(CmsInvalid.MALFORMED, "the signer is named by subjectKeyIdentifier; expected issuer+serial")
    issuer, serial = sid.chosen["issuer"], sid.chosen["serial_number"].native
    pool = [*carried, *trust_roots]
    signer = next(
        (c for c in pool if c.serial_number == serial and c.issuer.public_bytes() == issuer.dump()),
        None,
    )
    if signer is None:
        raise CmsInvalid(CmsInvalid.UNKNOWN_SIGNER, f"no certificate with serial {serial:x} is carried or trusted")
    digest_oid = signer_info["digest_algorithm"]["algorithm"].dotted
    signature_oid = signer_info["signature_algorithm"]["algorithm"].dotted
    if _SIGNATURES.get(signature_oid) != digest_oid:
        raise CmsInvalid(CmsInvalid.ALGORITHM, f"signature {signature_oid} with digest {digest_oid} is not supported")
    attributes = signer_info["signed_attrs"]
    if not isinstance(attributes, acms.CMSAttributes) or not len(attributes):
        raise CmsInvalid(CmsInvalid.MALFORMED, "no signed attributes (contentType, messageDigest are required)")
    values = _single_values(attributes)
    if "message_digest" not in values or "content_type" not in values:
        raise CmsInvalid(CmsInvalid.MALFORMED, "signed attributes lack contentType or messageDigest (RFC 5652 §5.3)")
    if _data(content_type) != ID_DATA:  # a seal signs the PDF's bytes as they are: data, nothing typed
        raise CmsInvalid(CmsInvalid.MALFORMED, f"eContentType {content_type} is not id-data (or GM/T 35275 data)")
    if _data(values["content_type"][0].dotted) != _data(content_type):  # RFC 5652 §11.1: the signed type is carried
        raise CmsInvalid(CmsInvalid.MALFORMED, f"signed contentType is not the eContentType {content_type}")
    if values["message_digest"][0].native != _hash(digest_oid, content):
        raise CmsInvalid(CmsInvalid.CONTENT_CHANGED, "the content's digest is not the signed messageDigest")
    signed = b"\x31" + attributes.dump()[1:]  # the [0] IMPLICIT tag back to SET OF, as signed (RFC 5652 §5.4)
    distid = _verify(_signer_key(signer), signature_oid, signer_info["signature"].native, signed)
    if distid is False:
        raise CmsInvalid(CmsInvalid.MISMATCH, f"the signature is not {signer.subject.rfc4514_string()!r}'s")
    usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value if _has_usage(signer) else None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise CmsInvalid(CmsInvalid.UNTRUSTED, "the signer's key usage has neither digitalSignature nor nonRepudiation")
    signing_time = values["signing_time"][0].native if "signing_time" in values else None
    check_chain(signer, carried, trust_roots, at or signing_time or utc_now())
    subject = signer.subject.rfc4514_string()
    return CmsSigner(subject, signer, signing_time, digest_oid, signature_oid, distid if distid is not True else None)


def _single_values(attributes: Any) -> dict[str, Any]:
    """The signed attributes by name; MALFORMED when contentType, messageDigest or signingTime appears twice or with
    more than one value (RFC 5652 §11.1–11.3: one attribute, one value — else which one was signed for what?)."""
    values: dict[str, Any] = {}
    for attribute in attributes:
        name = attribute["type"].native
        if name in _SINGLE and name in values:
            raise CmsInvalid(CmsInvalid.MALFORMED, f"the signed attribute {name} appears twice (RFC 5652 §11)")
        if name in _SINGLE and len(attribute["values"]) != 1:
            raise CmsInvalid(
                CmsInvalid.MALFORMED, f"the signed attribute {name} has {len(attribute['values'])} values; expected one"
            )
        values[name] = attribute["values"]
    return values


def _signer_key(signer: x509.Certificate) -> Any:
    try:
        return certificate_key(signer)
    except (ValueError, TypeError) as exc:  # an unknown key algorithm or a broken key in a certificate that parsed
        raise CmsInvalid(CmsInvalid.MALFORMED, f"the signer's certificate key cannot be read ({exc})") from None


def _data(content_type: str) -> str:
    return ID_DATA if content_type == GM_DATA else content_type  # GB/T 35275's data is id-data


def _has_usage(certificate: x509.Certificate) -> bool:
    return any(e.oid == x509.oid.ExtensionOID.KEY_USAGE for e in certificate.extensions)


def _parse(cms_der: bytes) -> tuple[Any, list[x509.Certificate], str]:
    try:
        info = acms.ContentInfo.load(cms_der, strict=True)
        if info["content_type"].dotted == GM_SIGNED_DATA:  # a GB/T 35275 producer: the same SignedData inside
            signed_data = acms.SignedData.load(info["content"].contents)
        elif info["content_type"].native == "signed_data":
            signed_data = info["content"]
        else:
            raise CmsInvalid(CmsInvalid.MALFORMED, f"content type {info['content_type'].dotted}, not signedData")
        if signed_data["encap_content_info"]["content"].native is not None:
            raise CmsInvalid(CmsInvalid.MALFORMED, "the content is encapsulated; expected a detached signature")
        infos = list(signed_data["signer_infos"])
        certificates = [x509.load_der_x509_certificate(c.dump()) for c in signed_data["certificates"] or []]
    except (ValueError, TypeError, KeyError) as exc:
        raise CmsInvalid(CmsInvalid.MALFORMED, f"not DER CMS SignedData ({exc})") from None
    if len(infos) != 1:
        raise CmsInvalid(CmsInvalid.MALFORMED, f"{len(infos)} signers; expected exactly one")
    return infos[0], certificates, signed_data["encap_content_info"]["content_type"].dotted


def _algorithms(key: Any) -> tuple[str, str]:
    if sm2.is_sm2_key(key):
        return SM3, SM2_WITH_SM3
    if isinstance(key, rsa.RSAPrivateKey) and key.key_size >= 2048:
        return SHA256, RSA_ENCRYPTION
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1":
        return SHA256, ECDSA_SHA256
    raise ValueError("the seal key must be SM2, RSA (2048 bits or more) or EC P-256")


def _time_choice(when: datetime) -> str:
    return "utc_time" if when.year < 2050 else "generalized_time"  # RFC 5652 §11.3, as RFC 5280 §4.1.2.5


def _hash(digest_oid: str, data: bytes) -> bytes:
    return sm2.sm3(data) if digest_oid == SM3 else hashlib.sha256(data).digest()


def _sign(key: Any, signature_oid: str, data: bytes, distid: str) -> bytes:
    if signature_oid == SM2_WITH_SM3:
        return sm2.sign_digest(key, sm2.digest(key.public_key(), data, distid))
    if signature_oid == RSA_ENCRYPTION:
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    return bytes(key.sign(data, ec.ECDSA(hashes.SHA256())))


def _verify(public_key: Any, signature_oid: str, signature: bytes, data: bytes) -> str | bool:
    """False if the signature fails; for SM2 the distinguishing ID it verified under, else True."""
    try:
        if signature_oid in (SM2_WITH_SM3, GM_SM2_SIGN):
            if not sm2.is_sm2_key(public_key):
                return False
            ids = (i for i in _DISTIDS if sm2.verify_digest(public_key, signature, sm2.digest(public_key, data, i)))
            return next(ids, False)
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True
