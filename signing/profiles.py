"""Which profile a signing key serves, and that profile's signer and verifier: the one choice by key algorithm.

An SM2 key signs `sm2-sm3` (GB/T 32918), every other key kind `jws-detached` (EdDSA, ES256, PS256 — the key
decides its JWS algorithm, signing/jws.py). The platforms' settings (adapter/platforms/signers.py), the keyring's
signer, the agreement attestations (cli/attest.py) and the standalone sandbox court all choose here. HMAC app keys
are shared secrets, not key pairs: they have no algorithm to choose by (signing/hmac_appkey.py).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from signing.base import HexCase, MessageSigner, MessageVerifier, PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from signing.sm2 import DEFAULT_ID, Sm2Signer, Sm2Verifier

KeyProfile = Literal["jws-detached", "sm2-sm3"]


@dataclass(frozen=True)
class Sm2Form:
    """The counterpart's SM2 choices (signing/sm2.py): distinguishing ID, DER or raw r ‖ s, base64 or hex."""

    distid: str = DEFAULT_ID
    der: bool = True
    encoding: str = "base64"
    hex_case: HexCase = "lower"


def profile_of(algorithm: str) -> KeyProfile:
    """The profile a key of `algorithm` (signing/keyfiles.py ALGORITHMS) signs with."""
    return "sm2-sm3" if algorithm == "SM2" else "jws-detached"


def key_signer(profile: str, private_key: Any, key_id: str, sm2: Sm2Form = Sm2Form()) -> MessageSigner:
    """The signer of `profile` over `private_key`; a key of the wrong kind is refused by the signer (ValueError)."""
    if profile == "sm2-sm3":
        return Sm2Signer(
            private_key, key_id, distid=sm2.distid, der=sm2.der, encoding=sm2.encoding, hex_case=sm2.hex_case
        )
    return JwsSigner(private_key, key_id)


def key_verifier(profile: str, keys: Mapping[str, PublicKeyEntry], sm2: Sm2Form = Sm2Form()) -> MessageVerifier:
    """The verifier of `profile` trusting `keys`."""
    if profile == "sm2-sm3":
        return Sm2Verifier(keys, distid=sm2.distid, der=sm2.der, encoding=sm2.encoding, hex_case=sm2.hex_case)
    return JwsVerifier(keys)
