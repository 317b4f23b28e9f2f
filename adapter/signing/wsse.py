"""WS-Security for SOAP courts (OASIS WSS 1.1, X.509 token profile): a signed Timestamp and Body.

The sender adds to the SOAP Header a `wsse:Security` holding a `wsu:Timestamp` (Created, Expires), its X.509
certificate as a `BinarySecurityToken`, and an XML-DSig `ds:Signature` whose SignedInfo references the Body and
the Timestamp by `wsu:Id`, each exclusive-c14n'd and digested with SHA-256 (never SHA-1), signed RSA-SHA256 or
ECDSA-SHA256 — or, where a platform requires 国密, SM3 digests and an SM2 signature (GB/T 32918).

The receiver trusts only the certificates it was configured with (the court's, never the sender's token as
such), and refuses: no Security header, no Timestamp or one outside its window, a Body or Timestamp that is not
the one signed (each reference must resolve to the Envelope's own Body and the Security header's own Timestamp —
no signature wrapping), a digest or signature mismatch, an algorithm other than the configured one.
"""

import base64
import hashlib
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from adapter.signing import sm2
from adapter.signing.certificates import certificate_key
from adapter.signing.errors import SignatureInvalid

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
X509V3 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-x509-token-profile-1.0#X509v3"
BASE64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
ID = f"{{{WSU}}}Id"

