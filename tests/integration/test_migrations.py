"""Schema migrations: the migrations build exactly the model's schema, on SQLite and on PostgreSQL."""

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from adapter.errors import ConfigError
from adapter.persistence.engine import create_schema, make_engine
from adapter.persistence.migrate import current, head, upgrade
from adapter.testing import fresh_database
from tests.support.cli import docking

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'm.db'}"
    return fresh_database(request.getfixturevalue("postgres"))


def test_the_migrations_build_exactly_the_models_schema(url: str) -> None:
    """upgrade from nothing to head leaves no difference between the database and the table definitions."""
    engine = make_engine(url)
    before, after = upgrade(engine)
    assert before is None and after == head()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_a_new_database_is_created_at_head_and_a_second_upgrade_changes_nothing(url: str) -> None:
    """The fast path (tables from the model, stamped) agrees with the migrations; upgrading again is a no-op."""
    engine = make_engine(url)
    create_schema(engine)
    with engine.connect() as connection:
        assert current(connection) == head()
    assert upgrade(engine) == (head(), head())


def test_tables_without_a_schema_version_are_refused(tmp_path: Path) -> None:
    """An unversioned database with tables is not silently adopted: the operator is told to upgrade."""
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE cases (id TEXT PRIMARY KEY)"))
    with pytest.raises(ConfigError, match="docking db upgrade"):
        create_schema(engine)


def test_docking_db_upgrade_from_the_command_line(tmp_path: Path) -> None:
    """`docking db upgrade` creates the schema, then reports it is already at the newest version."""
    config = tmp_path / "c.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "n.db"}"\n')
    first = docking("db", "upgrade", "--config", str(config))
    assert first.returncode == 0 and f"none → {head()}" in first.stdout, first.stderr
    second = docking("db", "upgrade", "--config", str(config))
    assert second.returncode == 0 and "already at" in second.stdout


def test_upgrading_gives_queued_messages_their_creation_time_as_queued_at(url: str) -> None:
    """0006: rows queued before the upgrade keep the retry window they had (counted from their creation)."""
    from alembic import command

    from adapter.persistence.migrate import alembic_config

    engine = make_engine(url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0004")
        connection.commit()
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO cases (id, platform, platform_case_id, flow, procedure, cause, amount, status, "
                "dispatch_json, created_at, updated_at) VALUES ('MC-1', 'court', 'A-1', 'delegated', 'ordinary', "
                "'信用卡纠纷', '1.00', 'accepted', '{}', :at, :at)"
            ),
            {"at": "2026-11-20 01:00:00"},
        )
        connection.execute(
            text(
                "INSERT INTO outbox (message_id, case_id, platform, type, envelope_json, seq, status, attempts, "
                "next_attempt_at, created_at) VALUES ('M-1', 'MC-1', 'court', 'progress', '{}', 1, 'pending', 3, "
                ":next, :at)"
            ),
            {"at": "2026-11-20 01:00:00", "next": "2026-11-23 01:00:00"},
        )
    upgrade(engine)
    with engine.connect() as connection:
        queued, created = connection.execute(text("SELECT queued_at, created_at FROM outbox")).one()
    assert queued == created and str(created).startswith("2026-11-20 01:00:00")


def _flow_c_row(connection: Any, case_id: str, centre_id: str) -> None:
    connection.execute(
        text(
            "INSERT INTO cases (id, platform, platform_case_id, flow, procedure, cause, amount, status, "
            "dispatch_json, created_at, updated_at) VALUES (:id, NULL, :centre_id, 'self_received', 'ordinary', "
            "'信用卡纠纷', '1.00', 'received', '{}', :at, :at)"
        ),
        {"id": case_id, "centre_id": centre_id, "at": "2026-11-20 01:00:00"},
    )


