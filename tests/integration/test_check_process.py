"""The check process (scheduler/check_process.py): a polled platform's pages examined in a child process while the
worker writes the page before (adapter/inbox/polling.py reads a page ahead). A feed of good and bad items of every
kind ends exactly as without one — on SQLite and PostgreSQL; a child that dies, freezes or cannot start leaves the
pages to the worker, said and counted; a read ahead that fails fails the poll only after the page before is written."""

import contextlib
import functools
import json
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from adapter.audit.verify import verify_chain
from adapter.config.settings import Settings
from adapter.events import causes
from adapter.inbox import polling
from adapter.inbox.item_outcome import Ingested
from adapter.inbox.polling import poll
from adapter.persistence.tables import CaseRow, CursorRow, InboxRow, QuarantineRow
from adapter.platforms.registry import PlatformLink
from connectors.port import Feed, FeedPage, TransientError, UnreadableAnswer
from sandbox.soap import render as soap_render
from scheduler import Runtime, build_runtime, check_process
from scheduler.check_process import CheckProcess
from tests.support.court import PLATFORM, Court
from tests.support.db_template import Templates
from tests.support.poisons import POISONS, genuine

pytestmark = pytest.mark.integration

PAGE = 4  # items a page: the feed below spans several, so pages are read ahead


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _with_check_process(settings: Settings, database_url: str) -> Settings:
    court = settings.platforms[PLATFORM].model_copy(update={"check_process": True})
    return settings.model_copy(update={"database_url": database_url, "platforms": {PLATFORM: court}})


@pytest.fixture
def checked(
    settings: Settings, backend: str, tmp_path: Path, templates: Templates, request: pytest.FixtureRequest
) -> Iterator[Runtime]:
    """A runtime like `runtime`, on a database of its own on the same backend, whose court has a check process."""
    if backend == "sqlite":
        url = templates.sqlite(tmp_path / "checked.db")
    else:
        server: str = request.getfixturevalue("postgres")
        url = templates.postgres(server)
    runtime = build_runtime(_with_check_process(settings, url))
    yield runtime
    runtime.stop()
    runtime.uow.engine.dispose()
    if backend != "sqlite":
        templates.drop(server, url)


def _process(runtime: Runtime) -> CheckProcess:
    checks = runtime.platforms[PLATFORM].checks
    assert isinstance(checks, CheckProcess)
    return checks


def _publish(court: Court, doc: dict[str, Any], *, at: datetime | None = None, signed_id: str = "") -> None:
    """`doc` on the dispatch feed, signed by the court at `at` (default now) for message `signed_id` (its own)."""
    raw = json.dumps(doc, ensure_ascii=False)
    message_id = signed_id or str(doc["xxbh"])
    headers = court.core._signer.sign(raw.encode(), message_id=message_id, at=at or datetime.now(UTC))
    court.core.inject("dispatches", raw, dict(headers))


def _mixed_feed(court: Court) -> int:
    """Good dispatches among a bad item of every kind the checks refuse; the number of items on the feed."""
    court.core.dispatch(3, "01")
    tampered = genuine(court)
    raw = json.dumps(tampered, ensure_ascii=False)
    headers = court.core.sign_item(raw, str(tampered["xxbh"]))
    court.core.inject("dispatches", raw.replace('"01"', '"02"', 1), headers)  # changed after it was signed
    court.core.dispatch(2, "02")
    _publish(court, genuine(court), at=datetime.now(UTC) + timedelta(hours=3))  # future
    _publish(court, genuine(court), at=datetime.now(UTC) - timedelta(days=30))  # stale
    _publish(court, genuine(court), signed_id="PQ-another-message")  # mismatch
    for poison in POISONS.values():
        poison(court)
    again = genuine(court)
    _publish(court, again)
    court.core.dispatch(3, "04")
    _publish(court, again)  # the same message again: a duplicate
    court.core.dispatch(2, "01")
    return 3 + 1 + 2 + 3 + len(POISONS) + 1 + 3 + 1 + 2


def _poll_to_rest(runtime: Runtime) -> dict[Ingested, int]:
    counts: dict[Ingested, int] = {}
    link = runtime.platforms[PLATFORM]
    for _ in range(50):
        polled = poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=PAGE, max_pages=3)
        for outcome, count in polled.counts.items():
            counts[outcome] = counts.get(outcome, 0) + count
        if polled.caught_up:
            return counts
    raise AssertionError("the feed was not read to its end")