# (signature method URI, digest URI) per algorithm. XML-DSig has no SM2 URIs; these are the ones GM/T-style
# platforms publish, agreed per docking like the rest of the profile.
ALGORITHMS = {
    "rsa-sha256": ("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "http://www.w3.org/2001/04/xmlenc#sha256"),
    "ecdsa-sha256": (
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ),
    "sm2-sm3": ("http://www.gmcrypto.cn/xmldsig#sm2-sm3", "http://www.gmcrypto.cn/xmldsig#sm3"),
}


def c14n(element: Any) -> bytes:
    return bytes(etree.tostring(element, method="c14n", exclusive=True, with_comments=False))


def algorithm_for(key: Any) -> str:
    curve = getattr(getattr(key, "curve", None), "name", None)
    if curve == "SM2":  # a Tongsuo key (the sm2 extra)
        return "sm2-sm3"
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "rsa-sha256"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and curve == "secp256r1":
        return "ecdsa-sha256"
    raise ValueError(f"no WS-Security signature algorithm for a {type(key).__name__}")


def _digest(algorithm: str, data: bytes) -> bytes:
    return sm2.sm3(data) if algorithm == "sm2-sm3" else hashlib.sha256(data).digest()


def _sign(key: Any, algorithm: str, data: bytes, distid: str) -> bytes:
    if algorithm == "rsa-sha256":
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if algorithm == "ecdsa-sha256":  # XML-DSig 1.1 §6.4.3: the raw r ‖ s, not DER
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    r, s = decode_dss_signature(sm2.sign_digest(key, sm2.digest(key.public_key(), data, distid)))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def _verify(public_key: Any, algorithm: str, signature: bytes, data: bytes, distid: str) -> bool:
    try:
        if algorithm == "rsa-sha256":
            public_key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        if len(signature) != 64:
            return False
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        if algorithm == "ecdsa-sha256":
            public_key.verify(der, data, ec.ECDSA(hashes.SHA256()))
            return True
        return sm2.verify_digest(public_key, der, sm2.digest(public_key, data, distid))
    except (InvalidSignature, TypeError, ValueError):  # e.g. a key of another type than the method named
        return False


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
        self._key, self._cert_der = key, certificate.public_bytes(Encoding.DER)
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
        body = _only(envelope, f"{{{SOAP}}}Body", "Body")
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
        token.text = base64.b64encode(self._cert_der).decode()
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
            digest = _digest(self.algorithm, c14n(target))
            etree.SubElement(reference, f"{{{DS}}}DigestValue").text = base64.b64encode(digest).decode()
        value = _sign(self._key, self.algorithm, c14n(info), self._distid)
        etree.SubElement(signature, f"{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
        key_info = etree.SubElement(signature, f"{{{DS}}}KeyInfo")
        str_ = etree.SubElement(key_info, f"{{{WSSE}}}SecurityTokenReference")
        etree.SubElement(str_, f"{{{WSSE}}}Reference", URI=f"#{token.get(ID)}", ValueType=X509V3)


@dataclass(frozen=True)
class WsseVerified:
    signed_digest: str  # SHA-256 of the canonical SignedInfo: unique per signed envelope
    fresh_until: datetime  # the Timestamp's expiry plus the allowed skew: remember the digest this long


class WsseVerifier:
    """Checks incoming envelopes against the counterpart's certificates (one, or several during rotation)."""

    def __init__(
        self,
        trusted: Sequence[x509.Certificate],
        *,
        skew: timedelta = timedelta(minutes=5),
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        distid: str = sm2.DEFAULT_ID,
    ) -> None:
        if not trusted:
            raise ValueError("a WS-Security verifier needs at least one trusted certificate")
        # Each certificate brings its own algorithm (its key decides), so a rotation may change key type; an
        # envelope must use exactly the algorithm of the certificate it names.
        self._trusted: dict[bytes, tuple[Any, str]] = {}
        for cert in trusted:
            key = certificate_key(cert)
            self._trusted[cert.public_bytes(Encoding.DER)] = (key, algorithm_for(key))
        self._skew, self._clock, self._distid = skew, clock, distid

    def verify(self, envelope: Any) -> WsseVerified:
        """Raise SignatureInvalid unless `envelope` carries a fresh, valid signature over its Body and Timestamp."""
        header = _only(envelope, f"{{{SOAP}}}Header", "Header")
        security = _only(header, f"{{{WSSE}}}Security", "Security header")
        stamp = _only(security, f"{{{WSU}}}Timestamp", "Timestamp")
        expires = self._check_window(stamp)
        public_key, algorithm = self._key(_only(security, f"{{{WSSE}}}BinarySecurityToken", "BinarySecurityToken"))
        signature = _only(security, f"{{{DS}}}Signature", "Signature")
        info = _only(signature, f"{{{DS}}}SignedInfo", "SignedInfo")
        method, digest_method = ALGORITHMS[algorithm]
        if _algorithm(info, "CanonicalizationMethod") != EXC_C14N or _algorithm(info, "SignatureMethod") != method:
            raise SignatureInvalid("algorithm", f"the signature must be exclusive c14n + {algorithm}")
        body = _only(envelope, f"{{{SOAP}}}Body", "Body")
        wanted = {body.get(ID): body, stamp.get(ID): stamp}
        if (
            None in wanted
            or len(wanted) != 2
            or _ids(envelope).count(body.get(ID)) + _ids(envelope).count(stamp.get(ID)) != 2
        ):
            raise SignatureInvalid("malformed", "the Body and the Timestamp each need one unique wsu:Id")
        references = info.findall(f"{{{DS}}}Reference")
        if sorted(str(r.get("URI", "")) for r in references) != sorted(f"#{i}" for i in wanted):
            raise SignatureInvalid("unsigned", "the signature must cover exactly the Body and the Timestamp")
        for reference in references:
            target = wanted[str(reference.get("URI"))[1:]]
            transforms = [t.get("Algorithm") for t in reference.iterfind(f"{{{DS}}}Transforms/{{{DS}}}Transform")]
            if transforms != [EXC_C14N] or _algorithm(reference, "DigestMethod") != digest_method:
                raise SignatureInvalid("algorithm", "each reference must be exclusive c14n with the agreed digest")
            expected = base64.b64encode(_digest(algorithm, c14n(target))).decode()
            if (reference.findtext(f"{{{DS}}}DigestValue") or "").strip() != expected:
                raise SignatureInvalid("digest", f"the {etree.QName(target).localname} was changed after signing")
        value = _b64(signature.findtext(f"{{{DS}}}SignatureValue") or "")
        signed = c14n(info)
        if not _verify(public_key, algorithm, value, signed, self._distid):
            raise SignatureInvalid("signature", "the signature does not verify with the trusted certificate")
        # What was signed (it covers the random Timestamp and Body ids): the envelope's identity for a replay
        # guard. Never the SignatureValue's text, which is not signed and can be re-encoded at will.
        return WsseVerified(hashlib.sha256(signed).hexdigest(), expires + self._skew)

    def _check_window(self, stamp: Any) -> datetime:
        try:
            created = _utc(stamp.findtext(f"{{{WSU}}}Created"))
            expires = _utc(stamp.findtext(f"{{{WSU}}}Expires"))
        except (TypeError, ValueError):
            raise SignatureInvalid("malformed", "the Timestamp needs Created and Expires times") from None
        now = self._clock()
        if created > now + self._skew:
            raise SignatureInvalid("stale", f"the Timestamp was created in the future ({created.isoformat()})")
        if expires <= now - self._skew or expires - created > timedelta(hours=1):
            raise SignatureInvalid("stale", f"the Timestamp expired at {expires.isoformat()}")
        return expires

    def _key(self, token: Any) -> tuple[Any, str]:
        if token.get("ValueType") != X509V3:
            raise SignatureInvalid("malformed", "the BinarySecurityToken is not an X.509 v3 certificate")
        found = self._trusted.get(_b64(token.text or ""))
        if found is None:  # the token only says which certificate; trust comes from our configuration
            raise SignatureInvalid("unknown_key", "the signing certificate is not one this platform trusts")
        return found


def _only(parent: Any, tag: str, what: str) -> Any:
    found = parent.findall(tag)
    if len(found) != 1:
        raise SignatureInvalid("unsigned" if not found else "malformed", f"expected one {what}, found {len(found)}")
    return found[0]


def _algorithm(parent: Any, name: str) -> str | None:
    element = parent.find(f"{{{DS}}}{name}")
    return None if element is None else element.get("Algorithm")


def _ids(root: Any) -> list[str]:
    return [str(element.get(ID)) for element in root.iter() if element.get(ID) is not None]


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except ValueError:
        raise SignatureInvalid("malformed", "a signature field is not base64") from None


def _utc(text: str | None) -> datetime:
    if not text:
        raise ValueError("missing")
    value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    if value.tzinfo is None:
        raise ValueError("no time zone")
    return value.astimezone(UTC)
