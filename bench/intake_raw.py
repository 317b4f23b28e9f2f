"""The raw baselines of bench/intake.py: the same feed read and verified as the adapter does, its rows written with
plain SQL (sqlite3 / psycopg), one transaction per page.

`raw_pass`, the baseline of issue #21 ("verify the same signatures + insert the same rows with plain SQL"): on a
database made by the adapter's own migrations (the same tables, columns, constraints and indexes, before timing),
per new dispatch the six rows the adapter writes (adapter/inbox/page_rows.py) — its case, history line, inbox row
(the raw bytes and the signature headers), centre event and two audit-chain entries — their values built by plain
code from the verified item (bench/intake_rows.py): json.loads of the body, new ids, one timestamp an item, the
body's fields and text, the headers as JSON, every digest a SHA-256 (of the bytes received, of an entry's content,
of the previous hash and the digest), the dispatch's JSON and the raw bytes stored in clear. What the adapter
does beyond that — decode and validate into the model, seal, mask, classify, check the case is new, chain the
audit entries in its own transaction — is what intake_per_s ÷ raw_per_s measures. Rows go in as the adapter puts
a page's in (adapter/persistence/bulk.py): an executemany a table on SQLite, a COPY a table on PostgreSQL — the
cheaper way there, so the floor is not raised by a slower insert than the adapter's own.

`one_row_pass`, the floor measured before (kept for comparison): one row per item (message id, case id, body) into
a table of its own.

Both are at least once, as a feed is (the court re-sends an item now and then), the same way on SQLite and
PostgreSQL: the one-row pass drops a repeated item by its table's key (ON CONFLICT DO NOTHING); `raw_pass` skips an
item whose message id it has already taken whole (none of its six rows written); on SQLite the inbox's (platform,
message_id) key would drop it at the database too (ON CONFLICT DO NOTHING; a COPY has no such clause).
"""

import gc
import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from adapter.config.settings import Settings
from bench.intake_rows import TABLES, Chain, Rows, add_dispatch
from connectors.port import Feed, RawInbound

PAGE = 100

_ONE_ROW = ("raw_inbox", "message_id case_id body", " ON CONFLICT (message_id) DO NOTHING")


@dataclass
class Parts:
    """CPU seconds of the pass's thread by step (time.thread_time, taken per page); `cpu`, the process's for the
    whole timed pass (time.process_time); `check`, an adapter pass's check process's (bench/intake.py); `items`, as
    fetched (a repeat counted again)."""

    cpu: float = 0.0
    check: float = 0.0
    fetch: float = 0.0
    verify: float = 0.0
    build: float = 0.0
    insert: float = 0.0
    items: int = 0

    def per_item_us(self) -> dict[str, float]:
        steps = {"cpu": self.cpu, "fetch": self.fetch, "verify": self.verify, "build": self.build}
        steps["insert"] = self.insert
        if self.check:
            steps["check"] = self.check
        return {name: seconds * 1e6 / max(self.items, 1) for name, seconds in steps.items()}