def _ended(runtime: Runtime) -> dict[str, Any]:
    """Everything the feed left in the database: what was applied, what was kept and why, where the cursor is."""
    with runtime.uow.begin() as session:
        quarantined = session.exec(select(QuarantineRow).order_by(QuarantineRow.id)).all()  # type: ignore[arg-type]
        cursor = session.get(CursorRow, (PLATFORM, Feed.DISPATCHES.value))
        return {
            "inbox": sorted(session.exec(select(InboxRow.message_id)).all()),
            "cases": sorted(session.exec(select(CaseRow.platform_case_id)).all()),
            "kept": [(q.reason, q.detail, q.raw, q.message_id) for q in quarantined],
            "cursor": cursor.value if cursor else None,
            "chain": verify_chain(session.connection(), {}).ok,
        }


def test_a_feed_ends_the_same_with_a_check_process_as_without(
    runtime: Runtime, checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    items = _mixed_feed(court)
    here: list[int] = []
    real_here = CheckProcess.here

    def counted(self: CheckProcess, page: Any) -> Any:
        here.append(len(page))
        return real_here(self, page)

    monkeypatch.setattr(CheckProcess, "here", counted)
    without = _poll_to_rest(runtime)
    with_it = _poll_to_rest(checked)
    assert with_it == without and sum(without.values()) == items
    ended = _ended(checked)
    assert ended == _ended(runtime) and ended["chain"] and ended["cursor"] == str(items)
    assert {reason for reason, *_ in ended["kept"]} >= {"bad_signature", "future", "stale", "malformed"}
    assert here == [], "every page was examined by the check process"
    assert checked.metrics.get("check_process_started") == 1 and checked.metrics.get("check_process_ended") == 0


@pytest.mark.parametrize("transport", ["soap"])  # the court of the `court` fixture (tests/integration/conftest.py)
def test_a_soap_courts_feed_ends_the_same_with_a_check_process_as_without(
    runtime: Runtime, checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SOAP court's items (XML text in each feed item) decoded in the child as in the worker: good dispatches, a
    hostile payload (a DTD: malformed) and payloads that declare GBK but arrive as text."""
    court.core.dispatch(3, "01")
    hostile = '<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><resource>&x;</resource>'
    court.core.inject("dispatches", hostile, court.core.sign_item(hostile, "PQ-hostile"))
    court.core.render = functools.partial(soap_render, declared="GBK")
    court.core.dispatch(2, "02")
    here: list[int] = []
    real_here = CheckProcess.here
    monkeypatch.setattr(CheckProcess, "here", lambda self, page: here.append(len(page)) or real_here(self, page))
    without = _poll_to_rest(runtime)
    assert _poll_to_rest(checked) == without and without == {Ingested.APPLIED: 5, Ingested.QUARANTINED: 1}
    ended = _ended(checked)
    assert ended == _ended(runtime) and [reason for reason, *_ in ended["kept"]] == ["malformed"]
    assert here == [], "every page was examined by the check process"


def test_a_killed_check_process_leaves_its_pages_to_the_worker_and_is_replaced(
    checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    process = _process(checked)
    process.start()
    first = process.pid()
    assert first is not None
    os.kill(first, signal.SIGKILL)
    # Seen when it happens, not at the next page: an idle feed may bring none for hours.
    deadline = time.monotonic() + 5
    while checked.metrics.get("check_process_ended") == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert checked.metrics.get("check_process_ended") == 1 and process.pid() is None
    with pytest.raises(ChildProcessError):
        os.waitpid(first, os.WNOHANG)  # reaped: no zombie left
    dispatched = court.core.dispatch(10, "01")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 10
    assert _ended(checked)["cases"] == sorted(dispatched)
    assert f"check process {first} for {PLATFORM} ended (killed by signal 9)" in caplog.text
    assert checked.metrics.get("check_process_ended") == 1
    assert process.pid() is None  # none started again during the back-off: the worker examined the pages
    monkeypatch.setattr(check_process, "START_BACKOFF", 0.0)
    process._refused_until = 0.0
    more = court.core.dispatch(5, "02")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 5
    assert process.pid() not in (None, first) and checked.metrics.get("check_process_started") == 2
    assert set(more) <= set(_ended(checked)["cases"])


def test_a_frozen_check_process_is_killed_and_the_worker_examines_the_page(
    checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(check_process, "PAGE_WAIT", 0.5)
    monkeypatch.setattr(check_process, "PER_ITEM", 0.0)
    process = _process(checked)
    process.start()
    frozen = process.pid()
    assert frozen is not None
    os.kill(frozen, signal.SIGSTOP)
    try:
        dispatched = court.core.dispatch(6, "01")
        started = time.monotonic()
        assert _poll_to_rest(checked)[Ingested.APPLIED] == 6
        assert time.monotonic() - started < 10  # one page waited for, then none sent to it
    finally:
        with contextlib.suppress(ProcessLookupError):  # it was killed and reaped, as it should be
            os.kill(frozen, signal.SIGCONT)
    assert "did not answer a page within 0 s (killed by the worker)" in caplog.text
    assert checked.metrics.get("check_process_ended") == 1  # said and counted once, by the poll or the watcher
    assert _ended(checked)["cases"] == sorted(dispatched)
    with pytest.raises(ChildProcessError):
        os.waitpid(frozen, os.WNOHANG)  # killed and reaped: no zombie left


def test_a_check_process_that_cannot_start_leaves_the_pages_to_the_worker(
    checked: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    process = _process(checked)
    gone = {key_id: Path("/nonexistent/court.pub") for key_id in process.config.signing.court_keys}
    broken = process.config.signing.model_copy(update={"court_keys": gone})
    process.config = process.config.model_copy(update={"signing": broken})
    dispatched = court.core.dispatch(5, "01")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 5
    assert _ended(checked)["cases"] == sorted(dispatched)
    assert "the check process did not start" in caplog.text and "/nonexistent/court.pub" in caplog.text
    assert process.pid() is None and checked.metrics.get("check_process_start_failed") == 1


def test_a_check_process_never_loads_our_signing_keys(
    checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It verifies with the court's keys and decodes with the mapping alone (connectors/item_decoders.py): with our
    keyring gone since the worker started, it starts and examines every page."""
    process = _process(checked)
    assert process.config.signing.keyring is not None
    broken = process.config.signing.model_copy(update={"keyring": Path("/nonexistent/keyring")})
    process.config = process.config.model_copy(update={"signing": broken})
    here: list[int] = []
    real_here = CheckProcess.here
    monkeypatch.setattr(CheckProcess, "here", lambda self, page: here.append(len(page)) or real_here(self, page))
    dispatched = court.core.dispatch(5, "01")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 5
    assert _ended(checked)["cases"] == sorted(dispatched)
    assert here == [] and process.pid() is not None, "every page was examined by the check process"
    assert checked.metrics.get("check_process_start_failed") == 0


def test_a_read_ahead_that_fails_fails_the_poll_after_the_page_before_is_written(
    checked: Runtime, court: Court
) -> None:
    dispatched = court.core.dispatch(2 * PAGE + 1, "01")
    link = checked.platforms[PLATFORM]
    reads: list[str] = []

    class SecondReadFails:
        def __getattr__(self, name: str) -> Any:
            return getattr(link.connector, name)

        def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
            reads.append(cursor)
            if len(reads) == 2:
                raise TransientError(PLATFORM, "the court timed out", cause="timeout")
            return link.connector.fetch(feed, cursor, limit)

    failing = replace(link, connector=SecondReadFails())
    with pytest.raises(TransientError, match="timed out"):
        poll(checked.uow, failing, Feed.DISPATCHES, checked.clock, limit=PAGE)
    ended = _ended(checked)
    assert reads == ["", str(PAGE)] and ended["cursor"] == str(PAGE)
    assert ended["cases"] == sorted(dispatched[:PAGE])  # the page before the failed read is written
    polled = poll(checked.uow, link, Feed.DISPATCHES, checked.clock, limit=PAGE)
    assert polled.caught_up and polled.counts[Ingested.APPLIED] == PAGE + 1
    assert _ended(checked)["cases"] == sorted(dispatched)


def test_a_poll_failing_mid_way_leaves_no_answer_for_the_next(
    checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A page read ahead whose poll then failed (the page before could not be written) leaves the child's answer to
    it unread; the next poll must not take it for its own page's."""
    court.core.dispatch(2 * PAGE, "01")
    real = causes.dispatch_received

    def the_database_went_away(*_: Any, **__: Any) -> str:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(causes, "dispatch_received", the_database_went_away)
    with pytest.raises(RuntimeError, match="went away"):
        poll(checked.uow, checked.platforms[PLATFORM], Feed.DISPATCHES, checked.clock, limit=PAGE)
    monkeypatch.setattr(causes, "dispatch_received", real)
    court.core.dispatch(PAGE, "02")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 3 * PAGE
    with checked.uow.begin() as session:
        assert session.exec(select(func.count()).select_from(CaseRow)).one() == 3 * PAGE
    assert _process(checked).pid() is not None and checked.metrics.get("check_process_ended") == 0


def test_a_second_poll_at_the_same_time_examines_its_own_pages(checked: Runtime) -> None:
    process = _process(checked)
    with process.checker() as first, process.checker() as second:
        assert first is not None and second is None


def test_the_check_process_stops_with_the_worker(checked: Runtime) -> None:
    process = _process(checked)
    process.start()
    pid = process.pid()
    assert pid is not None
    checked.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    assert checked.metrics.get("check_process_ended") == 0  # a stop is no failure


@pytest.mark.parametrize(
    ("settings", "said"),
    [
        ({"check_process": True, "mode": "push"}, r"check_process applies to a polled court"),
        ({"check_process": "sometimes"}, r"check_process\n.*valid boolean"),
    ],
)
def test_check_process_settings_that_cannot_work_are_refused(court: Court, settings: dict[str, Any], said: str) -> None:
    with pytest.raises(ValueError, match=said):
        court.pairing.platform(court.server, **settings)


# ---- what changes while a page is written is decided at the next page's turn, as without reading ahead


def _reading(link: PlatformLink, unreadable: str | None = None) -> tuple[PlatformLink, list[tuple[str, int]]]:
    """`link` whose court's reads are recorded (cursor, size); the page at cursor `unreadable` cannot be read."""
    reads: list[tuple[str, int]] = []

    class Recorded:
        def __getattr__(self, name: str) -> Any:
            return getattr(link.connector, name)

        def fetch(self, feed: Feed, cursor: str, limit: int) -> FeedPage:
            reads.append((cursor, limit))
            if cursor == unreadable:
                raise UnreadableAnswer(PLATFORM, "oversized", "larger than the read cap")
            return link.connector.fetch(feed, cursor, limit)

    return replace(link, connector=Recorded()), reads


def _failing_on(call: int, fail: Callable[[], None]) -> Callable[[], bool]:
    """A `still_ours` that renews as usual, but fails (`fail()`) on its `call`-th call."""
    calls = [0]

    def still_ours() -> bool:
        calls[0] += 1
        if calls[0] == call:
            fail()
        return True

    return still_ours


def _cases(runtime: Runtime) -> int:
    with runtime.uow.begin() as session:
        return int(session.exec(select(func.count()).select_from(CaseRow)).one())


def test_a_stop_asked_for_while_a_page_is_written_stops_before_the_page_read_ahead(
    runtime: Runtime, checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    court.core.dispatch(4 * PAGE, "01")
    real, written = polling.ingest_page, {}
    for name, each in (("without", runtime), ("with", checked)):
        stopping = threading.Event()

        def ingest_then_stop(*args: Any, stop: threading.Event = stopping, **kwargs: Any) -> Any:
            outcomes = real(*args, **kwargs)
            stop.set()  # `docking run` asked to stop (or the lease lost) while the page was written
            return outcomes

        monkeypatch.setattr(polling, "ingest_page", ingest_then_stop)
        still_ours = (lambda stop: lambda: not stop.is_set())(stopping)
        poll(each.uow, each.platforms[PLATFORM], Feed.DISPATCHES, each.clock, limit=PAGE, still_ours=still_ours)
        written[name] = _cases(each)
    assert written == {"without": PAGE, "with": PAGE}


def test_a_lease_renewal_failing_fails_the_poll_after_the_page_before_is_written(
    runtime: Runtime, checked: Runtime, court: Court
) -> None:
    court.core.dispatch(3 * PAGE, "01")
    written = {}
    for name, each in (("without", runtime), ("with", checked)):

        def lost_database() -> None:
            raise RuntimeError("the lease's database went away")

        link, still_ours = each.platforms[PLATFORM], _failing_on(2, lost_database)
        with pytest.raises(RuntimeError, match="went away"):
            poll(each.uow, link, Feed.DISPATCHES, each.clock, limit=PAGE, still_ours=still_ours)
        written[name] = _cases(each)
    assert written == {"without": PAGE, "with": PAGE}


def test_a_page_that_cannot_be_read_whole_is_shrunk_only_after_the_page_before_is_written(
    runtime: Runtime, checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page after the first cannot be read, and the first cannot be written (the database went away): the feed
    is not held, nor the page asked for smaller, at a cursor the database never reached."""
    court.core.dispatch(3 * PAGE, "01")

    def the_database_went_away(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(polling, "ingest_page", the_database_went_away)
    seen = {}
    for name, each in (("without", runtime), ("with", checked)):
        link, reads = _reading(each.platforms[PLATFORM], unreadable=str(PAGE))
        with pytest.raises(RuntimeError, match="went away"):
            poll(each.uow, link, Feed.DISPATCHES, each.clock, limit=PAGE)
        seen[name] = (reads, link.feeds.held())
    assert seen["without"] == ([("", PAGE)], {})
    assert seen["with"] == ([("", PAGE), (str(PAGE), PAGE)], {})  # read once ahead, whole: then left to its turn


def test_no_pages_asked_for_reads_nothing(checked: Runtime, court: Court) -> None:
    court.core.dispatch(3, "01")
    link, reads = _reading(checked.platforms[PLATFORM])
    polled = poll(checked.uow, link, Feed.DISPATCHES, checked.clock, limit=PAGE, max_pages=0)
    assert reads == [] and not polled.counts


def test_an_item_signed_past_what_a_date_can_be_written_is_quarantined_not_a_stalled_feed(
    runtime: Runtime, checked: Runtime, court: Court
) -> None:
    """Signed at 9999-12-31 20:00 UTC: valid, but its China time cannot be written (OverflowError). The check kept
    such an item as undecodable; it must not fail every poll of the feed."""
    _publish(court, genuine(court), at=datetime(9999, 12, 31, 20, 0, tzinfo=UTC))
    court.core.dispatch(2, "01")
    for each in (runtime, checked):
        counts = _poll_to_rest(each)
        assert (counts[Ingested.QUARANTINED], counts[Ingested.APPLIED]) == (1, 2)
        assert [kept[:2] for kept in _ended(each)["kept"]] == [("undecodable", "OverflowError while decoding")]


def test_a_check_process_closed_while_it_starts_is_stopped(checked: Runtime) -> None:
    process = _process(checked)
    starting = threading.Thread(target=process.start)
    starting.start()
    time.sleep(0.2)  # it takes about a second to say it is ready
    process.close()
    starting.join()
    assert process.pid() is None
    assert not [child for child in _children() if "cli.child check" in child]


def _children() -> list[str]:
    """The command lines of this process's children."""
    found = []
    for pid in os.listdir("/proc"):
        with contextlib.suppress(OSError):
            if pid.isdigit() and Path(f"/proc/{pid}/stat").read_text().split()[3] == str(os.getpid()):
                found.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
    return found


def test_a_check_process_whose_writer_cannot_start_leaves_the_pages_to_the_worker(
    checked: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def no_thread(*_: Any) -> None:
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(check_process._Child, "begin", no_thread)
    court.core.dispatch(2 * PAGE, "01")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == 2 * PAGE
    assert "can't start new thread" in caplog.text and _process(checked).pid() is None
    assert not [child for child in _children() if "cli.child check" in child]


def test_an_answer_the_worker_cannot_read_is_a_failed_child_not_a_failed_poll(
    checked: Runtime, court: Court, caplog: pytest.LogCaptureFixture
) -> None:
    """A child of other code (installed while the worker runs) may answer with what this worker cannot unpickle."""
    process = _process(checked)
    process.start()
    child = process._child
    assert child is not None
    answers, garbled = multiprocessing.Pipe(duplex=False)
    child.answers = answers  # what the worker reads from now on: not a pickle it can load
    garbled.send_bytes(b"\x80\x05not a pickle")
    dispatched = court.core.dispatch(PAGE, "01")
    assert _poll_to_rest(checked)[Ingested.APPLIED] == PAGE
    assert _ended(checked)["cases"] == sorted(dispatched)
    assert "answered unreadably (UnpicklingError" in caplog.text
    assert checked.metrics.get("check_process_ended") == 1 and process.pid() is None


def test_a_poll_with_a_check_process_is_allowed_its_waits_before_its_lease_lapses(settings: Settings) -> None:
    """Between two lease renewals a poll with a check process may also read a page ahead, wait for a page's findings
    and start a child (adapter/inbox/poll_policy.py slowest_page)."""
    plain = build_runtime(settings)
    checking = build_runtime(_with_check_process(settings, settings.database_url))
    try:
        allowed = plain.polling.stall(PLATFORM), checking.polling.stall(PLATFORM)
        timeout = settings.platforms[PLATFORM].timeout_seconds
        assert allowed[1] - allowed[0] == check_process.slowest_extra(timeout)
        assert allowed[1] - allowed[0] > timedelta(seconds=timeout + check_process.START_TIMEOUT + 15)
    finally:
        plain.stop()
        checking.stop()
