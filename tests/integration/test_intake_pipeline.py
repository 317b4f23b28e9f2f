"""A poll that reads the next page while it writes this one (adapter/inbox/pipeline.py) ends exactly as a poll reading
page after page: the same outcomes, rows, quarantine, cursor and audit chain, and the same reads told to the breaker
and the holds in the same order between commits — over a real sandbox court on loopback, on SQLite and PostgreSQL.

Each scenario runs twice against the same court, the same steps: sequentially (`read_ahead=False`) on one database,
read ahead on another. The read-ahead run is forced into its hardest interleaving: every page is written only after
the next page was read and its signatures verified in full, so anything the read ahead let count too early (a failed
read, a page past a crash, a lost lease or a stop, a stale repeat of a message of the page before) shows as a
difference. `check` given a verification made ahead is compared with `check` verifying, item by item."""

import base64
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import event, func, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

import adapter.inbox.poll_policy as poll_policy
import adapter.inbox.polling as polling
from adapter.audit.verify import verify_chain
from adapter.config.settings import Settings
from adapter.events import causes
from adapter.inbox.ingest import check
from adapter.inbox.pipeline import Ahead, _outcome
from adapter.inbox.polling import poll
from adapter.persistence.audit_tables import AuditEntryRow
from adapter.persistence.event_tables import CentreEventRow
from adapter.persistence.tables import CaseEventRow, CaseRow, CursorRow, InboxRow, QuarantineRow
from connectors.port import Feed, RawInbound
from sandbox.court import CourtRefusal
from scheduler import Runtime, build_runtime
from tests.support.court import PLATFORM, Court
from tests.support.db_template import Templates
from tests.support.poisons import POISONS, genuine

pytestmark = pytest.mark.integration

PAGE = 3  # items per page: a dozen items make four pages


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def ahead_runtime(
    settings: Settings, backend: str, templates: Templates, tmp_path: Any, request: pytest.FixtureRequest
) -> Iterator[Runtime]:
    """A second runtime beside `runtime`, on a database of its own: the read-ahead run's."""
    if backend == "sqlite":
        yield build_runtime(settings.model_copy(update={"database_url": templates.sqlite(tmp_path / "ahead.db")}))
        return
    server: str = request.getfixturevalue("postgres")
    url = templates.postgres(server)
    runtime = build_runtime(settings.model_copy(update={"database_url": url}))
    yield runtime
    runtime.uow.engine.dispose()
    templates.drop(server, url)


# ---- building the court's feed


def _item(court: Court, position: int) -> tuple[str, str]:
    """(body, message id) of the feed item at `position` (1-based)."""
    item = court.core._feeds["dispatches"][position - 1]
    return item.body, str(json.loads(item.body)["xxbh"])


def _stale_repeat(position: int) -> Callable[[Court], None]:
    """The item at `position` again, its signature made 8 days ago: past the feed's maximum age (7 days)."""

    def add(court: Court) -> None:
        body, message_id = _item(court, position)
        headers = court.core._signer.sign(body.encode(), message_id=message_id, at=datetime.now(UTC) - timedelta(8))
        court.core.inject("dispatches", body, dict(headers))

    return add


def _stale_new(court: Court) -> None:
    """A dispatch never seen before, signed 8 days ago: quarantined as stale."""
    doc = genuine(court)
    body = json.dumps(doc, ensure_ascii=False)
    headers = court.core._signer.sign(body.encode(), message_id=str(doc["xxbh"]), at=datetime.now(UTC) - timedelta(8))
    court.core.inject("dispatches", body, dict(headers))


def _repeat(position: int) -> Callable[[Court], None]:
    """The item at `position` again, byte for byte: a duplicate."""

    def add(court: Court) -> None:
        item = court.core._feeds["dispatches"][position - 1]
        court.core.inject("dispatches", item.body, item.headers)

    return add


def _conflict(position: int) -> Callable[[Court], None]:
    """The message id of the item at `position` with another body, genuinely signed: a conflict."""

    def add(court: Court) -> None:
        body, message_id = _item(court, position)
        doc = json.loads(body)
        doc["ajxx"]["bdje"] = "1.00"
        other = json.dumps(doc, ensure_ascii=False)
        court.core.inject("dispatches", other, court.core.sign_item(other, message_id))

    return add


