"""Agreement attestations: the centre's signature over an agreement document's digest together with the case,
the parties and the effective time, so anyone holding the file, the attestation and our public key can check
offline that this is the agreement the centre vouches for (电子签名法 Arts 13–14: later changes are detectable).

The attestation is canonical JSON (sorted keys, no spaces, UTF-8); it is signed like a message under the
keyring's profile — detached JWS for Ed25519/P-256/RSA keys, SM2-with-SM3 for SM2 keys, whose documents are
digested with SM3 (domain.md §5).
"""

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import hashes

from signing.base import MessageSigner, MessageVerifier, Verified
from signing.errors import SignatureInvalid
from signing.jws import HEADER as JWS_HEADER
from signing.jws import protected_header

DIGESTS = ("sha256", "sm3")


@dataclass(frozen=True)
class Attestation:
    case_id: str
    case_number: str
    parties: tuple[str, ...]
    effective_at: str  # ISO 8601 with zone: the last party's e-signature
    document_name: str
    digest_algorithm: str
    document_digest: str  # hex

    def canonical(self) -> bytes:
        return json.dumps(asdict(self), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def digest(document: bytes, algorithm: str) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(document).hexdigest()
    if algorithm == "sm3":
        h = hashes.Hash(hashes.SM3())
        h.update(document)
        return h.finalize().hex()
    raise ValueError(f"digest {algorithm!r} is not one of {', '.join(DIGESTS)}")


def attest(
    document: bytes,
    *,
    case_id: str,
    case_number: str,
    parties: tuple[str, ...],
    effective_at: datetime,
    document_name: str,
    algorithm: str = "sha256",
) -> Attestation:
    if effective_at.tzinfo is None:
        raise ValueError("effective_at must carry a time zone")
    return Attestation(
        case_id,
        case_number,
        tuple(parties),
        effective_at.isoformat(),
        document_name,
        algorithm,
        digest(document, algorithm),
    )


def sign(attestation: Attestation, signer: MessageSigner, at: datetime) -> dict[str, Any]:
    """The detached signature file: the attestation, the profile and the signature headers."""
    headers = signer.sign(attestation.canonical(), message_id=f"attest:{attestation.case_id}", at=at)
    return {"attestation": asdict(attestation), "profile": signer.profile, "signature": dict(headers)}


def verify(document: bytes, signed: dict[str, Any], verifier: MessageVerifier) -> tuple[Attestation, Verified]:
    """The attestation and who signed it; SignatureInvalid if the document or the attestation was changed."""
    try:
        fields = dict(signed["attestation"])
        fields["parties"] = tuple(fields["parties"])
        attestation = Attestation(**fields)
        headers = dict(signed["signature"])
    except (KeyError, TypeError, ValueError) as exc:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, f"not an attestation file: {exc}") from None
    if signed.get("profile") != verifier.profile:
        raise SignatureInvalid(
            SignatureInvalid.BAD_ALGORITHM, f"signed under {signed.get('profile')!r}, checked as {verifier.profile!r}"
        )
    try:
        actual = digest(document, attestation.digest_algorithm)
    except ValueError as exc:
        raise SignatureInvalid(SignatureInvalid.MALFORMED, str(exc)) from None
    if actual != attestation.document_digest:
        raise SignatureInvalid(SignatureInvalid.MISMATCH, "the document is not the one attested (digest differs)")
    return attestation, verifier.verify(attestation.canonical(), headers)


def signer_key_id(signed: dict[str, Any]) -> str:
    """The key id an attestation file names (X-Key-Id, or the kid in a detached JWS header); "" if none."""
    headers = signed.get("signature")
    if not isinstance(headers, dict):
        return ""
    if isinstance(headers.get("X-Key-Id"), str):
        return str(headers["X-Key-Id"])
    token = headers.get(JWS_HEADER)
    if not isinstance(token, str):
        return ""
    try:
        return str(protected_header(token).get("kid", ""))
    except SignatureInvalid:
        return ""
