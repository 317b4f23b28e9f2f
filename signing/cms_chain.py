"""The certificate path of a CMS signer (signing/cms.py), RFC 5280 §6 reduced to what a seal certificate needs.

Checked: each certificate is named as issuer by (issuer = subject) and signed by the next, up to one of the trust
roots (§6.1.3 (a)(1), (a)(4)); every one is valid at the signing time (§6.1.3 (a)(2)); every issuer on the path —
each certificate but the signer's — is a CA: basicConstraints cA=true (§6.1.4 (k)), keyCertSign when it has a
keyUsage (§6.1.4 (n)), and no more CA certificates below it than its pathLenConstraint allows (§6.1.4 (l), (m);
a self-issued certificate counts like any other here); the trust root too, stricter than §6.1.1 (d) takes an anchor.
Left out: certificate policies (§6.1.3 (d)–(f), §6.1.4 (a)–(j)), name constraints (§6.1.3 (b)–(c), §6.1.4 (g)),
revocation (§6.1.3 (a)(3): a court's CA publishes CRLs through its own channels) and unknown critical extensions
(§6.1.4 (o)).

SM2 certificate signatures are checked with SM2-with-SM3 under the default distinguishing ID (GM/T 0015), the
others by `cryptography`. Errors are CmsInvalid with a reason code and a sentence naming the certificate."""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.serialization import Encoding

from signing import sm2
from signing.certificates import certificate_key
from signing.errors import SignatureInvalid

SM2_WITH_SM3 = "1.2.156.10197.1.501"  # signing/cms.py imports it from here
MAX_DEPTH = 8  # far beyond any real seal chain; bounds a loop in a crafted certificate set


class CmsInvalid(SignatureInvalid):
    """A CMS signature that does not verify; `reason` is one of the class constants, `detail` a sentence."""

    MALFORMED = "malformed_cms"
    ALGORITHM = "bad_algorithm"
    UNKNOWN_SIGNER = "unknown_signer"
    CONTENT_CHANGED = "content_changed"
    MISMATCH = "bad_signature"
    UNTRUSTED = "untrusted_certificate"
    EXPIRED = "certificate_not_valid_at_signing_time"


def check_chain(
    signer: x509.Certificate,
    carried: Sequence[x509.Certificate],
    trust_roots: Sequence[x509.Certificate],
    at: datetime,
) -> list[x509.Certificate]:
    """The path from `signer` to a trust root (both included); CmsInvalid if there is none or a certificate on it
    is outside its validity at `at` (EXPIRED), or an issuer on it may not issue certificates (UNTRUSTED)."""
    roots = {root.public_bytes(Encoding.DER) for root in trust_roots}
    path, current = [signer], signer
    for _ in range(MAX_DEPTH):
        _valid_at(current, at)
        if current.public_bytes(Encoding.DER) in roots:
            _may_issue(path)
            return path
        issuer = next((c for c in [*trust_roots, *carried] if _issued(current, c)), None)
        if issuer is None or issuer in path:  # none, or a loop (a self-signed certificate that is not a root)
            break
        path.append(issuer)
        current = issuer
    raise CmsInvalid(CmsInvalid.UNTRUSTED, f"{signer.subject.rfc4514_string()!r} does not chain to a trusted root")


def _may_issue(path: Sequence[x509.Certificate]) -> None:
    """UNTRUSTED unless every certificate of `path` after the first (the signer) is a CA that may sign
    certificates, with no more CA certificates below it than its pathLenConstraint (module doc)."""
    for index, issuer in enumerate(path[1:], start=1):
        name = issuer.subject.rfc4514_string()
        constraints = _extension(issuer, x509.BasicConstraints)
        if constraints is None or not constraints.ca:
            raise CmsInvalid(CmsInvalid.UNTRUSTED, f"{name!r} issued a certificate but is not a CA (basicConstraints)")
        usage = _extension(issuer, x509.KeyUsage)
        if usage is not None and not usage.key_cert_sign:
            raise CmsInvalid(CmsInvalid.UNTRUSTED, f"{name!r} issued a certificate; its keyUsage lacks keyCertSign")
        below = index - 1  # the CA certificates between it and the signer
        if constraints.path_length is not None and below > constraints.path_length:
            raise CmsInvalid(
                CmsInvalid.UNTRUSTED,
                f"{name!r} allows {constraints.path_length} CA certificate(s) below it (pathLenConstraint); "
                f"the path has {below}",
            )


def _extension(certificate: x509.Certificate, kind: Any) -> Any:
    try:
        return certificate.extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


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
