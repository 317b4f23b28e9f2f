"""Key files: generate and load Ed25519, P-256, RSA and SM2 key pairs as PKCS#8 / SubjectPublicKeyInfo PEM.

Private keys may be passphrase-encrypted (the passphrase comes from the environment, never a file or a log).
SM2 keys need the optional Tongsuo backend (court-docking[sm2]), reached through signing/sm2.py only; the others
use `cryptography`. KeyFileError is worded here, where it is raised, as a sentence an operator can act on: callers
show it as it is (the CLI) or say which platform's key it was (adapter/platforms/signers.py).
"""

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from signing import jws, sm2
from signing.errors import MissingExtra

log = logging.getLogger("docking.keys")

ALGORITHMS = ("EdDSA", "ES256", "PS256", "SM2")


class KeyFileError(Exception):
    """A key file is missing, unreadable or not the kind of key expected."""


@dataclass(frozen=True)
class KeyPairFiles:
    key_id: str
    private: Path
    public: Path


def new_private_key(algorithm: str) -> Any:
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "PS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if algorithm == "SM2":
        return sm2.new_private_key()
    raise KeyFileError(f"algorithm {algorithm!r} is not one of {', '.join(ALGORITHMS)}")


def _serialization(key: Any) -> Any:
    """The serialization module that can encode `key` (Tongsuo's for SM2 keys)."""
    return sm2.serialization() if sm2.is_sm2_key(key) else serialization


def generate_keypair(
    directory: Path, key_id: str, algorithm: str = "EdDSA", passphrase: bytes | None = None
) -> KeyPairFiles:
    """Write `<key_id>.key` (PKCS#8, mode 0600) and `<key_id>.pub`; refuse to overwrite an existing key."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{key_id}.key", directory / f"{key_id}.pub"
    for path in (private_path, public_path):
        if path.exists():
            raise KeyFileError(f"{path} already exists; choose another key id or remove it first")
    key = new_private_key(algorithm)
    write_secret(private_path, private_pem(key, passphrase))
    public_path.write_bytes(public_pem(key.public_key()))
    return KeyPairFiles(key_id, private_path, public_path)


def private_pem(key: Any, passphrase: bytes | None = None) -> bytes:
    """PKCS#8 PEM, encrypted with the passphrase if one is given (SM2 keys through Tongsuo's serializer)."""
    ser = _serialization(key)
    encryption = ser.BestAvailableEncryption(passphrase) if passphrase else ser.NoEncryption()
    return bytes(key.private_bytes(ser.Encoding.PEM, ser.PrivateFormat.PKCS8, encryption))


def passphrase_from(variable: str | None) -> bytes | None:
    """The passphrase held by environment variable `variable` (None: the key is not encrypted); the one place a
    key passphrase is read, so it is never taken from a file or an argument that a log or `ps` would show."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        raise KeyFileError(f"environment variable {variable} (the key passphrase) is empty or not set")
    return value.encode()


def write_secret(path: Path, data: bytes) -> None:
    """A new file readable by its owner only (0600 from creation, never widened); refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def public_pem(public_key: Any) -> bytes:
    ser = _serialization(public_key)
    return bytes(public_key.public_bytes(ser.Encoding.PEM, ser.PublicFormat.SubjectPublicKeyInfo))


def load_private_key(path: Path, passphrase: bytes | None = None) -> Any:
    data = _read(path)
    mode = path.stat().st_mode
    if mode & 0o077:
        log.warning("private key %s is readable by other users (mode %o); chmod 600 it", path, mode & 0o777)
    if b"ENCRYPTED" in data and not passphrase:
        raise KeyFileError(f"{path} is encrypted: set the passphrase environment variable named in the config")
    try:
        return serialization.load_pem_private_key(data, password=passphrase)
    except TypeError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    except (ValueError, UnsupportedAlgorithm) as exc:
        if "password" in str(exc).lower() or "decrypt" in str(exc).lower():
            raise KeyFileError(f"{path}: the passphrase does not open this key") from None
        sm2 = _load_sm2(data, private=True, passphrase=passphrase)
        if sm2 is None and b"ENCRYPTED" in data:
            # A wrong passphrase usually fails the decryption's padding check ("bad decrypt"), but about once in 256
            # the padding happens to check out and the garbage fails as DER instead: the same cause either way.
            raise KeyFileError(f"{path}: the passphrase does not open this key") from None
        if sm2 is None:
            raise KeyFileError(f"{path} is not a PKCS#8 PEM private key") from None
        return sm2


def load_public_key(path: Path) -> Any:
    return public_key_from_pem(_read(path), str(path))


def public_key_from_pem(data: bytes, source: str) -> Any:
    """A SubjectPublicKeyInfo PEM (SM2 too, with the sm2 extra); `source` names where it came from in errors."""
    try:
        return serialization.load_pem_public_key(data)
    except (ValueError, UnsupportedAlgorithm):
        sm2 = _load_sm2(data, private=False)
        if sm2 is None:
            raise KeyFileError(f"{source} is not a PEM public key") from None
        return sm2


def _load_sm2(data: bytes, *, private: bool, passphrase: bytes | None = None) -> Any:
    """`cryptography` cannot read SM2 keys; Tongsuo can, when installed."""
    try:
        sm_serialization = sm2.serialization()
    except MissingExtra:
        return None
    try:
        if private:
            return sm_serialization.load_pem_private_key(data, password=passphrase)
        return sm_serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        return None


def load_sm2_public_key(pem: bytes) -> Any:
    """An SM2 public key from PEM, or None (not SM2, or the sm2 extra is not installed)."""
    return _load_sm2(pem, private=False)


def algorithm_of(key: Any) -> str:
    """The signature algorithm a key is for; SM2 keys are recognised by their curve."""
    if sm2.is_sm2_key(key):
        return "SM2"
    try:
        return jws.algorithm_of(key)
    except ValueError as exc:
        raise KeyFileError(str(exc)) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key file {path}: {exc.strerror}") from exc
