"""A feed page is settled in one transaction with a savepoint per item (adapter/inbox/page.py): a bad item in the
middle is quarantined with its bytes while the good ones land, in one pass; a crash part-way through the page
leaves nothing of it applied and the next poll applies it exactly once — on SQLite and on PostgreSQL."""

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import event, func
from sqlmodel import select

from adapter.audit.verify import verify_chain
from adapter.events import causes
from adapter.inbox import page_rows
from adapter.inbox.item_outcome import Ingested
from adapter.inbox.polling import poll
from adapter.persistence import bulk, repository
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import CaseEventRow, CaseRow, CursorRow, InboxRow, QuarantineRow
from connectors.port import Feed
from scheduler import Runtime
from tests.support.court import PLATFORM, Court
from tests.support.poisons import POISONS, genuine

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _tampered(court: Court) -> tuple[str, bytes]:
    """An item whose body was changed after the court signed it."""
    doc = genuine(court)
    headers = court.core.sign_item(json.dumps(doc, ensure_ascii=False), str(doc["xxbh"]))
    doc["ajxx"]["bdje"] = "999999.00"  # type: ignore[index]
    raw = json.dumps(doc, ensure_ascii=False)
    court.core.inject("dispatches", raw, headers)
    return "bad_signature", raw.encode()


BAD: dict[str, Callable[[Court], tuple[str, bytes]]] = {
    "tampered": _tampered,
    "nul-in-case-id": POISONS["nul-in-case-id"],
}


def _count(runtime: Runtime, table: Any) -> int:
    with runtime.uow.begin() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _chain_ok(runtime: Runtime) -> bool:
    """The audit chain links up (entries of a rolled-back page must not be in it, nor gaps where they were)."""
    with runtime.uow.begin() as session:
        return verify_chain(session.connection(), {}).ok


def _cursor(runtime: Runtime) -> str:
    with runtime.uow.begin() as session:
        row = session.get(CursorRow, (PLATFORM, Feed.DISPATCHES.value))
        return row.value if row else ""


@pytest.fixture
def commits(runtime: Runtime) -> Iterator[list[int]]:
    """The commits the runtime's engine makes, counted."""
    seen: list[int] = []

    def count(_connection: object) -> None:
        seen.append(1)

    event.listen(runtime.uow.engine, "commit", count)
    yield seen
    event.remove(runtime.uow.engine, "commit", count)


@pytest.mark.parametrize("bad", list(BAD.values()), ids=list(BAD))
def test_a_bad_item_mid_page_is_quarantined_and_the_rest_lands_in_one_pass(
    runtime: Runtime, court: Court, commits: list[int], bad: Callable[[Court], tuple[str, bytes]]
) -> None:
    before = court.core.dispatch(4, "01")
    reason, raw = bad(court)
    after = court.core.dispatch(4, "02")
    polled = poll(runtime.uow, runtime.platforms[PLATFORM], Feed.DISPATCHES, runtime.clock)
    committed = len(commits)
    assert polled.caught_up and polled.counts[Ingested.APPLIED] == 8 and polled.counts[Ingested.QUARANTINED] == 1
    with runtime.uow.begin() as session:
        assert set(session.exec(select(CaseRow.platform_case_id)).all()) == {*before, *after}
        (kept,) = session.exec(select(QuarantineRow)).all()
        assert (kept.reason, kept.raw, kept.feed) == (reason, raw, "dispatches")
    assert _cursor(runtime) == "9"
    assert (_count(runtime, InboxRow), _count(runtime, CaseEventRow), _count(runtime, CentreEventRow)) == (8, 8, 8)
    # One transaction for the page, not one per item: the cursor's, the page's and the bookkeeping's only.
    assert committed < 9, f"{committed} commits for a page of 9 items"
    assert _chain_ok(runtime)


def test_a_crash_mid_page_applies_nothing_and_the_next_poll_applies_it_once(
    runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatched = court.core.dispatch(6, "01")
    real, calls = causes.dispatch_received, [0]

    def crash_on_the_fourth(*args: Any, **kwargs: Any) -> str:
        calls[0] += 1
        if calls[0] == 4:
            raise RuntimeError("injected crash mid-page")
        return real(*args, **kwargs)

    monkeypatch.setattr(causes, "dispatch_received", crash_on_the_fourth)
    link = runtime.platforms[PLATFORM]
    with pytest.raises(RuntimeError, match="injected crash"):
        poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)
    # Nothing half-applied: no case, inbox row, history, centre event or quarantine; the cursor did not move.
    for table in (CaseRow, InboxRow, CaseEventRow, CentreEventRow, QuarantineRow):
        assert _count(runtime, table) == 0, table
    assert _cursor(runtime) == ""
    monkeypatch.setattr(causes, "dispatch_received", real)
    polled = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)
    assert polled.counts[Ingested.APPLIED] == 6 and _cursor(runtime) == "6"
    again = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock)
    assert again.counts[Ingested.APPLIED] == 0
    with runtime.uow.begin() as session:
        assert sorted(session.exec(select(CaseRow.platform_case_id)).all()) == sorted(dispatched)
    assert (_count(runtime, InboxRow), _count(runtime, CaseEventRow), _count(runtime, CentreEventRow)) == (6, 6, 6)
    assert _chain_ok(runtime)


@pytest.mark.parametrize("shape", ["copied", "executemany"])
def test_a_value_the_database_refuses_in_a_page_is_kept_as_unstorable_and_the_rest_lands(
    runtime: Runtime, court: Court, backend: str, monkeypatch: pytest.MonkeyPatch, shape: str
) -> None:
    """A value the database refuses (DataError) surfaces when the page's batch is flushed, not at its item: the page
    is then settled item by item, so that item alone is quarantined as `unstorable`, with its bytes — whichever way
    the batch went in (adapter/persistence/bulk.py: a batch by COPY, a few rows by an executemany)."""
    if backend == "sqlite":
        pytest.skip("SQLite stores text of any length in a VARCHAR column")
    monkeypatch.setattr(bulk, "_COPY_FROM", 1 if shape == "copied" else 10**9)
    before = court.core.dispatch(3, "01")
    (poisoned,) = court.core.dispatch(1, "01")
    after = court.core.dispatch(3, "02")
    real = repository.new_case_fields

    def too_long_court_code(*args: Any, **kwargs: Any) -> dict[str, Any]:
        fields = real(*args, **kwargs)
        if fields["platform_case_id"] == poisoned:
            fields["court_code"] = "X" * 40  # the column holds 16: PostgreSQL refuses the INSERT
        return fields

    # Both ways a case is made: a page's rows (one INSERT for the page) and one item's (item by item, after it).
    monkeypatch.setattr(repository, "new_case_fields", too_long_court_code)
    monkeypatch.setattr(page_rows, "new_case_fields", too_long_court_code)
    polled = poll(runtime.uow, runtime.platforms[PLATFORM], Feed.DISPATCHES, runtime.clock)
    assert polled.counts[Ingested.APPLIED] == 6 and polled.counts[Ingested.QUARANTINED] == 1
    with runtime.uow.begin() as session:
        assert set(session.exec(select(CaseRow.platform_case_id)).all()) == {*before, *after}
        (kept,) = session.exec(select(QuarantineRow)).all()
    assert kept.reason == "unstorable" and poisoned in kept.raw.decode()
    assert _cursor(runtime) == "7" and _chain_ok(runtime)