def _tampered(court: Court) -> None:
    doc = genuine(court)
    headers = court.core.sign_item(json.dumps(doc, ensure_ascii=False), str(doc["xxbh"]))
    doc["ajxx"]["bdje"] = "999999.00"  # type: ignore[index]
    court.core.inject("dispatches", json.dumps(doc, ensure_ascii=False), headers)


def _dispatch(count: int) -> Callable[[Court], None]:
    def add(court: Court) -> None:
        court.core.dispatch(count, "01")

    return add


def _poison(court: Court) -> None:
    POISONS["nul-in-case-id"](court)


def _feed(*parts: Callable[[Court], None]) -> Callable[[Court], None]:
    def build(court: Court) -> None:
        for part in parts:
            part(court)

    return build


# A feed of four pages of three: stale repeats of the last item of a page first on the next (3 → 4, 6 → 8), a
# tampered item, an exact repeat across pages, a poison item, a stale message never applied, a conflict.
MIXED = _feed(
    _dispatch(3),
    _stale_repeat(3),
    _tampered,
    _dispatch(1),
    _repeat(2),
    _stale_repeat(6),
    _poison,
    _stale_new,
    _conflict(6),
    _dispatch(2),
)


def _refusing(at: int, refusal: Callable[[int], dict[str, Any] | None]) -> Callable[[Court], None]:
    """The court answers reads of its dispatch feed at cursor `at` with `refusal(limit)`: raised if a CourtRefusal,
    answered if a page, read as usual if None."""

    def patch(court: Court) -> None:
        real = court.core.feed

        def feed(name: str, cursor: int, limit: int) -> dict[str, Any]:
            if name == "dispatches" and cursor == at:
                answer = refusal(limit)
                if answer is not None:
                    return answer
            return real(name, cursor, limit)

        court.core.feed = feed  # type: ignore[method-assign]

    return patch


def _raise(status: int) -> Callable[[int], dict[str, Any] | None]:
    def refuse(limit: int) -> dict[str, Any] | None:
        raise CourtRefusal(status, f"E{status}", "refused by the test")

    return refuse


def _unstorable_cursor(up_to: int) -> Callable[[int], dict[str, Any] | None]:
    """For pages of more than `up_to` items, a page whose next cursor cannot be stored, holding one unsigned item
    (what is read again smaller must not be taken for it)."""
    unreadable = {"items": [{"seq": 0, "body": "{}", "headers": {}}], "next_cursor": "bad\x01cursor"}
    return lambda limit: unreadable if limit > up_to else None


def _reset_feed(court: Court) -> None:
    court.core.reset_feed("position")


# ---- what the adapter does, at each end


