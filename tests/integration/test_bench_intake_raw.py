"""bench/intake.py's raw baseline writes what the adapter writes (#21: "verify the same signatures + insert the same
rows with plain SQL"): the adapter pass and the raw pass read the same sandbox feed into two fresh databases, on
SQLite and on PostgreSQL, and must leave the same number of rows in the same tables, the same columns filled, and
rows of the same size. The one-row floor measured before (bench/intake_raw.py one_row_pass) fails the comparison —
the check the baseline used not to pass."""

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, inspect, text

from adapter.config.settings import Settings
from adapter.testing.postgres import fresh_database
from bench import intake_raw
from bench.harness import Court
from bench.intake import settings_for
from connectors.port import FeedPage

pytestmark = pytest.mark.integration

ITEMS = 200


@pytest.fixture(scope="module")
def court(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Court, Path]]:
    """The benchmark's own court process (bench/harness.py), its feed holding ITEMS signed dispatches."""
    work = tmp_path_factory.mktemp("intake")
    with Court(work) as court:
        court.dispatch(ITEMS)
        yield court, work


@pytest.fixture(params=["sqlite", "postgres"])
def fresh(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[[], str]]:
    """Makes a new, empty database (no schema) on the backend, as the benchmark does for each pass."""
    if request.param == "sqlite":
        names = iter(range(100))
        yield lambda: f"sqlite:///{tmp_path / f'{next(names)}.db'}"
        return
    server: str = request.getfixturevalue("postgres")
    made: list[str] = []

    def new() -> str:
        made.append(fresh_database(server))
        return made[-1]

    yield new
    import psycopg

    with psycopg.connect(server.replace("postgresql+psycopg", "postgresql"), autocommit=True) as admin:
        for url in made:
            admin.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def _adapter_pass(settings: Settings) -> None:
    """The adapter's pass as the benchmark runs it: in a process of its own (it freezes its start-up heap)."""
    command = [sys.executable, "-m", "bench.intake", "--child", "adapter", settings.model_dump_json()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.splitlines()[-1])["count"] == ITEMS


def _repeating(monkeypatch: pytest.MonkeyPatch) -> intake_raw.Parts:
    """Every page after the first starts with the last item of the page before, as the court sometimes sends it (a
    feed is at least once): the raw pass must write nothing for the repeat. Returns the pass's step counters."""
    real = intake_raw._feed

    def feed(settings: Settings) -> tuple[Callable[[str], Any], Callable[[Any], str]]:
        fetch, verify = real(settings)
        last: list[Any] = []

        def fetch_again(cursor: str) -> FeedPage:
            page = fetch(cursor)
            repeated = [*last[-1:], *page.items]
            last[:] = page.items or last
            return FeedPage(repeated, page.next_cursor)

        return fetch_again, verify

    monkeypatch.setattr(intake_raw, "_feed", feed)
    monkeypatch.setattr(intake_raw, "_settle", lambda: None)  # the benchmark's own process freezes its heap, not ours
    return intake_raw.Parts()


def _census(url: str) -> dict[str, dict[str, Any]]:
    """Per table with rows: its row count, each column's count of non-null values, and the bytes its values take
    as stored (SQLite: the length of each value as a blob; PostgreSQL: pg_column_size of each value)."""
    engine = create_engine(url)
    found: dict[str, dict[str, Any]] = {}
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        for table in inspect(connection).get_table_names():
            columns = [c["name"] for c in inspect(connection).get_columns(table)]
            size = "length(CAST({} AS BLOB))" if sqlite else "pg_column_size({})"
            parts = [f'count("{c}")' for c in columns] + [f"coalesce(sum({size.format(c)}), 0)" for c in columns]
            values = connection.execute(text(f"SELECT count(*), {', '.join(parts)} FROM {table}")).one()
            if values[0]:
                filled = dict(zip(columns, values[1 : 1 + len(columns)], strict=True))
                found[table] = {"rows": values[0], "filled": filled, "bytes": sum(values[1 + len(columns) :])}
    engine.dispose()
    return found


def _schema(url: str, tables: set[str]) -> dict[str, Any]:
    engine = create_engine(url)
    with engine.connect() as connection:
        seen = inspect(connection)
        schema = {
            t: (
                [(c["name"], str(c["type"]), c["nullable"]) for c in seen.get_columns(t)],
                sorted((i["name"], tuple(i["column_names"]), i["unique"]) for i in seen.get_indexes(t)),
                sorted(tuple(u["column_names"]) for u in seen.get_unique_constraints(t)),
                seen.get_pk_constraint(t)["constrained_columns"],
            )
            for t in sorted(tables)
        }
    engine.dispose()
    return schema


def differences(adapter: dict[str, dict[str, Any]], raw: dict[str, dict[str, Any]]) -> list[str]:
    """What the raw pass did not write as the adapter did. The tables compared are those the adapter wrote a row an
    item or more into (the rest are its own bookkeeping: a cursor, a feed's state, a lease — per page or per run)."""
    found = []
    per_item = {t for t, seen in adapter.items() if seen["rows"] >= ITEMS}
    for table in sorted(per_item):
        ours, theirs = adapter[table], raw.get(table)
        if theirs is None or theirs["rows"] != ours["rows"]:
            found.append(f"{table}: {ours['rows']} rows by the adapter, {theirs and theirs['rows']} raw")
            continue
        for column, count in ours["filled"].items():
            if theirs["filled"][column] != count:
                found.append(f"{table}.{column}: filled in {count} rows by the adapter, {theirs['filled'][column]} raw")
        if not ours["bytes"] / 2 <= theirs["bytes"] <= ours["bytes"] * 2:
            found.append(f"{table}: {ours['bytes']} bytes by the adapter, {theirs['bytes']} raw")
    found += [f"{table}: written by the raw pass, not by the adapter" for table in sorted(set(raw) - set(adapter))]
    return found


@pytest.mark.timeout(300)
def test_the_raw_pass_writes_the_rows_the_adapter_writes(
    court: tuple[Court, Path], fresh: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    bench_court, work = court
    adapter_settings = settings_for(bench_court, fresh(), work)
    _adapter_pass(adapter_settings)
    adapter = _census(adapter_settings.database_url)
    assert {t for t, seen in adapter.items() if seen["rows"] >= ITEMS} == {
        "cases", "case_events", "inbox", "centre_events", "audit_chain"
    }  # fmt: skip  # the six rows an item (two chain entries): the census sees what the adapter writes

    parts = _repeating(monkeypatch)
    raw_settings = settings_for(bench_court, fresh(), work)
    seconds, count = intake_raw.raw_pass(raw_settings, parts)
    assert count == ITEMS and seconds > 0
    assert parts.items > ITEMS  # repeats were served, and written once (the counts below)
    assert all(us > 0 for us in parts.per_item_us().values()), parts
    assert differences(adapter, _census(raw_settings.database_url)) == []
    # the same tables, columns, indexes and constraints: the raw pass's database is made by the adapter's migrations
    tables = set(adapter)
    assert _schema(raw_settings.database_url, tables) == _schema(adapter_settings.database_url, tables)

    one_row_settings = settings_for(bench_court, fresh(), work)  # the floor measured before misses five tables
    assert intake_raw.one_row_pass(one_row_settings)[1] == ITEMS
    missed = differences(adapter, _census(one_row_settings.database_url))
    assert len(missed) == 6 and "inbox: 200 rows by the adapter, None raw" in missed, missed
