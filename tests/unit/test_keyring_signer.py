"""The running process signs with the key the keyring makes active at each signing time, without a restart."""

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapter.keys.keyring import Keyring
from adapter.keys.keyring_signer import KeyringSigner
from signing.base import PublicKeyEntry
from signing.jws import JwsSigner, JwsVerifier
from signing.keyfiles import KeyFileError

T0 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
DAY, WEEK = timedelta(days=1), timedelta(days=7)


@pytest.fixture
def ring(tmp_path: Path) -> Keyring:
    ring = Keyring.open(tmp_path / "ring", create=True)
    ring.generate("k1", "EdDSA", T0)
    ring.rotate("k2", T0, WEEK)
    ring.save()
    return ring


def _signer(ring: Keyring, now: datetime = T0) -> KeyringSigner:
    return KeyringSigner(ring.directory, JwsSigner, passphrase=None, now=now)


def _signed_by(signer: KeyringSigner, ring: Keyring, at: datetime) -> str:
    """Sign at `at` and return the key id the signature verifies under (checked, not just read from a header)."""
    keys = {r.key_id: PublicKeyEntry(r.key_id, ring.public_key(r), r.algorithm) for r in ring.records}
    headers = signer.sign(b"{}", message_id="n", at=at, target="POST /x")
    return JwsVerifier(keys).verify(b"{}", headers, target="POST /x").key_id


def test_a_scheduled_switch_happens_at_its_instant_in_a_running_signer(ring: Keyring) -> None:
    ring.activate("k2", T0, WEEK, at=T0 + DAY)
    ring.save()
    signer = _signer(ring)
    assert _signed_by(signer, ring, T0 + DAY - timedelta(seconds=1)) == "k1"
    assert _signed_by(signer, ring, T0 + DAY) == "k2"


def test_activate_and_rollback_apply_from_the_next_signature(ring: Keyring, caplog: pytest.LogCaptureFixture) -> None:
    """No restart: the manifest changed by `docking keys activate` is read on the next signature, and the switch
    is logged once."""
    signer = _signer(ring)
    assert _signed_by(signer, ring, T0) == "k1"
    ring.activate("k2", T0, WEEK)
    ring.save()
    with caplog.at_level(logging.WARNING, "docking.keys"):
        assert [_signed_by(signer, ring, T0) for _ in range(2)] == ["k2", "k2"]
    assert [r.message for r in caplog.records if "now signing with k2" in r.message] == [caplog.records[0].message]
    ring.activate("k1", T0, WEEK)  # the court refused k2: back to k1 while it is still valid
    ring.save()
    assert _signed_by(signer, ring, T0) == "k1"


def test_an_unusable_change_keeps_the_last_good_keyring_and_is_reported_once(
    ring: Keyring, caplog: pytest.LogCaptureFixture
) -> None:
    signer = _signer(ring)
    (ring.directory / "k2.key").unlink()
    ring.activate("k2", T0, WEEK)
    ring.save()
    with caplog.at_level(logging.ERROR, "docking.keys"):
        assert [_signed_by(signer, ring, T0) for _ in range(3)] == ["k1", "k1", "k1"]
    (error,) = caplog.records
    assert "cannot be used" in error.message and "still signing with k1" in error.message


def test_a_scheduled_key_that_cannot_be_loaded_stops_start_up(ring: Keyring) -> None:
    """Found when the process starts, not at the switch with nothing to sign with."""
    ring.activate("k2", T0, WEEK, at=T0 + DAY)
    ring.save()
    (ring.directory / "k2.key").unlink()
    with pytest.raises(KeyFileError, match=r"k2\.key"):
        _signer(ring)


def test_the_credential_names_the_signing_key_and_the_key_to_go_back_to(ring: Keyring) -> None:
    signer = _signer(ring)
    first = signer.credential(T0)
    assert first.what == "key k1" and "export-public" in first.remedy and "activate" not in first.remedy
    ring.activate("k2", T0, WEEK)
    ring.save()
    second = signer.credential(T0)
    where = ring.directory.resolve()
    assert second.what == "key k2"
    assert f"`docking keys activate k1 --dir {where}`" in second.remedy
