"""The conformance checks of what the court does with our messages (those of what it publishes: published.py).
Each asks the court's test endpoint through the connector port — so the court is judged by exactly the translation
the adapter lives by (connectors/port.py) — and says pass or fail with the evidence. A check reads and writes the
shared `Run` (the case chosen, the message sent), never the adapter's database or outbox.

The court's promises: a message id applied at most once, a resend answered with the original receipt
(`duplicate`, domain.md §5); statuses that say what was sent; refusals in the documented error classes — our
signature refused → CredentialsRefused (HTTP 401 / a signed E401 fault), a business refusal → RejectedError
(4xx / a SOAP Client fault), not a 5xx or Server fault that the adapter would retry for a day.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from adapter.conformance.push_inbox import PushInbox
from adapter.conformance.report import CheckResult
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
    published: list[RawInbound] = field(default_factory=list)  # items read by feed.signed or push.signed
    case_id: str = ""
    sent: Envelope | None = None
    verified: int = 0  # items feed.signed / push.signed could verify: feed.decoded / push.decoded skip at 0
    no_case: bool = False  # send.accepted found no pending test case: the summary says so
    overran: set[str] = field(default_factory=set)  # checks past their timeout, whose threads may still write here


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


CASE_PAGES, CASE_PAGE, STATUS_BATCH = 10, 20, 20


def _case(target: Target, run: Run, result: CheckResult) -> str:
    """The case to send for: --case, else the newest dispatched case the court still calls pending. A polled
    court's feed is read from its start for at most CASE_PAGES pages of CASE_PAGE items (a pushing court: what it
    pushed), newest first, asking its status STATUS_BATCH cases at a time until one is pending."""
    if target.case_id or run.case_id:
        return target.case_id or run.case_id
    seen = _dispatched(target, run, result) if target.mode == "poll" else list(run.dispatched)
    newest = list(dict.fromkeys(reversed(seen)))
    pending = 0
    for start in range(0, len(newest), STATUS_BATCH):
        batch = newest[start : start + STATUS_BATCH]
        statuses = target.connector.query_status(batch)
        found = [c for c in batch if statuses.get(c) is CourtStatus.PENDING]
        pending += len(found)
        if found:
            run.case_id = found[0]
            break
    result.saw(f"status of {len(newest)} dispatched cases, newest first", f"{pending} pending ({run.case_id or '-'})")
    return run.case_id


def _dispatched(target: Target, run: Run, result: CheckResult) -> list[str]:
    """The case ids of the court's dispatch feed, oldest first, over at most CASE_PAGES pages."""
    cases: list[str] = []
    cursor = ""
    for _ in range(CASE_PAGES):
        page = target.connector.fetch(Feed.DISPATCHES, cursor, CASE_PAGE)
        for item in page.items:
            try:
                cases.append(target.connector.decode(item).platform_case_id)
            except ConnectorError:
                continue  # a dispatch we cannot read is no case to test with (feed.decoded says so)
        if not page.items or page.next_cursor == cursor:
            break
        cursor = page.next_cursor
    result.saw(f"fetch dispatches from cursor='' limit={CASE_PAGE}, ≤{CASE_PAGES} pages", f"{len(cases)} cases")
    return cases or list(run.dispatched)


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
        run.no_case = True
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
