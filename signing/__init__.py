"""Message signatures, per platform profile: detached JWS, SM2-with-SM3, HMAC app-key and Standard Webhooks.

Every profile signs the exact bytes sent and returns the HTTP headers that carry the signature; every verifier
takes the exact bytes and headers received and returns who signed, which message and when — or raises the one
opaque `SignatureInvalid`, whose `reason` is a short code for quarantine and metrics. `base.check` adds the
freshness window and the replay guard for requests.

A leaf: it imports nothing of ours but schemas/, so the core and the SOAP connector (WS-Security) both use it
(pyproject [tool.importlinter]).

    base.py          the signer / verifier Protocols, PublicKeyEntry, `check` (freshness, replay), strict decoders
    errors.py        SignatureInvalid (with its reason codes) and MissingExtra (the sm2 extra not installed)
    jws.py           profile jws-detached (EdDSA, ES256, PS256)
    sm2.py           profile sm2-sm3 (GB/T 32918), and the one gate to the optional Tongsuo backend
    hmac_appkey.py   profile hmac-appkey (shared secrets)
    webhooks.py      profile standard-webhooks (events to the centre's own systems)
    profiles.py      which profile a key pair serves, and its signer and verifier: the one choice by algorithm
    keyfiles.py      key files: generate, load, write PEM; the key passphrase from the environment; KeyFileError
    certificates.py  X.509 trust anchors: their keys (SM2 too), identifiers, PkiPath chains
    der.py           the few DER encoders an SM2 certificate or signing request needs
    dn.py            distinguished names as text (RFC 4514 and its relatives)
    wsse/            WS-Security for SOAP courts (its own map in wsse/__init__.py)
"""

from signing.base import MessageSigner, MessageVerifier, PublicKeyEntry, Verified
from signing.errors import SignatureInvalid

__all__ = ["MessageSigner", "MessageVerifier", "PublicKeyEntry", "SignatureInvalid", "Verified"]