def _crash_at(call: int, error: type[BaseException]) -> Callable[[pytest.MonkeyPatch, Runtime], None]:
    """Making the `call`-th dispatch applied raise `error`: a crash while that page is written."""

    def patch(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
        real, calls = causes.dispatch_received, [0]

        def crash(*args: Any, **kwargs: Any) -> str:
            calls[0] += 1
            if calls[0] == call:
                raise error("injected crash while the page is written")
            return real(*args, **kwargs)

        monkeypatch.setattr(causes, "dispatch_received", crash)

    return patch


def _stop_at(call: int) -> Callable[[pytest.MonkeyPatch, Runtime], None]:
    """The process is told to stop while the `call`-th dispatch is applied."""

    def patch(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
        real, calls = causes.dispatch_received, [0]

        def stop(*args: Any, **kwargs: Any) -> str:
            calls[0] += 1
            if calls[0] == call:
                runtime.stopping.set()
            return real(*args, **kwargs)

        monkeypatch.setattr(causes, "dispatch_received", stop)

    return patch


def _cursor_moved_from(old: str) -> Callable[[pytest.MonkeyPatch, Runtime], None]:
    """Another poller moved the cursor past `old` before this page's move (made in the page's own transaction)."""

    def patch(monkeypatch: pytest.MonkeyPatch, runtime: Runtime) -> None:
        real = polling._Step.take

        def take(step: polling._Step, session: Session) -> None:
            if step.old == old:
                session.execute(update(CursorRow).values(value="moved-by-another"))  # type: ignore[arg-type]
            real(step, session)

        monkeypatch.setattr(polling._Step, "take", take)

    return patch


def _lease_lost_at(call: int) -> dict[str, Any]:
    """`still_ours` answers False from its `call`-th question on."""
    asked = [0]

    def still_ours() -> bool:
        asked[0] += 1
        return asked[0] < call

    return {"still_ours": still_ours, "_reset": lambda: asked.__setitem__(0, 0)}


@dataclass
class Step:
    court: Callable[[Court], None] = lambda court: None  # done to the court once, before both runs poll
    adapter: Callable[[pytest.MonkeyPatch, Runtime], None] | None = None  # patched for each run's poll
    poll: dict[str, Any] = field(default_factory=dict)  # poll()'s keywords; "via_runtime": Runtime.poll_platform
    cursor: str | None = None  # where the read-ahead run's cursor must be after the step


SCENARIOS: dict[str, list[Step]] = {
    "bad-items-duplicates-stale-repeats": [Step(MIXED, cursor="13"), Step(_dispatch(4), cursor="17")],
    "rewind": [Step(_dispatch(10), cursor="10"), Step(_feed(_reset_feed, _dispatch(7)), cursor="7")],
    "read-of-next-page-fails": [Step(_feed(_dispatch(9), _refusing(6, _raise(503))), cursor="6")],
    "next-page-refuses-our-credentials": [Step(_feed(_dispatch(9), _refusing(6, _raise(401))), cursor="6")],
    "next-page-unreadable-then-smaller": [Step(_feed(_dispatch(11), _refusing(6, _unstorable_cursor(1))), cursor="11")],
    "next-page-unreadable-feed-held": [
        Step(_feed(_dispatch(9), _refusing(6, _unstorable_cursor(0))), cursor="6"),
        Step(cursor="6"),  # held: not read again before its probe is due
    ],
    "crash-writing-a-page": [
        Step(_dispatch(9), _crash_at(4, RuntimeError), cursor="3"),
        Step(cursor="9"),
    ],
    "interrupt-writing-a-page": [
        Step(_dispatch(9), _crash_at(5, KeyboardInterrupt), cursor="3"),
        Step(cursor="9"),
    ],
    "crash-writing-a-page-whose-next-read-fails": [
        Step(_feed(_dispatch(9), _refusing(6, _raise(503))), _crash_at(4, RuntimeError), cursor="3"),
    ],
    "lease-lost": [Step(_dispatch(10), poll=_lease_lost_at(3), cursor="6"), Step(cursor="10")],
    "stop": [Step(_dispatch(10), _stop_at(4), poll={"via_runtime": True}, cursor="6")],
    "cursor-moved-by-another-poller": [Step(_dispatch(10), _cursor_moved_from("3"), cursor="moved-by-another")],
    "max-pages": [Step(_dispatch(10), poll={"max_pages": 2}, cursor="6"), Step(cursor="10")],
}


@pytest.mark.parametrize("steps", list(SCENARIOS.values()), ids=list(SCENARIOS))
def test_reading_ahead_ends_as_reading_page_after_page(
    runtime: Runtime, ahead_runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, steps: list[Step]
) -> None:
    _compare(runtime, ahead_runtime, court, monkeypatch, steps)


@pytest.mark.parametrize("transport", ["soap"])
@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("name", ["rewind", "crash-writing-a-page", "lease-lost"])
def test_reading_ahead_a_soap_court_ends_as_reading_page_after_page(
    runtime: Runtime, ahead_runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """The same over the WebService (its decoder, on the thread reading ahead, parses XML)."""
    _compare(runtime, ahead_runtime, court, monkeypatch, SCENARIOS[name])


def _compare(
    runtime: Runtime, ahead_runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, steps: list[Step]
) -> None:
    """Run `steps` page after page on `runtime` and reading ahead on `ahead_runtime`: both end alike, step by step."""
    told = {False: _told(runtime, monkeypatch), True: _told(ahead_runtime, monkeypatch)}
    started = _forced_ahead(monkeypatch)
    for step in steps:
        step.court(court)
        ended = {}
        for read_ahead, one in ((False, runtime), (True, ahead_runtime)):
            step.poll.get("_reset", lambda: None)()
            with monkeypatch.context() as patched:
                if step.adapter is not None:
                    step.adapter(patched, one)
                ended[read_ahead] = _poll(one, read_ahead, step.poll)
            one.stopping.clear()
            assert [t.name for t in threading.enumerate() if t.name.startswith("poll-ahead")] == []
        assert ended[True] == ended[False]
        assert _state(ahead_runtime) == _state(runtime)
        assert told[True] == told[False]
        assert _cursor(ahead_runtime) == _cursor(runtime) == step.cursor  # a page read ahead and dropped moved nothing
    assert _chain_ok(ahead_runtime)
    assert started, "no page was read ahead: the scenario tests nothing"


def test_a_stale_repeat_of_the_page_before_is_a_duplicate_when_read_ahead(
    ahead_runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The repeat was read and verified before the page holding its message committed; it is checked after."""
    _forced_ahead(monkeypatch)
    _feed(_dispatch(3), _stale_repeat(3), _stale_new)(court)
    polled = poll(ahead_runtime.uow, ahead_runtime.platforms[PLATFORM], Feed.DISPATCHES, ahead_runtime.clock, limit=3)
    assert polled.counts == Counter({"applied": 3, "duplicate": 1, "quarantined": 1})
    with ahead_runtime.uow.begin() as session:
        assert [q.reason for q in session.exec(select(QuarantineRow))] == ["stale"]


def _forced_ahead(monkeypatch: pytest.MonkeyPatch) -> list[Ahead]:
    """Each page is written only once the next was read and verified in full; the pages read ahead, listed."""
    started: list[Ahead] = []

    class Recorded(Ahead):
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.append(self)

    real = polling.ingest_page

    def ingest_after_reading_ahead(*args: Any) -> Any:
        for ahead in started:
            ahead._thread.join(30)
        return real(*args)

    monkeypatch.setattr(polling, "Ahead", Recorded)
    monkeypatch.setattr(polling, "ingest_page", ingest_after_reading_ahead)
    return started


def _poll(runtime: Runtime, read_ahead: bool, keywords: dict[str, Any]) -> object:
    """How one poll ended: what it returned, or the exception it raised (type and text)."""
    options = {k: v for k, v in keywords.items() if not k.startswith("_") and k != "via_runtime"}
    try:
        if keywords.get("via_runtime"):
            with pytest.MonkeyPatch.context() as patched:
                patched.setattr(poll_policy, "poll", partial(poll, limit=PAGE, read_ahead=read_ahead))
                runtime.poll_platform(PLATFORM)
            return None
        link = runtime.platforms[PLATFORM]
        return poll(runtime.uow, link, Feed.DISPATCHES, runtime.clock, limit=PAGE, read_ahead=read_ahead, **options)
    except BaseException as exc:  # a KeyboardInterrupt too: it must leave as it would have
        return type(exc).__name__, str(exc)


def _told(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """What the runtime tells its platform's breaker, credentials hold and feed holds, with its commits between."""
    link = runtime.platforms[PLATFORM]
    said: list[tuple[Any, ...]] = []

    def described(value: object) -> object:
        if isinstance(value, BaseException):
            return type(value).__name__, str(value)
        return value

    def record(owner: object, name: str) -> None:
        real = getattr(owner, name)

        def told(*args: Any) -> Any:
            said.append((name, *(described(a) for a in args if not isinstance(a, datetime))))
            return real(*args)

        monkeypatch.setattr(owner, name, told)

    for owner, names in (
        (link.breaker, ("record_success", "record_refusal", "observe")),
        (link.hold, ("accepted", "refused")),
        (link.feeds, ("allow", "hold", "moving")),
    ):
        for name in names:
            record(owner, name)
    event.listen(runtime.uow.engine, "commit", lambda _connection: said.append(("commit",)))
    return said


def _state(runtime: Runtime) -> dict[str, Any]:
    """Everything a poll leaves in the database, our own case ids replaced by the court's (they are random)."""
    with runtime.uow.begin() as session:
        court_id = {row.id: row.platform_case_id for row in session.exec(select(CaseRow))}
        return {
            "cursors": sorted((r.feed, r.value, r.caught_up_at is not None) for r in session.exec(select(CursorRow))),
            "cases": sorted((r.platform_case_id, r.status, r.flow) for r in session.exec(select(CaseRow))),
            "inbox": sorted(
                (r.message_id, r.type, court_id.get(r.case_id or ""), r.body_sha256)
                for r in session.exec(select(InboxRow))
            ),
            "quarantine": [
                (r.feed, r.reason, r.detail, bytes(r.raw), r.message_id, r.headers_json)
                for r in session.exec(select(QuarantineRow).order_by(QuarantineRow.id))  # type: ignore[arg-type]
            ],
            "history": sorted(
                (court_id[r.case_id], r.event, r.from_status, r.to_status) for r in session.exec(select(CaseEventRow))
            ),
            "centre_events": session.exec(select(func.count()).select_from(CentreEventRow)).one(),
            "chain": [
                (r.seq, r.kind, court_id.get(r.subject, r.subject), court_id.get(r.case_id or ""))
                for r in session.exec(select(AuditEntryRow).order_by(AuditEntryRow.seq))  # type: ignore[arg-type]
            ],
        }


def _cursor(runtime: Runtime) -> str:
    with runtime.uow.begin() as session:
        row = session.get(CursorRow, (PLATFORM, Feed.DISPATCHES.value))
        return row.value if row else ""


def _chain_ok(runtime: Runtime) -> bool:
    with runtime.uow.begin() as session:
        return verify_chain(session.connection(), {}).ok


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_a_poll_ending_while_its_next_page_is_read_waits_for_that_read_and_applies_nothing_of_it(
    ahead_runtime: Runtime, court: Court, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]
) -> None:
    """Page 2's write crashes while the court still holds back its answer for page 3: the poll raises only once
    that read is over (no thread outlives the poll), and page 3 is neither applied nor told to the breaker."""
    court.core.dispatch(9, "01")
    answering = threading.Event()

    def held_back(limit: int) -> None:
        answering.wait(10)  # then read as usual

    _refusing(6, held_back)(court)
    told = _told(ahead_runtime, monkeypatch)
    _crash_at(4, error)(monkeypatch, ahead_runtime)
    timer = threading.Timer(0.5, answering.set)
    timer.start()
    try:
        ended = _poll(ahead_runtime, True, {})
    finally:
        timer.cancel()
    assert ended == (error.__name__, "injected crash while the page is written")
    assert answering.is_set()  # the poll waited for the read of page 3 …
    assert [t.name for t in threading.enumerate() if t.name.startswith("poll-ahead")] == []  # … and its thread
    assert _cursor(ahead_runtime) == "3"
    with ahead_runtime.uow.begin() as session:
        assert session.exec(select(func.count()).select_from(CaseRow)).one() == 3
    assert told.count(("record_success",)) == 2  # pages 1 and 2: the read of page 3 was not made, as far as told


def _signed(court: Court, body: bytes, message_id: str, **header: object) -> dict[str, str]:
    """The court's JWS over `body`, its protected header changed by `header` (then no longer matching)."""
    headers = dict(court.core._signer.sign(body, message_id=message_id, at=datetime.now(UTC)))
    if not header:
        return headers
    opening, _, signature = headers["X-JWS-Signature"].partition("..")
    protected = json.loads(base64.urlsafe_b64decode(opening + "=" * (-len(opening) % 4)))
    encoded = base64.urlsafe_b64encode(json.dumps({**protected, **header}).encode()).rstrip(b"=").decode()
    return {"X-JWS-Signature": f"{encoded}..{signature}"}


def _items(court: Court) -> dict[str, RawInbound]:
    """Items of every kind `check` tells apart, by what they are."""
    court.core.dispatch(1, "01")
    body, message_id = _item(court, 1)
    raw = body.encode()
    headers = dict(court.core._feeds["dispatches"][0].headers)
    tampered = raw.replace(b'"xxlx"', b'"xxlx" ', 1)
    old = datetime.now(UTC) - timedelta(8)
    return {
        "genuine": RawInbound(raw, headers),
        "tampered": RawInbound(tampered, headers),
        "unsigned": RawInbound(raw, {}),
        "header-not-text": RawInbound(raw, {"X-JWS-Signature": 12345}),  # type: ignore[dict-item]
        "not-a-jws": RawInbound(raw, {"X-JWS-Signature": "abc"}),
        "header-not-json": RawInbound(raw, {"X-JWS-Signature": "bm90IGpzb24..c2ln"}),
        "signature-not-base64": RawInbound(
            raw, {"X-JWS-Signature": headers["X-JWS-Signature"].split("..")[0] + "..!!"}
        ),
        "unknown-key": RawInbound(raw, _signed(court, raw, message_id, kid="nobody")),
        "other-algorithm": RawInbound(raw, _signed(court, raw, message_id, alg="HS256")),
        "iat-as-text": RawInbound(raw, _signed(court, raw, message_id, iat="1700000000")),
        "signed-for-another-message": RawInbound(raw, dict(court.core._signer.sign(raw, message_id="PQ-x", at=old))),
        "stale": RawInbound(raw, dict(court.core._signer.sign(raw, message_id=message_id, at=old))),
        "future": RawInbound(
            raw, dict(court.core._signer.sign(raw, message_id=message_id, at=datetime.now(UTC) + timedelta(days=1)))
        ),
        "empty": RawInbound(b"", dict(court.core._signer.sign(b"", message_id=message_id, at=datetime.now(UTC)))),
        "not-utf8": RawInbound(
            b"\xff\xfe" + raw,
            dict(court.core._signer.sign(b"\xff\xfe" + raw, message_id=message_id, at=datetime.now(UTC))),
        ),
        "not-json": RawInbound(
            "调解中心 <xml/>".encode(),
            dict(court.core._signer.sign("调解中心 <xml/>".encode(), message_id=message_id, at=datetime.now(UTC))),
        ),
        "oversized": RawInbound(
            raw + b" " * 2_000_000,
            dict(court.core._signer.sign(raw + b" " * 2_000_000, message_id=message_id, at=datetime.now(UTC))),
        ),
    }


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("applied", [False, True])
def test_check_given_the_verification_made_ahead_is_check_verifying(
    runtime: Runtime, court: Court, applied: bool
) -> None:
    """Whatever verifying an item returned or raised, `check` ends the same given it made ahead as verifying it."""
    link = runtime.platforms[PLATFORM]
    asked: dict[bool, list[str]] = {False: [], True: []}
    reasons: dict[str, str] = {}
    for name, item in _items(court).items():
        ended = {}
        for ahead in (False, True):
            verified_ahead = _outcome(link.verifier.verify, item) if ahead else None
            ended[ahead] = check(
                link,
                item,
                runtime.clock,
                received_at=None,
                applied=lambda m, ahead=ahead: asked[ahead].append(m) or applied,  # type: ignore[misc]
                verified_ahead=verified_ahead,
            )
        assert ended[True] == ended[False], name
        assert asked[True] == asked[False], name
        reasons[name] = ended[True].refusal[0] if ended[True].refusal else "ok"
    assert asked[False], "no item asked whether its message was applied: the table misses a stale one"
    assert len(set(reasons.values())) >= 9, reasons  # the table reaches the refusals apart


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_failing_applied_look_up_fails_the_check_instead_of_quarantining_the_item(
    runtime: Runtime, court: Court
) -> None:
    """Asking whether a stale item's message was applied reads the database; when that read fails, the fault is ours:
    it reaches the poll (which fails and reads the item again), never a quarantine of the item as `undecodable`."""
    link = runtime.platforms[PLATFORM]
    items = _items(court)

    def failing(message_id: str) -> bool:
        raise OperationalError("SELECT inbox.id ...", {}, Exception("database is locked"))

    with pytest.raises(OperationalError, match="database is locked"):
        check(link, items["stale"], runtime.clock, received_at=None, applied=failing)
    # only a stale item asks; a fresh one never meets the failing look-up
    assert check(link, items["genuine"], runtime.clock, received_at=None, applied=failing).refusal is None
