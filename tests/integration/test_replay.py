"""The persisted replay guard on a real SQLite file: once per window, shared by every handle, pruned after."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapter.inbox.replay_guard import SqlReplayGuard, prune_nonces
from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from signing.base import PublicKeyEntry, check
from signing.errors import SignatureInvalid
from signing.hmac_appkey import HmacSigner, HmacVerifier

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
WINDOW = timedelta(seconds=300)


@pytest.fixture
def uow(tmp_path: Path) -> UnitOfWork:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    create_schema(engine)
    return UnitOfWork(engine)


def test_an_id_is_accepted_once_per_scope_and_window(uow: UnitOfWork) -> None:
    """The second sighting in the window is refused, another scope is independent, after the window it is new."""
    guard = SqlReplayGuard(uow)
    assert guard.first_sighting("court-a", "n1", now=NOW, until=NOW + WINDOW)
    assert not guard.first_sighting("court-a", "n1", now=NOW + timedelta(seconds=10), until=NOW + WINDOW)
    assert guard.first_sighting("court-b", "n1", now=NOW, until=NOW + WINDOW)
    assert guard.first_sighting("court-a", "n1", now=NOW + WINDOW * 2, until=NOW + WINDOW * 3)


def test_the_guard_is_shared_through_the_database(uow: UnitOfWork, tmp_path: Path) -> None:
    """A second guard on the same database (another worker) sees the first one's ids."""
    SqlReplayGuard(uow).first_sighting("court", "n1", now=NOW, until=NOW + WINDOW)
    other = UnitOfWork(make_engine(f"sqlite:///{tmp_path / 'r.db'}"))
    assert not SqlReplayGuard(other).first_sighting("court", "n1", now=NOW, until=NOW + WINDOW)


def test_pruning_forgets_only_expired_ids(uow: UnitOfWork) -> None:
    """Prune removes ids whose window ended and keeps the rest."""
    guard = SqlReplayGuard(uow)
    guard.first_sighting("court", "old", now=NOW, until=NOW + WINDOW)
    guard.first_sighting("court", "new", now=NOW + WINDOW, until=NOW + WINDOW * 2)
    assert prune_nonces(uow, NOW + WINDOW + timedelta(seconds=1)) == 1
    assert not guard.first_sighting("court", "new", now=NOW + WINDOW, until=NOW + WINDOW * 2)


def test_check_with_the_persisted_guard_refuses_a_replayed_request(uow: UnitOfWork) -> None:
    """End to end with a real profile: the same signed request twice is `replayed` the second time."""
    signer = HmacSigner("app", b"s" * 32)
    verifier = HmacVerifier({"app": PublicKeyEntry("app", b"s" * 32, "HMAC-SHA256")})
    headers = signer.sign(b"{}", message_id="n-1", at=NOW, target="POST /x")
    guard = SqlReplayGuard(uow)
    check(verifier, b"{}", headers, now=NOW, target="POST /x", replay=guard, scope="app")
    with pytest.raises(SignatureInvalid) as caught:
        check(verifier, b"{}", headers, now=NOW, target="POST /x", replay=guard, scope="app")
    assert caught.value.reason == "replayed"
