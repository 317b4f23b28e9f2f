"""A page's look-ups (adapter/inbox/page.py `_look_up`: the inbox rows of its message ids, the cases of its
dispatches), one statement bound with all the page's ids, against the IN list of a parameter each they replaced:
the same rows for varied ids — non-ASCII, quotes and backslashes, JSON look-alikes, LIKE wildcards, case, the
longest, none, duplicates, a page of 250 — on SQLite and on PostgreSQL."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Connection, insert
from sqlalchemy.exc import DataError
from sqlmodel import col, select

from adapter.inbox.page import _look_up
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow, InboxRow

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
PLATFORM, OTHER = "court", "court-b"
STORED = [
    "m-1", "M-1", "广州中院-2026-001", "😀", "é", "e\u0301", 'q"uote', "back\\slash", '["m-1"]', "[]", "null", "1",
    "%", "m_1", " m-1", "m-1 ", "x" * 64, "\\u0041", "a", "{a,b}", "a,b", "NULL", "}", '"', '\\"', "{}", "\t",
]  # fmt: skip
ASKED: dict[str, list[str]] = {
    "none": [],
    "one": ["m-1"],
    "all": STORED,
    "absent": ["m-2", "m%", "m-", "x" * 63, "A", "\\u0000"],
    "mixed": ["m-1", "m-2", "é", "e", '"m-1"', "M-1", "广州中院-2026-001"],
    "escapes-decoded-would-match": ["\u0041", "\\\\u0041", '[\\"m-1\\"]', "a\\"],
    "array-syntax": ["{a,b}", "a", "b", "a,b", "NULL", "null", "{}", "}", "{", '"', '\\"', "\\", "\t", "t"],
    "duplicates": ["m-1", "m-1", "😀", "😀"],
    "a-page-of-250": [f"p-{i}" for i in range(240)] + STORED[:10],
}


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def stored(uow: UnitOfWork) -> Iterator[Connection]:
    """STORED as message ids and case ids of PLATFORM; under OTHER, ids this platform never asks for."""
    rows = [(PLATFORM, one) for one in STORED] + [(OTHER, one) for one in ("m-2", "A", "e", "p-7")]
    inbox = [
        dict(platform=p, message_id=m, type="dispatch", received_at=AT, body_sha256=f"d{i}")
        for i, (p, m) in enumerate(rows)
    ]
    cases = [
        dict(id=f"c{i}", platform=p, platform_case_id=m, flow="court_dispatched", procedure="p", cause="c", amount="1",
             status="new", dispatch_json="{}", created_at=AT, updated_at=AT)
        for i, (p, m) in enumerate(rows)
    ]  # fmt: skip
    with uow.engine.begin() as connection:
        connection.execute(insert(InboxRow.__table__), inbox)  # type: ignore[attr-defined]
        connection.execute(insert(CaseRow.__table__), cases)  # type: ignore[attr-defined]
    with uow.engine.connect() as connection:
        yield connection


def _as_before(connection: Connection, ids: list[str]) -> tuple[set[tuple[str, str | None]], set[str]]:
    """The look-ups as an IN list of a parameter each, as they were."""
    inbox = select(InboxRow.message_id, InboxRow.body_sha256).where(
        col(InboxRow.platform) == PLATFORM, col(InboxRow.message_id).in_(ids)
    )
    cases = select(CaseRow.platform_case_id).where(
        col(CaseRow.platform) == PLATFORM, col(CaseRow.platform_case_id).in_(ids)
    )
    found = {(message_id, digest) for message_id, digest in connection.execute(inbox)}
    return found, set(connection.execute(cases).scalars())


def _now(connection: Connection, ids: list[str]) -> tuple[set[tuple[str, str | None]], set[str]]:
    ordered = sorted(set(ids))  # as `_known` asks
    dialect = connection.dialect.name
    inbox, values = _look_up(dialect, ordered, 0)
    cases, case_values = _look_up(dialect, ordered, 1)
    found = {(m, digest) for m, digest in connection.execute(inbox, {"of_platform": PLATFORM, "ids": values})}
    return found, set(connection.execute(cases, {"of_platform": PLATFORM, "ids": case_values}).scalars())


@pytest.mark.parametrize("asked", ASKED)
def test_a_page_finds_the_rows_the_in_list_found(stored: Connection, asked: str) -> None:
    ids = ASKED[asked]
    assert _now(stored, ids) == _as_before(stored, ids)
    if asked in ("all", "mixed", "a-page-of-250"):
        assert _now(stored, ids)[1], "found something"


def test_one_statement_text_whatever_the_page(stored: Connection) -> None:
    """Every page binds one text to one statement on SQLite and PostgreSQL (so it is compiled once)."""
    dialect = stored.dialect.name
    statements = {_look_up(dialect, sorted(set(ids)), 0)[0] for ids in ASKED.values()}
    assert len(statements) == 1
    assert isinstance(_look_up(dialect, ["a", "b"], 0)[1], str)


def test_an_id_with_nul_finds_nothing_on_sqlite_and_fails_as_before_on_postgresql(stored: Connection) -> None:
    """SQLite's json_each reads a string only up to a NUL: such an id (which no checked message has) must not find
    the row of what precedes it. PostgreSQL refuses NUL in text: the page fails as the IN list did (ingest_page then
    goes item by item)."""
    ids = ["a\x00", "m-1\x00tail", "m-2"]
    if stored.dialect.name == "sqlite":
        assert _now(stored, ids) == _as_before(stored, ids) == (set(), set())
        assert _look_up("sqlite", ids, 0)[1] == ids
        return
    refused = []
    for look in (_now, _as_before):
        with pytest.raises(DataError) as caught:
            look(stored, ids)
        stored.rollback()
        refused.append(type(caught.value.orig))
    assert refused[0] is refused[1]


def test_the_array_is_a_parameter_of_its_own_type_on_postgresql(stored: Connection) -> None:
    """The ids' text is read by the server as the varchar[] parameter (sent untyped), not cast from text at run
    time: prepared (after psycopg's fifth run), its parameter is varchar[], and the index is searched for the ids."""
    if stored.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's parameters")
    inbox, values = _look_up("postgresql", ["m-1", "é", 'q"uote'], 0)
    for _ in range(6):
        assert len(stored.execute(inbox, {"of_platform": PLATFORM, "ids": values}).all()) == 3
    prepared = "SELECT parameter_types::text FROM pg_prepared_statements WHERE statement LIKE %(s)s"
    types = stored.exec_driver_sql(prepared, {"s": "%FROM inbox%ANY%"}).scalars().all()
    assert types == ['{"character varying","character varying[]"}']
