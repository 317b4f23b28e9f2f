"""Ed25519 message signatures and key files: round trip, one opaque error with a reason code, safe key files."""

import base64
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from adapter.keys import KeyFileError, generate_keypair, load_private_key, load_public_key
from adapter.signing import SignatureInvalid, Signer, Verifier

BODY = '{"xxbh":"M-1","xxlx":"JZ","nr":{"bz":"已受理"}}'.encode()


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def signer(key: Ed25519PrivateKey) -> Signer:
    return Signer(key, "centre-2026-01")


@pytest.fixture
def verifier(key: Ed25519PrivateKey) -> Verifier:
    return Verifier({"centre-2026-01": key.public_key()})


def _reason(verifier: Verifier, body: bytes, key_id: str | None, value: str | None) -> str:
    with pytest.raises(SignatureInvalid) as caught:
        verifier.verify(body, key_id, value)
    return caught.value.reason


def test_signed_body_verifies(signer: Signer, verifier: Verifier) -> None:
    """A body signed by our key verifies against our public key under the same key id."""
    signature = signer.sign(BODY)
    assert signature.key_id == "centre-2026-01"
    verifier.verify(BODY, signature.key_id, signature.value)  # raises on failure


def test_signature_is_base64_of_64_bytes(signer: Signer) -> None:
    """The wire form is standard base64 of a raw 64-byte Ed25519 signature."""
    assert len(base64.b64decode(signer.sign(BODY).value, validate=True)) == 64


def test_tampered_body_is_a_mismatch(signer: Signer, verifier: Verifier) -> None:
    """Changing one byte of the body makes verification fail as bad_signature."""
    signature = signer.sign(BODY)
    tampered = BODY.replace("已受理".encode(), "已拒绝".encode())
    assert tampered != BODY
    assert _reason(verifier, tampered, signature.key_id, signature.value) == SignatureInvalid.MISMATCH


def test_signature_from_another_key_is_a_mismatch(verifier: Verifier) -> None:
    """A signature made with a different private key under our key id fails as bad_signature."""
    impostor = Signer(Ed25519PrivateKey.generate(), "centre-2026-01").sign(BODY)
    assert _reason(verifier, BODY, impostor.key_id, impostor.value) == SignatureInvalid.MISMATCH


def test_unknown_key_id_is_reported_as_unknown_key(signer: Signer, verifier: Verifier) -> None:
    """A key id the verifier was not given fails as unknown_key and names the id."""
    signature = signer.sign(BODY)
    with pytest.raises(SignatureInvalid) as caught:
        verifier.verify(BODY, "centre-2099-01", signature.value)
    assert caught.value.reason == SignatureInvalid.UNKNOWN_KEY
    assert "centre-2099-01" in str(caught.value)


@pytest.mark.parametrize(
    ("key_id", "value"), [(None, "c2ln"), ("centre-2026-01", None), ("", "c2ln"), ("centre-2026-01", "")]
)
def test_missing_key_id_or_signature_is_unsigned(verifier: Verifier, key_id: str | None, value: str | None) -> None:
    """A message without a key id or without a signature fails as unsigned."""
    assert _reason(verifier, BODY, key_id, value) == SignatureInvalid.UNSIGNED


@pytest.mark.parametrize("value", ["not base64!", "YWJj*ZGVm", "YWJjZA="])
def test_non_base64_signature_is_malformed(verifier: Verifier, value: str) -> None:
    """A signature that is not strict base64 fails as malformed_signature."""
    assert _reason(verifier, BODY, "centre-2026-01", value) == SignatureInvalid.MALFORMED


def test_valid_signature_with_stray_characters_is_malformed(signer: Signer, verifier: Verifier) -> None:
    """Base64 is checked strictly: a real signature with junk spliced in is refused, not silently cleaned."""
    value = signer.sign(BODY).value
    assert _reason(verifier, BODY, "centre-2026-01", value[:20] + "!" + value[20:]) == SignatureInvalid.MALFORMED


@pytest.mark.parametrize("length", [1, 32, 63, 65, 128])
def test_signature_of_wrong_length_is_malformed(signer: Signer, verifier: Verifier, length: int) -> None:
    """Base64 that does not decode to exactly 64 bytes fails as malformed_signature, not as a mismatch."""
    raw = (base64.b64decode(signer.sign(BODY).value) * 2)[:length]
    value = base64.b64encode(raw).decode()
    assert _reason(verifier, BODY, "centre-2026-01", value) == SignatureInvalid.MALFORMED


def test_truncated_signature_is_malformed_and_says_so(signer: Signer, verifier: Verifier) -> None:
    """Dropping the last bytes of a real signature is reported with the byte count found."""
    raw = base64.b64decode(signer.sign(BODY).value)[:60]
    with pytest.raises(SignatureInvalid) as caught:
        verifier.verify(BODY, "centre-2026-01", base64.b64encode(raw).decode())
    assert caught.value.reason == SignatureInvalid.MALFORMED
    assert "60" in caught.value.detail


