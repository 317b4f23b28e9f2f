"""`docking keys` as an operator runs it: staged rotation, rollback, refusals with their reasons, the keyring's
absolute path when it is missing, and the WS-Security files a SOAP court needs — real processes, real exit codes."""

import json
from pathlib import Path

import pytest

from tests.support.cli import docking

pytestmark = pytest.mark.integration


def _states(ring: Path) -> list[tuple[str, str, str]]:
    listed = json.loads(docking("keys", "list", "--dir", str(ring), "--format", "json").stdout)
    return [(k["key_id"], k["state"], k["activation"]) for k in listed]


def test_a_scheduled_rotation_a_rollback_and_the_refusals_along_the_way(tmp_path: Path) -> None:
    ring = tmp_path / "ring"
    assert docking("keys", "generate", "--dir", str(ring), "--key-id", "k1").returncode == 0
    scheduled = docking("keys", "rotate", "--dir", str(ring), "--key-id", "k2", "--activate-at", "2099-12-01T02:00")
    assert scheduled.returncode == 0, scheduled.stderr
    assert "signs from 2099-12-01T02:00+08:00" in scheduled.stdout and "switches by itself" in scheduled.stdout
    assert _states(ring)[1] == ("k2", "published", "2099-12-01T02:00+08:00")
    again = docking("keys", "rotate", "--dir", str(ring), "--key-id", "k3")
    assert again.returncode == 2 and "k2 already waits to sign" in again.stderr
    past = docking("keys", "activate", "k2", "--dir", str(ring), "--at", "2020-01-01")
    assert past.returncode == 2 and "is in the past" in past.stderr
    now = docking("keys", "activate", "k2", "--dir", str(ring))
    assert now.returncode == 0 and "k1 retires" in now.stdout and "k2 signs from now" in now.stdout
    revoke = docking("keys", "revoke", "--dir", str(ring), "--key-id", "k2")
    assert revoke.returncode == 2 and "k2 signs now" in revoke.stderr
    back = docking("keys", "activate", "k1", "--dir", str(ring))
    assert back.returncode == 0 and "k2 no longer signs and stays published" in back.stdout
    assert [(k, s) for k, s, _ in _states(ring)] == [("k1", "active"), ("k2", "published")]
    for twice in (["k2", "--key-id", "k2"], []):  # the key named once: as activate names it, or by --key-id
        unnamed = docking("keys", "revoke", *twice, "--dir", str(ring))
        assert unnamed.returncode == 2 and "name the key to revoke once" in unnamed.stderr
    revoked = docking("keys", "revoke", "k2", "--dir", str(ring))  # as the README's rotation step 5 writes it
    assert revoked.returncode == 0, revoked.stderr
    assert [(k, s) for k, s, _ in _states(ring)] == [("k1", "active"), ("k2", "revoked")]


def test_a_missing_keyring_is_named_by_its_absolute_path_and_nothing_is_created(tmp_path: Path) -> None:
    """`keys list` and `docking run` alike: the resolved folder, exit 2 / 78, and no key made over it."""
    listed = docking("keys", "list", "--dir", "keys/nosuch", cwd=tmp_path)
    assert listed.returncode == 2 and f"keyring folder {tmp_path / 'keys' / 'nosuch'} does not exist" in listed.stderr
    (tmp_path / "etc").mkdir()
    config = tmp_path / "etc" / "docking.toml"
    config.write_text(
        f'database_url = "sqlite:///{tmp_path / "d.db"}"\n[platforms.gz]\nbase_url = "http://127.0.0.1:9"\n'
        '[platforms.gz.signing]\nkeyring = "keys/gz"\ncourt_keys = { c = "court.pub" }\n'
    )
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0  # a worker never makes its database
    run = docking("run", "--config", str(config))
    assert run.returncode == 78 and f"keyring folder {tmp_path / 'etc' / 'keys' / 'gz'} does not exist" in run.stderr
    assert "platform gz" in run.stderr and not (tmp_path / "etc" / "keys").exists()


def test_keys_wsse_writes_a_key_and_certificate_or_a_request(tmp_path: Path) -> None:
    made = docking("keys", "wsse", "--dir", str(tmp_path / "wsse"), "--subject", "CN=centre,O=调解中心,C=CN")
    assert made.returncode == 0, made.stderr
    assert "self-signed" in made.stdout and "[platforms.<name>.wsse]" in made.stdout
    assert (tmp_path / "wsse" / "centre.key").stat().st_mode & 0o077 == 0
    request = docking(
        *("keys", "wsse", "--dir", str(tmp_path / "wsse"), "--name", "centre-2027", "--csr"),
        *("--key", str(tmp_path / "wsse" / "centre.key"), "--subject", "CN=centre"),
    )
    assert request.returncode == 0 and "send the request to the court's CA" in request.stdout
    assert (tmp_path / "wsse" / "centre-2027.csr").exists() and not (tmp_path / "wsse" / "centre-2027.key").exists()
    twice = docking("keys", "wsse", "--dir", str(tmp_path / "wsse"), "--subject", "CN=centre")
    assert twice.returncode == 2 and "already exists" in twice.stderr
