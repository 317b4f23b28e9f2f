"""Message signatures, per platform profile: detached JWS, SM2-with-SM3, HMAC app-key and Standard Webhooks.

Every profile signs the exact bytes sent and returns the HTTP headers that carry the signature; every verifier
takes the exact bytes and headers received and returns who signed, which message and when — or raises the one
opaque `SignatureInvalid`, whose `reason` is a short code for quarantine and metrics. `base.check` adds the
freshness window and the replay guard for requests.
"""

from signing.base import MessageSigner, MessageVerifier, PublicKeyEntry, Verified
from signing.errors import SignatureInvalid

__all__ = ["MessageSigner", "MessageVerifier", "PublicKeyEntry", "SignatureInvalid", "Verified"]
