"""Message signatures, per platform profile: detached JWS, SM2-with-SM3, HMAC app-key and Standard Webhooks.

Every profile signs the exact bytes sent and returns the HTTP headers that carry the signature; every verifier
takes the exact bytes and headers received and returns who signed, which message and when — or raises the one
opaque `SignatureInvalid`, whose `reason` is a short code for quarantine and metrics.
"""

from adapter.signing.base import MessageSigner, MessageVerifier, PublicKeyEntry, Verified
from adapter.signing.errors import SignatureInvalid
from adapter.signing_v1 import Signature, Signer, Verifier  # the first Ed25519 profile, until callers move

__all__ = [
    "MessageSigner",
    "MessageVerifier",
    "PublicKeyEntry",
    "Signature",
    "SignatureInvalid",
    "Signer",
    "Verified",
    "Verifier",
]