def test_rotated_keys_verify_by_id() -> None:
    """During rotation both the old and the new key verify their own signatures, chosen by key id."""
    old, new = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    verifier = Verifier({"k-old": old.public_key(), "k-new": new.public_key()})
    for signer in (Signer(old, "k-old"), Signer(new, "k-new")):
        signature = signer.sign(BODY)
        verifier.verify(BODY, signature.key_id, signature.value)
    crossed = Signer(old, "k-new").sign(BODY)
    assert _reason(verifier, BODY, crossed.key_id, crossed.value) == SignatureInvalid.MISMATCH


def test_signer_repr_shows_no_key_material(key: Ed25519PrivateKey, signer: Signer) -> None:
    """repr(Signer) names the key id but never the private key bytes, in any common encoding."""
    text = repr(signer)
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    assert "centre-2026-01" in text
    assert raw.hex() not in text
    assert base64.b64encode(raw).decode() not in text
    assert "PRIVATE" not in text
    assert "Ed25519PrivateKey" not in text


# ---- key files


def test_generated_keypair_loads_and_signs(tmp_path: Path) -> None:
    """A generated pair loads back, and its public half verifies what its private half signs."""
    files = generate_keypair(tmp_path / "keys", "centre-2026-01")
    signer = Signer(load_private_key(files.private), files.key_id)
    verifier = Verifier({files.key_id: load_public_key(files.public)})
    signature = signer.sign(BODY)
    verifier.verify(BODY, signature.key_id, signature.value)


def test_generated_private_key_is_readable_by_owner_only(tmp_path: Path) -> None:
    """The private key file is written with mode 0600."""
    files = generate_keypair(tmp_path, "centre-2026-01")
    assert stat.S_IMODE(files.private.stat().st_mode) == 0o600
    assert files.private.name == "centre-2026-01.key"
    assert files.public.name == "centre-2026-01.pub"


@pytest.mark.parametrize("existing", [".key", ".pub"])
def test_generate_keypair_refuses_to_overwrite(tmp_path: Path, existing: str) -> None:
    """An existing key file of that id, private or public, is never replaced."""
    target = tmp_path / f"centre-2026-01{existing}"
    target.write_bytes(b"keep me")
    with pytest.raises(KeyFileError, match="already exists"):
        generate_keypair(tmp_path, "centre-2026-01")
    assert target.read_bytes() == b"keep me"


def test_generate_keypair_refuses_to_overwrite_its_own_earlier_key(tmp_path: Path) -> None:
    """Generating the same key id twice keeps the first private key."""
    first = generate_keypair(tmp_path, "k1")
    before = first.private.read_bytes()
    with pytest.raises(KeyFileError):
        generate_keypair(tmp_path, "k1")
    assert first.private.read_bytes() == before


def test_loading_a_non_key_file_names_the_path(tmp_path: Path) -> None:
    """A file that is not a PEM key raises KeyFileError naming the file."""
    path = tmp_path / "notes.key"
    path.write_text("this is not a key\n")
    with pytest.raises(KeyFileError) as caught:
        load_private_key(path)
    assert str(path) in str(caught.value)


def test_loading_a_missing_key_file_names_the_path(tmp_path: Path) -> None:
    """A missing file raises KeyFileError naming the file, not a bare FileNotFoundError."""
    path = tmp_path / "absent.key"
    with pytest.raises(KeyFileError) as caught:
        load_private_key(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    "make_key",
    [
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024),
        lambda: ec.generate_private_key(ec.SECP256R1()),
    ],
    ids=["rsa", "ec"],
)
def test_loading_a_non_ed25519_private_key_names_the_path(tmp_path: Path, make_key: Callable[[], Any]) -> None:
    """An RSA or EC private key is refused with KeyFileError naming the file and the key type."""
    key = make_key()
    path = tmp_path / "other.key"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(KeyFileError) as caught:
        load_private_key(path)
    assert str(path) in str(caught.value)
    assert "Ed25519" in str(caught.value)


def test_loading_a_public_key_as_private_names_the_path(tmp_path: Path) -> None:
    """Swapping the .pub for the .key in a config fails with the path, not a parser traceback."""
    files = generate_keypair(tmp_path, "k1")
    with pytest.raises(KeyFileError) as caught:
        load_private_key(files.public)
    assert str(files.public) in str(caught.value)


def test_loading_a_private_key_as_public_names_the_path(tmp_path: Path) -> None:
    """The reverse swap is refused the same way."""
    files = generate_keypair(tmp_path, "k1")
    with pytest.raises(KeyFileError) as caught:
        load_public_key(files.private)
    assert str(files.private) in str(caught.value)
