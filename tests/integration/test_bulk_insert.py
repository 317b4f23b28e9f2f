"""Rows inserted at the driver (adapter/persistence/bulk.py) are stored as SQLAlchemy's own insert stores them: the
same text, numbers, times and NULLs; the personal data sealed (never in clear) and opening to the same values."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Table, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DataError

from adapter.persistence import bulk
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.bulk import insert_rows
from adapter.persistence.engine import create_schema, make_engine
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.sealed_types import attach_vault
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow, OutboxStatus
from adapter.persistence.vault import Vault, new_key
from tests.support.db_template import Templates

pytestmark = pytest.mark.integration

CASES: Table = CaseRow.__table__  # type: ignore[attr-defined]
HISTORY: Table = CaseEventRow.__table__  # type: ignore[attr-defined]
INBOX: Table = InboxRow.__table__  # type: ignore[attr-defined]
EVENTS: Table = CentreEventRow.__table__  # type: ignore[attr-defined]
AUDIT: Table = AuditEntryRow.__table__  # type: ignore[attr-defined]
AT = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
CST = timezone(timedelta(hours=8))
SECRETS = ("110105194912310021", "13800138000")


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request: pytest.FixtureRequest, tmp_path: Path, templates: Templates) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = templates.sqlite(tmp_path / "bulk.db")
    else:
        url = templates.postgres(request.getfixturevalue("postgres"))
    made = make_engine(url)
    create_schema(made)
    attach_vault(made, Vault([new_key("k1", "sm4-gcm" if request.param == "postgres" else "aes-256-gcm")], "k1"))
    yield made
    made.dispose()


@pytest.fixture(autouse=True, params=["copied", "executemany"])
def shape(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Every test both ways PostgreSQL's rows go in (adapter/persistence/bulk.py): a batch by COPY, a few rows by an
    executemany — whatever the test's number of rows. SQLite's always go by an executemany."""
    monkeypatch.setattr(bulk, "_COPY_FROM", 1 if request.param == "copied" else 10**9)
    return str(request.param)


def _case(n: int, tag: str) -> dict[str, Any]:
    dispatch = f'{{"parties":[{{"name":"张三{n}","id_number":"{SECRETS[0]}","phone":"{SECRETS[1]}"}}],"n":{n}}}'
    return {
        "id": f"MC-{tag}-{n}", "platform": "court" if n % 2 else None, "platform_case_id": f"{tag}-{n}",
        "case_number": None if n % 3 else f"（2026）粤0104民调{n}号", "court_code": None, "flow": "delegated",
        "procedure": "ordinary", "cause": "金融借款合同纠纷", "amount": "12345.60", "status": "received",
        "dispatch_json": dispatch, "created_at": AT, "updated_at": AT.astimezone(CST),  # an aware time in +08:00
        "court_dispatched_at": None if n == 2 else AT - timedelta(days=n),
    }  # fmt: skip


def _rows(tag: str) -> list[tuple[Table, list[dict[str, Any]]]]:
    cases = [_case(n, tag) for n in range(1, 5)]
    history = [
        {"case_id": c["id"], "at": AT, "event": "register", "from_status": "received", "to_status": "registered",
         "actor": "court:court", "detail": "" if i else "message 1; flagged: 电话 95588"}
        for i, c in enumerate(cases)
    ]  # fmt: skip
    inbox = [
        {"platform": "court", "message_id": f"{tag}-m{n}", "type": "dispatch", "case_id": c["id"], "received_at": AT,
         "body_sha256": None if n == 0 else "ab" * 32, "raw": None if n == 1 else f'{{"zjhm":"{SECRETS[0]}"}}'.encode(),
         "raw_headers_json": '{"x-signature":"…"}'}
        for n, c in enumerate(cases)
    ]  # fmt: skip
    events = [
        {"event_id": f"evt_{tag}{n}", "type": "dispatch.received", "case_id": None if n == 3 else c["id"], "at": AT,
         "data_json": '{"masked":"110105********0021"}', "status": OutboxStatus.PENDING, "attempts": n,
         "next_attempt_at": AT, "queued_at": AT}
        for n, c in enumerate(cases)
    ]  # fmt: skip
    return [(CASES, cases), (HISTORY, history), (INBOX, inbox), (EVENTS, events)]


