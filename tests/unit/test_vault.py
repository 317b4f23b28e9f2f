"""Field-level encryption at rest: ID and phone numbers sealed with AES-256-GCM or SM4-GCM, keys rotated."""

import base64
import json
from pathlib import Path

import pytest

from adapter.config.settings import load_settings
from adapter.errors import ConfigError
from adapter.persistence.reseal import sealed_columns
from adapter.persistence.vault import DataKey, Vault, VaultError, new_key, open_blob, open_json
from tests.support import samples

ALGORITHMS = ["aes-256-gcm", "sm4-gcm"]


def _dispatch_json() -> str:
    return samples.dispatch().model_dump_json()


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_sealed_json_hides_ids_and_phones_and_opens_to_the_same_record(algorithm: str) -> None:
    vault = Vault([new_key("k1", algorithm)], "k1")  # type: ignore[arg-type]
    text = _dispatch_json()
    party = samples.dispatch().parties[0]
    sealed = vault.seal_json(text)
    assert party.id_number not in sealed and (party.phone or "x") not in sealed
    assert party.name in sealed, "only the sealed fields change; the rest stays readable"
    assert sealed.count('"enc:1:k1:') >= 2
    assert json.loads(vault.open_json(sealed)) == json.loads(text)


def test_sealing_is_randomised_and_cannot_be_planted() -> None:
    vault = Vault([new_key("k1")], "k1")
    text = _dispatch_json()
    once = vault.seal_json(text)
    assert vault.seal_json(text) != once, "a fresh nonce per value: equal IDs do not give equal tokens"
    planted = '{"id_number":"enc:1:zz:AAAA","claims":"enc:1: in free text"}'
    sealed = vault.seal_json(planted)
    assert "enc:1:zz" not in sealed, "a value that merely looks sealed is sealed like any other"
    assert vault.open_json(sealed) == planted
    free_text = '{"claims":"\\"enc:1: quoted in free text"}'
    assert open_json(free_text, None) == free_text, "only sealed fields are ever opened"


def test_a_document_without_personal_fields_is_left_untouched() -> None:
    vault = Vault([new_key("k1")], "k1")
    text = '{"kind":"accept","note":"同意受理"}'
    assert vault.seal_json(text) == text and vault.open_json(text) == text


def test_a_sealed_id_moved_into_the_phone_field_does_not_open() -> None:
    vault = Vault([new_key("k1")], "k1")
    token = vault.seal_value("id_number", samples.RESIDENT_ID)
    assert vault.open_value("id_number", token) == samples.RESIDENT_ID
    with pytest.raises(VaultError, match="field phone"):
        vault.open_value("phone", token)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_tampered_ciphertext_is_refused(algorithm: str) -> None:
    vault = Vault([new_key("k1", algorithm)], "k1")  # type: ignore[arg-type]
    token = vault.seal_value("phone", "13800138000")
    flipped = token[:-3] + ("A" if token[-3] != "A" else "B") + token[-2:]
    with pytest.raises(VaultError, match="wrong key or tampered"):
        vault.open_value("phone", flipped)
    blob = vault.seal_blob(b'{"zjhm":"' + samples.RESIDENT_ID.encode() + b'"}')
    with pytest.raises(VaultError, match="tampered"):
        vault.open_blob(blob[:-1] + bytes([blob[-1] ^ 1]))


def test_a_wrong_key_with_the_same_id_is_refused() -> None:
    sealed = Vault([new_key("k1")], "k1").seal_json(_dispatch_json())
    with pytest.raises(VaultError, match="data key k1"):
        Vault([new_key("k1")], "k1").open_json(sealed)


def test_rotation_reads_old_tokens_and_seals_with_the_new_key() -> None:
    old, new = new_key("2026-01"), new_key("2026-11", "sm4-gcm")
    sealed_old = Vault([old], "2026-01").seal_json(_dispatch_json())
    rotated = Vault([old, new], "2026-11")
    assert not rotated.is_current(sealed_old)
    resealed = rotated.seal_json(rotated.open_json(sealed_old))
    assert rotated.is_current(resealed) and '"enc:1:2026-11:' in resealed and "2026-01" not in resealed
    assert json.loads(Vault([new], "2026-11").open_json(resealed)) == json.loads(_dispatch_json())
    with pytest.raises(VaultError, match="'2026-01', which is not configured"):
        Vault([new], "2026-11").open_json(sealed_old)


