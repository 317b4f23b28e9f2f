"""The signature algorithms of the WS-Security profile: which one a key signs with, and signing, verifying and
digesting under it (RSA-SHA256, ECDSA-SHA256 on P-256, or SM2 with SM3 per GB/T 32918)."""

import hashlib
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from signing import sm2


def algorithm_for(key: Any) -> str:
    if sm2.is_sm2_key(key):  # a Tongsuo key (the sm2 extra)
        return "sm2-sm3"
    curve = getattr(getattr(key, "curve", None), "name", None)
    if isinstance(key, rsa.RSAPrivateKey | rsa.RSAPublicKey):
        return "rsa-sha256"
    if isinstance(key, ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey) and curve == "secp256r1":
        return "ecdsa-sha256"
    raise ValueError(f"no WS-Security signature algorithm for a {type(key).__name__}")


def digest(algorithm: str, data: bytes) -> bytes:
    return sm2.sm3(data) if algorithm == "sm2-sm3" else hashlib.sha256(data).digest()


def sign(key: Any, algorithm: str, data: bytes, distid: str) -> bytes:
    if algorithm == "rsa-sha256":
        return bytes(key.sign(data, padding.PKCS1v15(), hashes.SHA256()))
    if algorithm == "ecdsa-sha256":  # XML-DSig 1.1 §6.4.3: the raw r ‖ s, not DER
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    r, s = decode_dss_signature(sm2.sign_digest(key, sm2.digest(key.public_key(), data, distid)))
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def verify(public_key: Any, algorithm: str, signature: bytes, data: bytes, distid: str) -> bool:
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