class _Database:
    """A plain driver connection to the settings' database: sqlite3 in WAL mode — `tuned`, with the other pragmas
    the adapter's engine sets too (adapter/persistence/engine.py: synchronous NORMAL, foreign keys, secure delete
    with a vault) — or psycopg."""

    def __init__(self, url: str, *, tuned: bool = True) -> None:
        self.sqlite = url.startswith("sqlite")
        if self.sqlite:
            self.connection: Any = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
            pragmas = ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "secure_delete=ON")
            for pragma in pragmas if tuned else pragmas[:1]:
                self.connection.execute(f"PRAGMA {pragma}")
            self.mark = "?"
        else:
            import psycopg

            self.connection = psycopg.connect(url.replace("postgresql+psycopg", "postgresql"))
            self.mark = "%s"

    def insert(self, table: str, columns: str, conflict: str) -> str:
        names = columns.split()
        return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join(self.mark for _ in names)}){conflict}"

    def bulk(self, table: str, columns: str, conflict: str) -> str:
        """The statement a page's rows of `table` go in by, as the adapter's (module doc): on PostgreSQL a COPY."""
        if self.sqlite:
            return self.insert(table, columns, conflict)
        return f"COPY {table} ({', '.join(columns.split())}) FROM STDIN"

    def stamp(self, at: datetime) -> Any:
        """`at` as its column takes it: SQLite's text as SQLAlchemy stores a UTC time; PostgreSQL's timestamptz."""
        return at.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else at

    def write(self, statements: list[str], rows: tuple[list[tuple[Any, ...]], ...]) -> None:
        """One transaction: each statement's rows as one executemany, or written to it if it is a COPY."""
        if self.sqlite:
            self.connection.execute("BEGIN IMMEDIATE")
            for sql, values in zip(statements, rows, strict=True):
                self.connection.executemany(sql, values)
            self.connection.execute("COMMIT")
        else:
            with self.connection.cursor() as cursor:
                for sql, values in zip(statements, rows, strict=True):
                    if sql.startswith("COPY"):
                        with cursor.copy(sql) as copy:
                            for row in values:
                                copy.write_row(row)
                    else:
                        cursor.executemany(sql, values)
            self.connection.commit()

    def count(self, table: str) -> int:
        return int(self.connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _feed(settings: Settings) -> tuple[Callable[[str], Any], Callable[[RawInbound], str]]:
    """(fetch a page after a cursor, verify an item → its message id) with the adapter's connector and verifier."""
    from adapter.platforms.signers import build_signer, build_verifier
    from connectors.odr_rest import OdrRestPlatform

    platform = settings.platforms["court"]
    connector = OdrRestPlatform("court", platform.base_url, build_signer(platform.signing, platform="court"))
    verifier = build_verifier(platform.signing, platform="court")
    return (
        lambda cursor: connector.fetch(Feed.DISPATCHES, cursor, PAGE),
        lambda item: str(verifier.verify(item.body, item.headers).message_id),
    )


def _pages(fetch: Callable[[str], Any], parts: Parts) -> Iterator[list[RawInbound]]:
    cursor = ""
    while True:
        started = time.thread_time()
        page = fetch(cursor)
        parts.fetch += time.thread_time() - started
        yield page.items
        if len(page.items) < PAGE or page.next_cursor == cursor:
            return
        cursor = page.next_cursor


def raw_pass(settings: Settings, parts: Parts | None = None) -> tuple[float, int]:
    """The baseline (module doc): (seconds, inbox rows written). `parts`: CPU by step, added to."""
    parts = parts if parts is not None else Parts()
    _migrate(settings.database_url)
    database = _Database(settings.database_url)
    fetch, verify = _feed(settings)
    statements = [database.bulk(*table) for table in TABLES]
    chain = Chain(database.count("audit_chain"))
    seen: set[str] = set()

    def build(verified: list[tuple[str, RawInbound]]) -> Rows:
        rows: Rows = ([], [], [], [], [])
        for message_id, item in verified:
            if message_id not in seen:  # at least once: a repeated item writes nothing (module doc)
                seen.add(message_id)
                add_dispatch(rows, database.stamp, chain, message_id, item)
        return rows

    seconds = _timed(database, statements, fetch, verify, build, parts)
    count = database.count("inbox")
    database.connection.close()
    return seconds, count


def _timed(
    database: _Database,
    statements: list[str],
    fetch: Callable[[str], Any],
    verify: Callable[[RawInbound], str],
    build: Callable[[list[tuple[str, RawInbound]]], Rows],
    parts: Parts,
) -> float:
    """A pass over the whole feed, timed (seconds): per page, its items verified (message id, item), their rows
    built, and written in one transaction (`statements`, one per list of the rows); CPU by step added to `parts`."""
    _settle()
    started, cpu = time.perf_counter(), time.process_time()
    for items in _pages(fetch, parts):
        mark = time.thread_time()
        verified = [(verify(item), item) for item in items]
        parts.verify += (now := time.thread_time()) - mark
        rows = build(verified)
        parts.build += (mark := time.thread_time()) - now
        database.write(statements, rows)
        parts.insert += time.thread_time() - mark
        parts.items += len(items)
    seconds, parts.cpu = time.perf_counter() - started, time.process_time() - cpu
    return seconds


def _settle() -> None:
    """As the adapter pass does before timing (scheduler/process.py settle): the start-up heap out of the collector's
    reach, so that full collections walk it in neither pass (in the raw pass they cost ~20 µs an item without)."""
    gc.collect()
    gc.freeze()


def _migrate(url: str) -> None:
    """The adapter's schema on the fresh database, as the adapter makes it (adapter/persistence/migrate.py)."""
    from sqlalchemy import create_engine

    from adapter.persistence.migrate import prepare

    engine = create_engine(url)
    prepare(engine)
    engine.dispose()


def one_row_pass(settings: Settings, parts: Parts | None = None) -> tuple[float, int]:
    """The floor measured before (module doc), as it was: (seconds, rows written). `parts`: as raw_pass's."""
    parts = parts if parts is not None else Parts()
    database = _Database(settings.database_url, tuned=False)
    fetch, verify = _feed(settings)
    table = "raw_inbox (message_id TEXT PRIMARY KEY, case_id TEXT, body TEXT NOT NULL)"
    database.connection.execute(f"CREATE TABLE {table}")
    if not database.sqlite:
        database.connection.commit()
    insert = database.insert(*_ONE_ROW)

    def build(verified: list[tuple[str, RawInbound]]) -> Rows:
        return ([(message_id, json.loads(item.body)["ajbs"], item.body.decode()) for message_id, item in verified],)

    seconds = _timed(database, [insert], fetch, verify, build, parts)
    count = database.count("raw_inbox")
    database.connection.close()
    return seconds, count
