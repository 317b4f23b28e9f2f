"""Key files: generated pairs load, private keys are owner-only, errors name the path."""

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from signing.keyfiles import (
    KeyFileError,
    algorithm_of,
    generate_keypair,
    load_private_key,
    load_public_key,
    passphrase_from,
)


@pytest.mark.parametrize("algorithm", ["EdDSA", "ES256", "PS256", "SM2"])
def test_generated_keypair_loads_back_as_its_algorithm(tmp_path: Path, algorithm: str) -> None:
    """Each algorithm's pair loads back, both halves recognised as that algorithm."""
    files = generate_keypair(tmp_path / "keys", "centre-2026-01", algorithm)
    assert algorithm_of(load_private_key(files.private)) == algorithm
    assert algorithm_of(load_public_key(files.public)) == algorithm


def test_an_encrypted_key_opens_only_with_its_passphrase(tmp_path: Path) -> None:
    """Without or with a wrong passphrase the error names the file; with the right one the key loads."""
    files = generate_keypair(tmp_path, "k", "ES256", passphrase=b"s3cret")
    with pytest.raises(KeyFileError, match="encrypted"):
        load_private_key(files.private)
    with pytest.raises(KeyFileError, match="passphrase does not open"):
        load_private_key(files.private, b"wrong")
    assert algorithm_of(load_private_key(files.private, b"s3cret")) == "ES256"


# An ES256 key encrypted under "s3cret", which the wrong passphrase "wrong14" decrypts with valid padding: the
# garbage then fails as DER, not as a bad decrypt (about one wrong passphrase in 256 does; a CI run met one).
_PADDING_PASSES = """-----BEGIN ENCRYPTED PRIVATE KEY-----
MIH0MF8GCSqGSIb3DQEFDTBSMDEGCSqGSIb3DQEFDDAkBBCKy+z0PuJQ718P1Lrq
kstcAgIIADAMBggqhkiG9w0CCQUAMB0GCWCGSAFlAwQBKgQQaLjWfHUNGZ2nzBjF
PMoQyASBkJ1uTsSuC9eeNe0wBGjWOgVfDftfbyzNJXOLyjoOtBnhaSIZp8fQNMvg
WHDmE4LXABnhe4E8+eYRHp3bBwFY3Xc1n+qCK/8lpCqJipBAznhLj9xvHTYefD4p
POcM0KTdEEj0ll9UU+C+L3Jml9LLtWuHNflhQY94mkcsyS/9wPFQcNc6k5oeZfYr
+oLY4mIhOw==
-----END ENCRYPTED PRIVATE KEY-----
"""


@pytest.mark.parametrize("passphrase", [b"wrong14", b"wrong", b""])
def test_a_wrong_passphrase_is_named_even_when_the_padding_happens_to_check_out(
    tmp_path: Path, passphrase: bytes
) -> None:
    key = tmp_path / "k.key"
    key.write_text(_PADDING_PASSES)
    key.chmod(0o600)
    expected = "encrypted" if not passphrase else "passphrase does not open"
    with pytest.raises(KeyFileError, match=expected):
        load_private_key(key, passphrase)
    assert algorithm_of(load_private_key(key, b"s3cret")) == "ES256"


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


def test_a_key_no_profile_signs_with_is_named_as_such(tmp_path: Path) -> None:
    """An RSA-1024 key loads, but asking what it signs with names the problem instead of guessing."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    path = tmp_path / "weak.key"
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    with pytest.raises(KeyFileError, match="RSA"):
        algorithm_of(load_private_key(path))


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


def test_a_missing_passphrase_variable_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one reader of key passphrases names the variable it found empty."""
    monkeypatch.delenv("NO_SUCH_PASSPHRASE", raising=False)
    assert passphrase_from(None) is None
    with pytest.raises(KeyFileError, match="NO_SUCH_PASSPHRASE"):
        passphrase_from("NO_SUCH_PASSPHRASE")
    monkeypatch.setenv("NO_SUCH_PASSPHRASE", "horse")
    assert passphrase_from("NO_SUCH_PASSPHRASE") == b"horse"
