"""The conformance checks: each asks the court's test endpoint something through the connector port (so the court
is judged by exactly the translation the adapter lives by, connectors/port.py) and says pass or fail with the
evidence. A check reads the shared `Run` (the case chosen, the message sent) and never the adapter's database.

The court's promises, and where they come from: items signed by a key the centre holds (domain.md §5, 电子签名法
Art 13–14); a message id applied at most once, a resend answered with the original receipt (`duplicate`); feed
pages that move on from a cursor and give the same items when a cursor is read again (at least once: an item
already read may come again); statuses that say what was sent; refusals in the documented error classes — our
signature refused → CredentialsRefused (HTTP 401 / a signed E401 fault), a business refusal → RejectedError
(4xx / a SOAP Client fault), not a 5xx or Server fault that the adapter would retry for a day.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapter.conformance.push_inbox import Pushed, PushInbox
from adapter.conformance.report import CheckResult, masked_headers
from connectors.port import (
    ConnectorError,
    CourtPlatform,
    CredentialsRefused,
    Feed,
    RawInbound,
    Receipt,
    RejectedError,
)
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import Envelope, ProgressBody
from schemas.progress import ProgressUpdate
from signing.base import MessageVerifier
from signing.errors import SignatureInvalid

FIRST_PAGE, SMALL_PAGE, MAX_PAGES, MIN_ITEMS = 20, 3, 12, 4


@dataclass
class Target:
    """The platform under test: its connector, the same endpoint signed with a key the court was never given
    (`stranger`), the court's keys as configured, and for a pushing court the listener its pushes reach."""

    connector: CourtPlatform
    stranger: CourtPlatform
    verifier: MessageVerifier
    mode: str = "poll"  # or "push"
    inbox: PushInbox | None = None
    case_id: str = ""  # a test case the court dispatched for conformance (--case); else one found on its feed
    push_wait: float = 8.0


@dataclass
class Run:
    """What the checks of one run share. `prefix` (CONF-<hex>) starts every message id and invented case id."""

    prefix: str
    dispatched: list[str] = field(default_factory=list)  # case ids the court published, newest last
    case_id: str = ""
    sent: Envelope | None = None


def error_text(exc: Exception) -> str:
    code = getattr(exc, "code", "")
    return f"{type(exc).__name__}{f' ({code})' if code else ''}: {exc}"


def accepted(run: Run, case_id: str, suffix: str) -> Envelope:
    """The centre's acceptance of a case (the first message of most flows, SM flow A/B), under a CONF- id."""
    now = datetime.now(UTC)
    return Envelope(
        message_id=f"{run.prefix}-{suffix}",
        platform="conformance",
        platform_case_id=case_id,
        created_at=now,
        body=ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=now)),
        status_after=CourtStatus.ACCEPTED,
    )


def _verify(target: Target, item: RawInbound) -> str:
    """ "" if the court's signature on `item` holds under the keys the centre was given, else why not."""
    try:
        target.verifier.verify(item.body, item.headers)
    except SignatureInvalid as exc:
        return f"{exc.reason}: {exc.detail}"
    return ""


def _signed(target: Target, items: list[RawInbound], what: str, result: CheckResult) -> None:
    bad = [(n, why) for n, item in enumerate(items, 1) if (why := _verify(target, item))]
    for n, why in bad[:3]:
        result.saw(f"verify {what} item {n} ({masked_headers(items[n - 1].headers)})", f"refused — {why}")
    result.passed = bool(items) and not bad
    result.reason = (
        f"no {what} items to check"
        if not items
        else f"{len(bad)} of {len(items)} {what} items fail the court's signature under the keys we hold"
        if bad
        else f"all {len(items)} {what} items carry a valid court signature"
    )


def _remember(target: Target, run: Run, items: list[RawInbound]) -> None:
    for item in items:
        try:
            run.dispatched.append(target.connector.decode(item).platform_case_id)
        except ConnectorError:
            continue  # a dispatch we cannot read is no case to test with; feed.signed reports its signature


def feed_signed(target: Target, run: Run, result: CheckResult) -> None:
    page = target.connector.fetch(Feed.DISPATCHES, "", FIRST_PAGE)
    result.saw(f"fetch dispatches cursor='' limit={FIRST_PAGE}", f"{len(page.items)} items, next {page.next_cursor}")
    _remember(target, run, list(page.items))
    _signed(target, list(page.items), "dispatch", result)