def test_0016_refuses_a_database_holding_one_centre_case_id_twice_then_indexes_it_once_resolved(url: str) -> None:
    """0016's unique index on flow-C centre case ids: existing duplicates stop the upgrade, changing nothing, with
    a message naming each id and its cases; once the centre renames one, the upgrade runs and the index holds."""
    from alembic import command

    from adapter.persistence.migrate import alembic_config

    engine = make_engine(url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0015")
        connection.commit()
    with engine.begin() as connection:
        _flow_c_row(connection, "MC-A", "ZS-2026-0001")
        _flow_c_row(connection, "MC-B", "ZS-2026-0001")
        _flow_c_row(connection, "MC-C", "ZS-2026-0002")
    with pytest.raises(ConfigError) as refused:
        upgrade(engine)
    assert "ZS-2026-0001: MC-A, MC-B" in str(refused.value) and "ZS-2026-0002" not in str(refused.value)
    with engine.connect() as connection:
        assert current(connection) == "0015"
    with engine.begin() as connection:
        connection.execute(text("UPDATE cases SET platform_case_id = 'ZS-2026-0001-B' WHERE id = 'MC-B'"))
    assert upgrade(engine) == ("0015", head())
    with pytest.raises(IntegrityError), engine.begin() as connection:
        _flow_c_row(connection, "MC-D", "ZS-2026-0002")


def test_0018_adds_the_partner_tables_and_downgrading_removes_them_leaving_the_rest(url: str) -> None:
    """0018 creates partner_records, partner_events and partner_outbox; down to 0017 drops exactly those three."""
    from alembic import command
    from sqlalchemy import inspect

    from adapter.persistence.migrate import alembic_config

    partner = {"partner_records", "partner_events", "partner_outbox"}
    engine = make_engine(url)
    assert upgrade(engine) == (None, head())
    with engine.connect() as connection:
        assert current(connection) == head() and partner <= set(inspect(connection).get_table_names())
        tables_at_head = set(inspect(connection).get_table_names())
        command.downgrade(alembic_config(connection), "0017")
        connection.commit()
    with engine.connect() as connection:
        assert current(connection) == "0017"
        assert set(inspect(connection).get_table_names()) == tables_at_head - partner - AUDIT  # 0019's too
    assert upgrade(engine) == ("0017", head())


AUDIT = {"audit_chain", "audit_checkpoints"}


def test_0019_adds_the_audit_chain_and_downgrading_removes_only_it(url: str) -> None:
    """0019 creates audit_chain and audit_checkpoints; down to 0018 drops exactly those two."""
    from alembic import command
    from sqlalchemy import inspect

    from adapter.persistence.migrate import alembic_config

    engine = make_engine(url)
    assert upgrade(engine) == (None, head())
    with engine.connect() as connection:
        assert current(connection) == head() and set(inspect(connection).get_table_names()) >= AUDIT
        tables_at_head = set(inspect(connection).get_table_names())
        command.downgrade(alembic_config(connection), "0018")
        connection.commit()
    with engine.connect() as connection:
        assert current(connection) == "0018"
        assert set(inspect(connection).get_table_names()) == tables_at_head - AUDIT
    assert upgrade(engine) == ("0018", head())


EVIDENCE = {"inbox": {"raw", "raw_headers_json"}, "outbox": {"wire_body", "wire_json"}}


def test_0020_keeps_the_bytes_exchanged_and_downgrading_removes_only_those_columns(url: str) -> None:
    """0020 adds the inbox's raw bytes and headers and the outbox's wire bytes and exchange (all nullable); down to
    0019 drops exactly those four columns, keeping the rows."""
    from alembic import command
    from sqlalchemy import inspect

    from adapter.persistence.migrate import alembic_config

    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        columns = {t: {c["name"] for c in inspect(connection).get_columns(t)} for t in EVIDENCE}
        assert all(EVIDENCE[t] <= columns[t] for t in EVIDENCE)
        connection.execute(text("INSERT INTO inbox (platform, message_id, type, received_at) "
                                "VALUES ('court', 'm1', 'dispatch', '2026-12-01 00:00:00')"))  # fmt: skip
        connection.commit()
        command.downgrade(alembic_config(connection), "0019")
        connection.commit()
    with engine.connect() as connection:
        assert current(connection) == "0019"
        after = {t: {c["name"] for c in inspect(connection).get_columns(t)} for t in EVIDENCE}
        assert after == {t: columns[t] - EVIDENCE[t] for t in EVIDENCE}
        assert connection.execute(text("SELECT message_id FROM inbox")).scalar_one() == "m1"
    assert upgrade(engine) == ("0019", head())


def test_0022_drops_the_cases_platform_index_and_downgrading_restores_it(url: str) -> None:
    """0022 drops ix_cases_platform alone (the indexes beginning with platform stay); down to 0021 brings it back."""
    from alembic import command
    from sqlalchemy import inspect

    from adapter.persistence.migrate import alembic_config

    engine = make_engine(url)
    upgrade(engine)
    with engine.connect() as connection:
        at_head = {index["name"] for index in inspect(connection).get_indexes("cases")}
        assert "ix_cases_platform" not in at_head and {"ix_cases_reconcile", "ix_cases_dispatched"} <= at_head
        command.downgrade(alembic_config(connection), "0021")
        connection.commit()
    with engine.connect() as connection:
        assert current(connection) == "0021"
        assert {index["name"] for index in inspect(connection).get_indexes("cases")} == at_head | {"ix_cases_platform"}
    assert upgrade(engine) == ("0021", head())