def _read(engine: Engine, table: Table, tag: str, key: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """(opened through the column types, as stored) of the rows whose `key` starts with `tag`, without ids."""
    keep = [c.name for c in table.c if c.name != "id" or key == "id"]
    with engine.connect() as connection:
        opened = connection.execute(
            select(*[table.c[n] for n in keep]).where(table.c[key].like(f"%{tag}%")).order_by(table.c[key])
        ).all()
        stored = connection.execute(
            text(f"SELECT {', '.join(keep)} FROM {table.name} WHERE {key} LIKE :tag ORDER BY {key}"),
            {"tag": f"%{tag}%"},
        ).all()
    untag = lambda row: tuple(v.replace(tag, "T") if isinstance(v, str) else v for v in row)  # noqa: E731
    return [untag(r) for r in opened], [untag(r) for r in stored]


KEYS = {CASES: "id", HISTORY: "case_id", INBOX: "message_id", EVENTS: "event_id"}
SEALED = {CASES: {"dispatch_json"}, INBOX: {"raw"}}


def test_rows_inserted_at_the_driver_are_stored_as_sqlalchemys_insert_stores_them(engine: Engine) -> None:
    with engine.begin() as connection:
        for table, rows in _rows("orm"):
            connection.execute(insert(table), rows)
        for table, rows in _rows("drv"):
            insert_rows(connection, table, rows)
    for table, key in KEYS.items():
        opened_orm, stored_orm = _read(engine, table, "orm", key)
        opened_drv, stored_drv = _read(engine, table, "drv", key)
        assert opened_drv == opened_orm and len(opened_drv) == 4, table.name
        names = [c.name for c in table.c if c.name != "id" or key == "id"]
        for by_orm, by_driver in zip(stored_orm, stored_drv, strict=True):
            for name, one, other in zip(names, by_orm, by_driver, strict=True):
                if name not in SEALED.get(table, set()):
                    assert one == other, (table.name, name)  # the very stored text, number, time or NULL
                elif one is not None:  # sealed with a fresh nonce each time: both sealed, neither in clear
                    for value in (one, other):
                        stored = bytes(value) if not isinstance(value, str) else value.encode()
                        assert not any(secret.encode() in stored for secret in SECRETS), (table.name, name)
                        assert stored.startswith((b"DKSEAL1:k1:", b'{"parties":[{"name"')), stored[:30]
                    assert other != one
                else:
                    assert other is None


def test_the_audit_chains_rows_are_stored_the_same_way(engine: Engine) -> None:
    rows = [
        {"seq": n, "at": AT, "kind": "case.register", "subject": f"{tag}-{n}", "case_id": None if n % 2 else "MC-1",
         "actor": "court:court", "alg": "sha256", "digest": "cd" * 32, "content_json": '{"to":"registered"}',
         "prev_hash": "00" * 32, "entry_hash": "ef" * 32}
        for tag, start in (("orm", 1), ("drv", 11)) for n in range(start, start + 3)
    ]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(AUDIT), [r for r in rows if r["subject"].startswith("orm")])
        insert_rows(connection, AUDIT, [r for r in rows if r["subject"].startswith("drv")])
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT at, kind, case_id, content_json, entry_hash FROM audit_chain "
                                         "ORDER BY seq")).all()  # fmt: skip
    assert len(stored) == 6 and stored[:3] == stored[3:]


def test_a_column_whose_default_is_ours_must_be_given(engine: Engine) -> None:
    row = {k: v for k, v in _rows("x")[1][1][0].items() if k != "detail"}  # case_events.detail defaults to ""
    with engine.begin() as connection, pytest.raises(ValueError, match="detail"):
        insert_rows(connection, HISTORY, [row])


# Text that COPY's text format must escape (PostgreSQL's rows go in by COPY) or that is easy to get wrong anywhere.
AWKWARD = ["", "\\N", "tab\there", "line\nbreak", "carriage\rreturn", "back\\slash\\", "引号\"和'撇号", "😀 astral",
           "x" * 70_000]  # fmt: skip


def test_awkward_text_is_stored_as_sqlalchemys_insert_stores_it(engine: Engine) -> None:
    """Each awkward text in every kind of text column, and as raw bytes (sealed: compared opened)."""
    rows = {
        tag: [
            {"platform": "court", "message_id": f"{tag}-{n}", "type": text_[:32],
             "case_id": None if n % 2 else text_[:40], "received_at": AT, "body_sha256": text_[:64],
             "raw": text_.encode() + b"\x00\\\n\x01", "raw_headers_json": text_}
            for n, text_ in enumerate(AWKWARD)
        ]
        for tag in ("orm", "drv")
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(INBOX), rows["orm"])
        insert_rows(connection, INBOX, rows["drv"])
    opened_orm, stored_orm = _read(engine, INBOX, "orm", "message_id")
    opened_drv, stored_drv = _read(engine, INBOX, "drv", "message_id")
    assert opened_drv == opened_orm and len(opened_drv) == len(AWKWARD)
    raw = [c.name for c in INBOX.c if c.name != "id"].index("raw")  # sealed under a fresh nonce: compared opened
    assert [r[:raw] + r[raw + 1 :] for r in stored_drv] == [r[:raw] + r[raw + 1 :] for r in stored_orm]


REFUSED = [("a value too long for its column", {"type": "t" * 33}), ("a NUL in text", {"raw_headers_json": "a\x00b"})]


@pytest.mark.parametrize(("what", "change"), REFUSED, ids=[what for what, _ in REFUSED])
def test_a_value_postgresql_refuses_is_a_data_error_and_nothing_is_stored(
    engine: Engine, what: str, change: dict[str, Any]
) -> None:
    """As SQLAlchemy's insert raises it (what a feed page's fallback catches: adapter/inbox/page.py); SQLite takes
    both values, so only PostgreSQL refuses."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite stores both")
    good = _rows("bad")[2][1]
    refused = [good[0], {**good[1], **change}, good[2]]
    for write in (lambda c: c.execute(insert(INBOX), refused), lambda c: insert_rows(c, INBOX, refused)):
        with pytest.raises(DataError), engine.begin() as connection:
            write(connection)
    with engine.begin() as connection:  # the connection is still good, and nothing of the refused rows was kept
        insert_rows(connection, INBOX, [good[3]])
        assert connection.execute(text("SELECT count(*) FROM inbox")).scalar() == 1
