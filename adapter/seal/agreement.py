"""The centre's seal applied to an agreement, as the use cases (adapter/services.py) record and send it.

Kept here rather than in the use cases so that they only say *when* to seal (after every check, so a refused request
pays nothing and writes nothing) and this module says *what* sealing changes: the digest the agreement names, its
`organisation_seal_at`, and the history line that keeps the parties' original digest beside the sealed one.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from adapter.seal import DocumentSeal
from schemas.agreement import MediationAgreement
from schemas.clock import china_text


@dataclass(frozen=True)
class SealedAgreement:
    """`recorded`: the agreement to record and send (naming `document`); `document`: the PDF that travels; `cms`:
    an SM2 seal's detached CMS over it, else None; `note`: the history line saying what was sealed ("" if nothing)."""

    recorded: MediationAgreement
    document: bytes
    cms: bytes | None = None
    note: str = ""


def seal_agreement(
    seal: DocumentSeal | None, agreement: MediationAgreement, document: bytes, now: datetime
) -> SealedAgreement:
    """As given when `seal` is None (`[seal]` off) or `document` already carries the seal; else the sealed PDF and
    the agreement naming it (`document_sha256` the sealed file's digest, `organisation_seal_at` = `now`), or, for
    an SM2 seal, the PDF as it is and a CMS over it. Raises SealError (an InvalidRequest naming `document` or
    `seal.certificate_chain`) when the document cannot be sealed."""
    if seal is None or seal.carries_seal(document):
        return SealedAgreement(agreement, document)
    sealed = seal.seal(document, now)
    digest = hashlib.sha256(sealed.document).hexdigest()
    when = china_text(now)
    if digest == agreement.document_sha256:  # SM2: the PDF unchanged, its CMS beside it
        return SealedAgreement(agreement, document, sealed.cms, f"sealed (SM2 CMS) {digest} at {when}")
    recorded = agreement.model_copy(update={"document_sha256": digest, "organisation_seal_at": now})
    note = f"sealed: original {agreement.document_sha256} → sealed {digest} at {when}"
    return SealedAgreement(recorded, sealed.document, sealed.cms, note)
