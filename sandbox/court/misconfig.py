"""A court misconfigured on purpose (`docking sandbox serve --fault …`), for the conformance kit
(adapter/conformance/) to pinpoint: each misconfiguration breaks one promise of the court's interface and nothing
else, so the kit's failing checks name it.

    wrong-key          the court signs what it publishes (feed items, pushed items and receipts) with a key the
                       centre was never given, under the key id the centre holds
    no-dedupe          a resent message id is applied again instead of answered with the original receipt
    broken-cursor      feed pages ignore the cursor asked for: every page starts at the feed's beginning
    wrong-error-codes  refusals go out in the wrong class: a refused signature as a plain 400 (not 401), a
                       business refusal as a 500 server failure (SOAP: a Server fault instead of a Client fault)
"""

import copy
import secrets
from typing import Any

from sandbox.court.config import MISCONFIGURATIONS
from sandbox.court.state import CourtRefusal
from signing.keyfiles import new_private_key

__all__ = ["MISCONFIGURATIONS", "impostor", "misreported"]


def impostor(signer: Any) -> Any:
    """`signer` with the same key id and profile but a fresh key (or HMAC secret) nobody was given. Reaches into the
    signer's key attribute on purpose: the signing classes offer no way to swap a key, and should not."""
    twin = copy.copy(signer)
    if getattr(signer, "profile", "") == "hmac-appkey":
        twin._secret = secrets.token_hex(32).encode()
    else:
        twin._key = new_private_key(getattr(signer, "algorithm", "SM2"))
    return twin


def misreported(refusal: CourtRefusal) -> CourtRefusal:
    """The refusal as a court with wrong error codes sends it (see the module docstring)."""
    if refusal.status in (401, 403):
        return CourtRefusal(400, "E400", refusal.message)
    if 400 <= refusal.status < 500:
        return CourtRefusal(500, "E500", refusal.message)
    return refusal