def test_clear_personal_data_is_not_current_so_rotation_seals_it() -> None:
    vault = Vault([new_key("k1")], "k1")
    assert not vault.is_current(_dispatch_json())
    assert vault.is_current(vault.seal_json(_dispatch_json()))
    assert not vault.is_current(b"raw bytes") and vault.is_current(vault.seal_blob(b"raw bytes"))


def test_sealed_data_without_keys_is_a_clear_error_and_clear_data_passes() -> None:
    vault = Vault([new_key("k1")], "k1")
    with pytest.raises(VaultError, match=r"field id_number is sealed but no \[encryption\] keys"):
        open_json(vault.seal_json(_dispatch_json()), None)
    with pytest.raises(VaultError, match=r"no \[encryption\] keys"):
        open_blob(vault.seal_blob(b"x"), None)
    assert open_json(_dispatch_json(), None) == _dispatch_json()
    assert open_blob(b"plain", None) == b"plain"


def test_a_key_never_shows_in_a_repr() -> None:
    key = new_key("k1")
    assert key.key.hex() not in repr(key) and key.key.hex() not in repr(Vault([key], "k1"))


@pytest.mark.parametrize(
    ("kid", "algorithm", "size", "message"),
    [
        ("k1", "aes-256-gcm", 16, "needs 32 bytes"),
        ("k1", "sm4-gcm", 32, "needs 16 bytes"),
        ("bad id", "aes-256-gcm", 32, "must be 1–32"),
    ],
)
def test_malformed_keys_are_refused(kid: str, algorithm: str, size: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DataKey(kid, algorithm, b"\0" * size)  # type: ignore[arg-type]


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "docking.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_keys_from_a_file_relative_to_the_config_and_inline(tmp_path: Path) -> None:
    (tmp_path / "old.key").write_text(base64.b64encode(b"\1" * 32).decode())
    inline = base64.b64encode(b"\2" * 16).decode()
    settings = load_settings(
        _config(
            tmp_path,
            '[encryption]\nactive = "new"\n[encryption.keys.old]\nkey_file = "old.key"\n'
            f'[encryption.keys.new]\nalgorithm = "sm4-gcm"\nkey = "{inline}"\n',
        )
    )
    assert settings.encryption is not None
    vault = settings.encryption.vault()
    assert vault.active.algorithm == "sm4-gcm" and vault.keys["old"].key == b"\1" * 32


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[encryption]\nactive = "x"\n[encryption.keys.y]\nkey = "AAAA"\n', "active key 'x' is not in keys"),
        ('[encryption]\nactive = "y"\n[encryption.keys.y]\n', "exactly one of key or key_file"),
    ],
)
def test_bad_encryption_config_names_the_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(_config(tmp_path, body))


@pytest.mark.parametrize(
    ("key_line", "message"),
    [
        ('key = "not base64!"', "encryption key y: not valid base64"),
        (f'key = "{base64.b64encode(b"short").decode()}"', "encryption key y: .*needs 32 bytes"),
        ('key_file = "missing.key"', "encryption key y: cannot read"),
    ],
)
def test_unusable_key_material_is_a_config_error(tmp_path: Path, key_line: str, message: str) -> None:
    settings = load_settings(_config(tmp_path, f'[encryption]\nactive = "y"\n[encryption.keys.y]\n{key_line}\n'))
    assert settings.encryption is not None
    with pytest.raises(ConfigError, match=message):
        settings.encryption.vault()


def test_data_key_rotation_finds_every_sealed_column_from_the_column_types() -> None:
    """reseal reads the sealed columns from the column types, so a sealed column cannot escape rotation."""
    found = {table.name: (key, columns) for table, key, columns in sealed_columns()}
    assert found == {
        "cases": ("id", ("dispatch_json", "agreement_json")),
        "outbox": ("id", ("envelope_json", "wire_body")),  # the signed bytes as sent (0020, evidence bundles)
        "inbox": ("id", ("raw",)),  # the bytes as received (0020)
        "quarantine": ("id", ("raw",)),
        "documents": ("sha256", ("content",)),
        "complaints": ("complaint_id", ("complaint_json",)),
        "complaint_outbox": ("id", ("envelope_json",)),
        "partner_records": ("record_id", ("match_json", "facts_json")),
        "partner_outbox": ("id", ("envelope_json",)),
    }