def feed_paging(target: Target, run: Run, result: CheckResult) -> None:
    whole = target.connector.fetch(Feed.DISPATCHES, "", FIRST_PAGE)
    expected = {item.body for item in whole.items}
    result.saw(f"fetch dispatches cursor='' limit={FIRST_PAGE}", f"{len(whole.items)} items")
    if len(expected) < MIN_ITEMS:
        result.reason = f"the dispatches feed holds {len(expected)} items; have the court publish {MIN_ITEMS}+"
        return
    seen: set[bytes] = set()
    cursor = ""
    for _ in range(MAX_PAGES):
        page = target.connector.fetch(Feed.DISPATCHES, cursor, SMALL_PAGE)
        new = [item.body for item in page.items if item.body not in seen]
        result.saw(
            f"fetch dispatches cursor={cursor!r} limit={SMALL_PAGE}",
            f"{len(page.items)} items ({len(new)} new), next {page.next_cursor!r}",
        )
        if new and page.next_cursor == cursor:
            result.reason = f"the cursor stayed at {cursor!r} past {len(new)} new items: a reader would loop"
            return
        seen.update(new)
        if not new or expected <= seen:
            break
        cursor = page.next_cursor
    missing = len(expected - seen)
    result.passed = missing == 0
    result.reason = (
        f"pages of {SMALL_PAGE} walked from the start reach every item of one read of {FIRST_PAGE}"
        if result.passed
        else f"pages of {SMALL_PAGE} stop short: {missing} of the first {len(expected)} items never come"
    )


def feed_reread(target: Target, run: Run, result: CheckResult) -> None:
    first = target.connector.fetch(Feed.DISPATCHES, "", SMALL_PAGE)
    before = {item.body for item in first.items}
    reads = [target.connector.fetch(Feed.DISPATCHES, first.next_cursor, SMALL_PAGE) for _ in range(2)]
    # at least once: an item before the cursor may come again, and is no difference
    after = [[item.body for item in page.items if item.body not in before] for page in reads]
    for bodies in after:
        result.saw(f"fetch dispatches cursor={first.next_cursor!r} limit={SMALL_PAGE}", f"{len(bodies)} items after it")
    result.passed = bool(after[0]) and after[0] == after[1] and reads[0].next_cursor == reads[1].next_cursor
    if result.passed:
        result.reason = "a cursor read twice gives the same items and the same next cursor"
    elif not after[0] and reads[0].items:
        result.reason = f"cursor {first.next_cursor!r} gives back only items from before it: it is not honoured"
    elif not after[0]:
        result.reason = "nothing after the first page to re-read: have the court publish more"
    else:
        result.reason = "the same cursor read twice gave different items or next cursors"


def push_signed(target: Target, run: Run, result: CheckResult) -> None:
    assert target.inbox is not None
    arrived = target.inbox.wait_for(lambda items: any(i.feed == "dispatches" for i in items), target.push_wait)
    items = [RawInbound(p.body, p.headers) for p in target.inbox.items() if p.feed != "receipts"]
    result.saw(f"wait ≤{target.push_wait:g} s for pushes at {target.inbox.url}", f"{len(items)} items pushed")
    _remember(target, run, [RawInbound(p.body, p.headers) for p in target.inbox.items("dispatches")])
    if not arrived:
        result.reason = f"no dispatch was pushed within {target.push_wait:g} s"
        return
    _signed(target, items, "pushed", result)


def _case(target: Target, run: Run, result: CheckResult) -> str:
    """The case to send for: --case, else the first case the court dispatched that it still calls pending."""
    if target.case_id or run.case_id:
        return target.case_id or run.case_id
    candidates = run.dispatched[-20:]
    statuses = target.connector.query_status(candidates) if candidates else {}
    result.saw(
        f"status of {len(candidates)} dispatched cases",
        f"{sum(s is CourtStatus.PENDING for s in statuses.values())} pending",
    )
    run.case_id = next((c for c in candidates if statuses.get(c) is CourtStatus.PENDING), "")
    return run.case_id


