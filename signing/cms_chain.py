"""The certificate path of a CMS signer (signing/cms.py): each certificate signed by the next, up to one of the
trust roots, every one valid at the signing time — RFC 5280 §6 reduced to what a seal certificate needs (no policy,
name constraints or revocation: a court's CA publishes those through its own channels).

SM2 certificate signatures are checked with SM2-with-SM3 under the default distinguishing ID (GM/T 0015), the
others by `cryptography`. Errors are CmsInvalid with a reason code and a sentence naming the certificate."""

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from signing import sm2
from signing.certificates import certificate_key

SM2_WITH_SM3 = "1.2.156.10197.1.501"
MAX_DEPTH = 8  # far beyond any real seal chain; bounds a loop in a crafted certificate set


class CmsInvalid(Exception):
    """A CMS signature that does not verify; `reason` is one of the class constants, `detail` a sentence."""

    MALFORMED = "malformed_cms"
    ALGORITHM = "bad_algorithm"
    UNKNOWN_SIGNER = "unknown_signer"
    CONTENT_CHANGED = "content_changed"
    MISMATCH = "bad_signature"
    UNTRUSTED = "untrusted_certificate"
    EXPIRED = "certificate_not_valid_at_signing_time"

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def check_chain(
    signer: x509.Certificate,
    carried: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    at: datetime,
) -> list[x509.Certificate]:
    """The path from `signer` to a trust root (both included); CmsInvalid if there is none or a certificate on it
    is outside its validity at `at`."""
    roots = {root.public_bytes(Encoding.DER) for root in trust_roots}
    path, current = [signer], signer
    for _ in range(MAX_DEPTH):
        _valid_at(current, at)
        if current.public_bytes(Encoding.DER) in roots:
            return path
        issuer = next((c for c in [*trust_roots, *carried] if _issued(current, c)), None)
        if issuer is None or issuer in path:  # none, or a loop (a self-signed certificate that is not a root)
            break
        path.append(issuer)
        current = issuer
    raise CmsInvalid(CmsInvalid.UNTRUSTED, f"{signer.subject.rfc4514_string()!r} does not chain to a trusted root")


def _valid_at(certificate: x509.Certificate, at: datetime) -> None:
    at = at.astimezone(UTC)
    if not certificate.not_valid_before_utc <= at <= certificate.not_valid_after_utc:
        raise CmsInvalid(
            CmsInvalid.EXPIRED,
            f"{certificate.subject.rfc4514_string()!r} is valid {certificate.not_valid_before_utc:%Y-%m-%d %H:%M}Z"
            f" to {certificate.not_valid_after_utc:%Y-%m-%d %H:%M}Z, not at {at:%Y-%m-%d %H:%M}Z",
        )


def _issued(child: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether `issuer` names and signed `child`."""
    if child.issuer != issuer.subject:
        return False
    key = certificate_key(issuer)
    if child.signature_algorithm_oid.dotted_string == SM2_WITH_SM3:
        if not sm2.is_sm2_key(key):
            return False
        # GM/T 0015 certificates are signed under 1234567812345678; OpenSSL 3 without -sigopt distid uses none
        tbs = child.tbs_certificate_bytes
        return any(sm2.verify_digest(key, child.signature, sm2.digest(key, tbs, i)) for i in (sm2.DEFAULT_ID, ""))
    try:
        child.verify_directly_issued_by(issuer)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
