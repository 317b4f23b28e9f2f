"""The conformance scenario: the guard (a platform not marked `test_endpoint = true` is refused before anything
is sent), then the checks in order, each bounded by its own timeout, into one Report.

Nothing here touches the adapter's database, outbox or queue: every message id and invented case id starts with
this run's CONF-<hex> prefix, and the messages go straight through the connector (adapter/conformance/checks.py).
"""

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from adapter.config.platform import PlatformSettings
from adapter.conformance import checks, published
from adapter.conformance.report import CheckResult, Report, masked
from adapter.errors import InvalidRequest

RUN_BUDGET = 25.0  # seconds for a whole run, push waits included: well under 30 s per platform


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    run: Callable[[checks.Target, checks.Run, CheckResult], None]
    modes: tuple[str, ...] = ("poll", "push")
    needs: str = ""  # a check whose outcome this one reads from the Run: skipped unless that one finished…
    needs_pass: bool = True  # … and passed


CHECKS = (
    Check("feed.signed", "the court's feed items carry its valid signature", published.feed_signed, ("poll",)),
    Check(
        "feed.decoded",
        "the court's feed items read under its documented fields",
        published.decoded,
        ("poll",),
        "feed.signed",
        False,
    ),
    Check("feed.paging", "feed pages move on from their cursor to every item", published.feed_paging, ("poll",)),
    Check("feed.reread", "a cursor read again gives the same items", published.feed_reread, ("poll",)),
    Check("push.signed", "the court's pushed items carry its valid signature", published.push_signed, ("push",)),
    Check(
        "push.decoded",
        "the court's pushed items read under its documented fields",
        published.decoded,
        ("push",),
        "push.signed",
        False,
    ),
    Check("send.accepted", "our signed message is applied, its receipt names it", checks.send_accepted),
    Check("send.duplicate", "our resend is answered duplicate", checks.send_duplicate, needs="send.accepted"),
    Check(
        "push.receipt",
        "the court pushes a signed receipt of our message",
        published.push_receipt,
        ("push",),
        "send.accepted",
    ),
    Check("status.consistent", "the court's status says what we sent", checks.status_consistent, needs="send.accepted"),
    Check("error.rejected", "a business refusal comes as RejectedError", checks.error_rejected),
    Check("error.credentials", "a signature it does not know comes as CredentialsRefused", checks.error_credentials),
)


def require_test_endpoint(name: str, config: PlatformSettings) -> None:
    """InvalidRequest unless the platform's settings say `test_endpoint = true`: the kit sends messages, and a
    production court would apply them to real cases."""
    if not config.test_endpoint:
        raise InvalidRequest(
            f"platform {name!r} ({config.base_url}) is not marked as a test endpoint: conformance runs only "
            f"against a court's test endpoint; set test_endpoint = true in [platforms.{name}] if it is one",
            field="test_endpoint",
            rule="test_endpoint_only",
        )


def check_ids(mode: str) -> list[str]:
    return [c.id for c in CHECKS if mode in c.modes]


def run_scenario(
    platform: str,
    transport: str,
    target: checks.Target,
    *,
    timeout: float = 5.0,
    budget: float = RUN_BUDGET,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Report:
    """Every check for the target's mode, in order. A check past `timeout` seconds (a push check: its wait and
    `timeout`) fails "no answer", one that raises fails naming the error, and once the whole run has spent `budget`
    seconds the checks left fail "not run" — the run always completes, and within `budget` (plus a moment). A
    check whose `needs` did not finish (or pass, where it must) is skipped, "not run: depends on …": an overrun
    check's thread may still be writing the Run, so nothing that reads what it wrote runs after it."""
    report = Report(platform, transport, target.mode, clock())
    run = checks.Run(prefix=f"CONF-{uuid.uuid4().hex[:8]}")
    deadline = time.monotonic() + budget
    done: dict[str, CheckResult] = {}
    for check in CHECKS:
        if target.mode not in check.modes:
            continue
        if why := _blocked(check, done, run):
            done[check.id] = CheckResult(check.id, check.title, skipped=True, reason=why)
            report.results.append(done[check.id])
            continue
        started = time.monotonic()
        limit = min(timeout + (target.push_wait if check.id.startswith("push.") else 0), deadline - started)
        if limit <= 0:
            spent = f"not run: the run's budget of {budget:g} s was spent"
            report.results.append(CheckResult(check.id, check.title, reason=spent))
            continue
        result = _bounded(check, target, run, limit)
        result.seconds = time.monotonic() - started
        report.results.append(result)
        done[check.id] = result
    if run.no_case:
        report.notes.append(
            "no test case was left: have the court dispatch one for conformance, or name one with --case"
        )
    return report


def _blocked(check: Check, done: dict[str, CheckResult], run: checks.Run) -> str:
    """Why `check` cannot run ("" when it can): what it needs overran, was skipped, or (where it must) failed."""
    if not check.needs or check.needs not in done:
        return ""
    needed = done[check.needs]
    if check.needs in run.overran:
        return f"not run: depends on {check.needs}, which overran its timeout (it may still be running)"
    if needed.skipped or (check.needs_pass and not needed.passed):
        state = "was skipped" if needed.skipped else "did not pass"
        return f"not run: depends on {check.needs}, which {state}"
    return ""


def _bounded(check: Check, target: checks.Target, run: checks.Run, seconds: float) -> CheckResult:
    """`check` run in a daemon thread for at most `seconds`; an exception or an overrun fails it. An overrun's
    thread may still finish later: it writes to its own result, which the report no longer holds, and may still
    write the Run — so it is named in `run.overran`, and the checks that need it are skipped."""
    working = CheckResult(check.id, check.title)
    failure: list[Exception] = []

    def body() -> None:
        try:
            check.run(target, run, working)
        except Exception as exc:  # a check that raises is a failed check with the reason, never a traceback
            failure.append(exc)

    thread = threading.Thread(target=body, name=f"conformance {check.id}", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        run.overran.add(check.id)
        return CheckResult(
            check.id, check.title, reason=f"no answer within {seconds:g} s", evidence=[*working.evidence]
        )
    if failure:
        working.passed, working.reason = False, masked(checks.error_text(failure[0]))  # it may quote a payload
    return working
