"""The API's stored pieces on a real database: client keys, remembered answers and their pruning, audit rows."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlmodel import col, select

from adapter.errors import InvalidRequest
from adapter.persistence.api_tables import ApiIdempotencyRow
from adapter.persistence.engine import UnitOfWork, make_engine
from adapter.persistence.tables import AuditRow
from api.clients import (
    Role,
    add_client,
    authenticate,
    authenticate_sqlite,
    key_digest,
    list_clients,
    mark_revoked,
    marker_path,
    revoke_client,
)
from api.idempotency import forget_before
from api.known_keys import TTL_SECONDS, KnownKeys

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


def test_a_client_key_authenticates_until_revoked(uow: UnitOfWork) -> None:
    key = add_client(uow, "case-system", Role("centre"), NOW)
    with uow.begin() as session:
        found = authenticate(session, key)
        assert found is not None and found.name == "case-system" and found.role == Role("centre")
        assert authenticate(session, key + "x") is None
    (row,) = list_clients(uow)
    assert row.key_sha256 == key_digest(key) and key not in row.model_dump_json()
    revoke_client(uow, "case-system", NOW)
    with uow.begin() as session:
        assert authenticate(session, key) is None


def test_the_per_request_lookup_on_a_read_only_sqlite_file_answers_as_authenticate(uow: UnitOfWork) -> None:
    """api/access.py looks keys up through the DB-API connection of the read-only SQLite engine: known, unknown and
    revoked keys get the same answers as `authenticate`, and a revocation counts from the next lookup on."""
    if uow.engine.dialect.name != "sqlite":
        pytest.skip("the read-only DB-API lookup is SQLite's")
    key = add_client(uow, "case-system", Role("centre"), NOW)
    court = add_client(uow, "court-a", Role.parse("court:court-a"), NOW)
    reads = make_engine(str(uow.engine.url), read_only=True)
    try:
        assert authenticate_sqlite(reads, key) == authenticate_sqlite(reads, key)  # the pooled connection reused
        found = authenticate_sqlite(reads, key)
        assert found is not None and found.name == "case-system" and found.role == Role("centre")
        with reads.connect() as connection:
            assert authenticate_sqlite(reads, court) == authenticate(connection, court)
            assert authenticate(connection, court) is not None
        assert authenticate_sqlite(reads, key + "x") is None
        revoke_client(uow, "case-system", NOW)
        assert authenticate_sqlite(reads, key) is None
    finally:
        reads.dispose()


def test_client_names_are_unique_and_plain(uow: UnitOfWork) -> None:
    add_client(uow, "a", Role("ops"), NOW)
    with pytest.raises(InvalidRequest, match="exists already"):
        add_client(uow, "a", Role("ops"), NOW)
    with pytest.raises(InvalidRequest, match="client name"):
        add_client(uow, "a b", Role("ops"), NOW)
    with pytest.raises(InvalidRequest, match="no API client"):
        revoke_client(uow, "nobody", NOW)


def test_adding_and_revoking_a_client_is_audited(uow: UnitOfWork) -> None:
    add_client(uow, "gz", Role("court", "gz"), NOW, actor="alice")
    revoke_client(uow, "gz", NOW, actor="bob")
    revoke_client(uow, "gz", NOW, actor="bob")  # a second revoke changes nothing, and is not recorded
    with uow.begin() as session:
        rows = session.exec(select(AuditRow).order_by(col(AuditRow.id))).all()
        assert [(r.actor, r.action, r.subject, r.reason) for r in rows] == [
            ("alice", "api-client-add", "api-client:gz", "role court:gz"),
            ("bob", "api-client-revoke", "api-client:gz", "role court:gz"),
        ]


def test_kept_answers_are_forgotten_after_the_retention(uow: UnitOfWork) -> None:
    with uow.begin() as session:
        for key, hours in (("old", 200), ("new", 1)):
            session.add(
                ApiIdempotencyRow(
                    client="c",
                    key=key,
                    request_sha256="0" * 64,
                    status_code=200,
                    response_json="{}",
                    created_at=NOW - timedelta(hours=hours),
                )
            )
    assert forget_before(uow, NOW - timedelta(hours=168)) == 1
    with uow.begin() as session:
        assert [r.key for r in session.exec(select(ApiIdempotencyRow)).all()] == ["new"]


def test_a_driver_error_in_the_per_request_lookup_is_a_database_error(uow: UnitOfWork) -> None:
    """The DB-API lookup bypasses SQLAlchemy's execution layer, so it wraps the driver's own error as SQLAlchemy
    would: the API then answers 503 with the condition and its advice (api/problems.py), not a bare 500."""
    if uow.engine.dialect.name != "sqlite":
        pytest.skip("the read-only DB-API lookup is SQLite's")
    add_client(uow, "case-system", Role("centre"), NOW)
    reads = make_engine(str(uow.engine.url), read_only=True)
    try:
        with uow.engine.begin() as connection:
            connection.execute(text("DROP TABLE api_clients"))  # as a file that was never migrated
        with pytest.raises(DBAPIError, match="api_clients"):
            authenticate_sqlite(reads, "any-key")
    finally:
        reads.dispose()


def test_known_keys_skip_the_lookup_until_a_revocation_or_their_time_runs_out(uow: UnitOfWork, tmp_path) -> None:
    """api/known_keys.py: a live key is remembered (a revocation typed past `revoke_client` is not seen until the
    answer's time runs out), `revoke_client` rewrites the marker so the next request looks again, and unknown keys
    are never remembered."""
    if uow.engine.dialect.name != "sqlite":
        pytest.skip("the remembered keys are those of a SQLite file's read-only engine")
    key = add_client(uow, "case-system", Role("centre"), NOW)
    other = add_client(uow, "ops-desk", Role("ops"), NOW)
    reads = make_engine(str(uow.engine.url), read_only=True)
    ticks = [0.0]
    known = KnownKeys(reads, clock=lambda: ticks[0])
    try:
        assert known.marker == marker_path(uow.engine) is not None
        found = known.find(key)
        assert found is not None and found.name == "case-system"
        with uow.begin() as session:  # behind revoke_client's back: no marker
            session.connection().execute(
                text("UPDATE api_clients SET revoked_at = :at WHERE name = 'case-system'"), {"at": NOW}
            )
        assert known.find(key) == found  # remembered
        ticks[0] = TTL_SECONDS + 1
        assert known.find(key) is None  # its time ran out: looked up again
        assert known.find(other) is not None and known.find(other + "x") is None
        revoke_client(uow, "ops-desk", NOW)
        assert known.marker is not None and known.marker.exists()
        assert known.find(other) is None  # the very next request, though remembered a moment ago
        assert known.find(other + "x") is None
    finally:
        reads.dispose()


@pytest.mark.parametrize(
    ("url", "marker"),
    [
        ("sqlite:///{tmp}/d.db", "{tmp}/d.db-clients"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
    ],
)
def test_the_revocation_marker_sits_beside_a_sqlite_file_only(tmp_path, url: str, marker: str | None) -> None:
    engine = make_engine(url.format(tmp=tmp_path))
    try:
        expected = None if marker is None else marker.format(tmp=tmp_path)
        assert (None if marker_path(engine) is None else str(marker_path(engine))) == expected
        assert mark_revoked(engine) == marker_path(engine)
    finally:
        engine.dispose()