def _send(target: Target, envelope: Envelope, result: CheckResult) -> Receipt | ConnectorError:
    request = f"send progress/accepted {envelope.message_id} for case {envelope.platform_case_id}"
    try:
        receipt = target.connector.send(envelope)
    except ConnectorError as exc:
        result.saw(request, error_text(exc))
        return exc
    result.saw(request, f"receipt for {receipt.message_id}, duplicate={receipt.duplicate}")
    return receipt


def send_accepted(target: Target, run: Run, result: CheckResult) -> None:
    case_id = _case(target, run, result)
    if not case_id:
        result.reason = "no pending case to send for: have the court dispatch one, or name it with --case"
        return
    envelope = accepted(run, case_id, "01")
    answer = _send(target, envelope, result)
    result.passed = isinstance(answer, Receipt) and not answer.duplicate
    if result.passed:
        run.sent = envelope
    result.reason = "our signed message was applied" if result.passed else "our signed message was not applied as new"


def send_duplicate(target: Target, run: Run, result: CheckResult) -> None:
    if run.sent is None:
        result.reason = "no message was accepted to send again"
        return
    answer = _send(target, run.sent, result)
    result.passed = isinstance(answer, Receipt) and answer.duplicate
    result.reason = (
        "the resend was answered duplicate, with the original receipt"
        if result.passed
        else "the resend was not answered as a duplicate of the message already applied"
    )


def status_consistent(target: Target, run: Run, result: CheckResult) -> None:
    if run.sent is None:
        result.reason = "no message was accepted whose effect to query"
        return
    unknown = f"{run.prefix}-NOCASE"
    case_id, expected = run.sent.platform_case_id, run.sent.status_after
    statuses = target.connector.query_status([case_id, unknown])
    result.saw(f"status of {case_id} and {unknown}", json.dumps({k: v and str(v) for k, v in statuses.items()}))
    result.passed = statuses.get(case_id) == expected and statuses.get(unknown, "missing") is None
    result.reason = (
        f"{case_id} is {expected} as sent; a case the court never had is unknown (null)"
        if result.passed
        else f"expected {case_id}: {expected} and {unknown}: null"
    )


def _expect(call: Callable[[], object], kind: type[ConnectorError], request: str, result: CheckResult) -> None:
    try:
        answer = call()
    except ConnectorError as exc:
        result.saw(request, error_text(exc))
        result.passed = type(exc) is kind
        result.reason = f"translated as {type(exc).__name__}" + ("" if result.passed else f", not {kind.__name__}")
        return
    result.saw(request, f"answered {answer!r}"[:300])
    result.reason = f"accepted; expected {kind.__name__}"


def error_rejected(target: Target, run: Run, result: CheckResult) -> None:
    envelope = accepted(run, f"{run.prefix}-NOCASE", "02")
    request = f"send progress/accepted {envelope.message_id} for case {envelope.platform_case_id} (never dispatched)"
    _expect(lambda: target.connector.send(envelope), RejectedError, request, result)


def error_credentials(target: Target, run: Run, result: CheckResult) -> None:
    request = f"status of {run.prefix}-NOCASE, signed with a key the court was never given"
    _expect(lambda: target.stranger.query_status([f"{run.prefix}-NOCASE"]), CredentialsRefused, request, result)


def push_receipt(target: Target, run: Run, result: CheckResult) -> None:
    assert target.inbox is not None
    if run.sent is None:
        result.reason = "no message was accepted whose receipt to wait for"
        return
    message_id = run.sent.message_id

    def ours(items: list[Pushed]) -> list[Pushed]:
        return [i for i in items if i.feed == "receipts" and _names(i.body) == message_id]

    if not target.inbox.wait_for(lambda items: bool(ours(items)), target.push_wait):
        result.reason = f"no receipt of {message_id} was pushed within {target.push_wait:g} s"
        return
    receipt = ours(target.inbox.items())[0]
    result.saw(f"receipt of {message_id} pushed", receipt.body.decode("utf-8", "replace"))
    _signed(target, [RawInbound(receipt.body, receipt.headers)], "receipt", result)


def _names(body: bytes) -> str:
    """The message id a pushed receipt is about (partners.md §6: {"receipt_id", "message_id", "result"})."""
    try:
        doc = json.loads(body)
    except ValueError:
        return ""
    return str(doc.get("message_id", "")) if isinstance(doc, dict) else ""
