"""One reconciliation run: our cases against each platform's statuses, then each platform's list against ours.

Pass 1 pages through our cases (adapter/reconcile/cases.py), asks each platform for the statuses of a page's cases
in one call, and classifies what differs (classify.py). Pass 2 (full scope only) pages through every case each
platform lists and looks up the ones we do not hold. Memory is bounded by the page size whatever the case count;
differences are stored as they are found. Repairs (opt-in) run page by page (repair.py).

Kept whole at ~380 lines: what remains here is one run's state (`_Run`: the report, the per-platform horizons,
the retry policy) and the two passes that share it, read top to bottom; the parts with a seam of their own —
paging our cases, classifying, the arrival horizon, the repairs, the stored runs — are already their own modules.
"""

import logging
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from typing import Any

from tenacity import (
    Retrying,
    retry_if_exception_type,
    retry_if_not_exception_type,
    stop_after_attempt,
    stop_when_event_set,
    wait_exponential_jitter,
)

from adapter.errors import InvalidRequest
from adapter.inbox.item_outcome import Ingested
from adapter.masking import mask_text
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.registry import PlatformLink, Platforms
from adapter.reconcile import arrival, cases, runs
from adapter.reconcile import repair as repairs
from adapter.reconcile.cases import ID, PLATFORM_CASE_ID, STATUS, Case, Page, Scope
from adapter.reconcile.classify import Action, Kind, classify
from adapter.reconcile.report import Difference, ReconcileReport
from adapter.states import CaseStatus, court_view
from connectors.port import ConnectorError, CredentialsRefused, RawInbound, TransientError
from schemas.clock import Clock, utc_now
from schemas.enums import CourtStatus, Flow

log = logging.getLogger("docking.reconcile")

# phase ("cases" or "listing <platform>"), done, total (None: not known in advance)
Progress = Callable[[str, int, int | None], None]
Theirs = CourtStatus | None

_ADD_PLATFORM = "add the platform to the configuration"
_RESEND_HELD = (
    "not re-sent: the court does not know the case, and may refuse what it once applied; "
    "ask the court, then `docking reconcile --repair --resend-missing`"
)
_VIEW = {status.value: court_view(status) for status in CaseStatus}  # looked up once per case: no enum per row
# Our side is read `batch` × this many cases at a time (our cases; the cases a platform lists, looked up here), the
# platform still asked `batch` at a time: each read costs a transaction and SQLAlchemy's execution of its statements,
# more than reading 500 rows (a million of our cases: 1.2 s of CPU read in pages of 500, 0.85 s in pages of 5,000).
_READ_PAGES = 10


def reconcile(
    uow: UnitOfWork,
    platforms: Platforms,
    *,
    platform: str | None = None,
    scope: Scope = Scope.FULL,
    repair: bool = False,
    resend_missing: bool = False,
    actor: str = "reconcile",
    clock: Clock = utc_now,
    batch: int = 500,
    progress: Progress | None = None,
    retrying: Callable[[], Retrying] | None = None,
) -> ReconcileReport:
    """Compare, classify, store the run and, with `repair`, repair what can be repaired; see the package doc.

    `resend_missing`: with `repair`, also re-send every delivered message of a case the platform does not know
    (missing_at_platform). Off by default: a court that lost its state may refuse what it once applied (an
    acceptance of a case it no longer has), turning delivered messages into dead ones — an operator who has
    asked the court says so.
    """
    if platform is not None and platform not in platforms:
        raise InvalidRequest(f"platform {platform!r} is not configured; configured: {', '.join(platforms) or 'none'}")
    scope = Scope(scope)
    report = ReconcileReport(scope=scope, platform=platform, repair=repair)
    run_id = report.run_id = runs.start(uow, report, actor=actor, at=clock())
    run = _Run(uow, platforms, report, run_id, actor=actor, clock=clock, batch=batch, progress=progress)
    run.resend_missing = resend_missing
    run.retrying = retrying or read_retrying  # injectable: tests give it zero waits
    try:
        run.our_cases()
        if scope is Scope.FULL:
            for name in [platform] if platform else list(platforms):
                if name not in report.failures:
                    run.their_cases(name, platforms[name])
    except BaseException as exc:
        with suppress(Exception):  # the database may be what failed: the original error is what matters
            runs.fail(uow, run_id, at=clock(), detail=f"stopped: {type(exc).__name__}: {mask_text(str(exc))[:500]}")
        raise
    runs.finish(uow, run_id, report, at=clock())
    log.info(
        "reconciliation run %d (%s%s): %d checked, %d in flight, %d difference(s), %d repaired, %s",
        run_id,
        scope.value,
        f", {platform}" if platform else "",
        report.checked,
        report.in_flight,
        len(report.differences),
        report.repaired,
        report.status,
    )
    return report


class _Run:
    def __init__(
        self,
        uow: UnitOfWork,
        platforms: Platforms,
        report: ReconcileReport,
        run_id: int,
        *,
        actor: str,
        clock: Clock,
        batch: int,
        progress: Progress | None,
    ) -> None:
        self.uow, self.platforms, self.report, self.run_id = uow, platforms, report, run_id
        self.actor, self.clock, self.batch, self.progress = actor, clock, batch, progress
        self.retrying: Callable[[], Retrying] = read_retrying
        self.resend_missing = False
        self._reader: Retrying | None = None
        self.horizons: dict[str, arrival.Horizon] = {}  # per platform: how far our dispatch feed read has gone

    def _read(self, call: Callable[..., Any], *args: Any) -> Any:
        """A platform read under the run's retry policy. One Retrying serves the whole run (each call starts its
        own attempt count): building one per page cost more than comparing the page. The read is tried bare first
        (entering Retrying costs ~12 µs, 4,000 times for a million cases); a failure goes to the policy as its first
        attempt, so what is retried, how often and after what wait stay the policy's alone."""
        try:
            return call(*args)
        except Exception as exc:  # what the policy makes of it (retry, or raise as it is) is decided below
            failed: Exception | None = exc

        def attempt(*again: Any) -> Any:
            nonlocal failed
            if failed is not None:
                first, failed = failed, None
                raise first
            return call(*again)

        if self._reader is None:
            self._reader = self.retrying()
        return self._reader(attempt, *args)

    # ---- pass 1: our cases

    def our_cases(self) -> None:
        report = self.report
        total = cases.count(self.uow, platform=report.platform, scope=report.scope) if self.progress else None
        done, size = 0, self.batch * _READ_PAGES
        for name in [report.platform] if report.platform else cases.platforms(self.uow):
            for status, page, busy in cases.pages(self.uow, platform=name, scope=report.scope, size=size):
                self._store(self._compare(name, status, page, busy))
                done += len(page)
                if self.progress:
                    self.progress("cases", done, total)

    def _compare(self, name: str, status: str, page: Sequence[Page], busy: set[str]) -> list[Difference]:
        """One read page of one platform's cases in `status`, the platform asked `batch` at a time."""
        report, link = self.report, self.platforms.get(name)
        if link is None:
            unconfigured = (None, Kind.PLATFORM_UNCONFIGURED, Action.REPORT, False, _ADD_PLATFORM)
            return [Difference(r[ID], name, r[PLATFORM_CASE_ID], _VIEW[status], *unconfigured) for r in page]
        if name in report.failures:
            return []  # already unreachable in this run: its remaining cases are not checked
        settled = [r for r in page if r[ID] not in busy] if busy else page
        report.in_flight += len(page) - len(settled)
        mismatched: list[tuple[Case, Theirs]] = []
        for start in range(0, len(settled), self.batch):
            try:
                mismatched += self._mismatched(link, status, settled[start : start + self.batch])
            except ConnectorError as exc:
                _failed(report, name, exc)
                log.warning("reconciliation: %s cannot be reconciled now: %s", name, report.failures[name])
                break  # what differed before it failed is still examined
        return self._examine(link, mismatched) if mismatched else []

    def _mismatched(self, link: PlatformLink, status: str, group: Sequence[Page]) -> list[tuple[Case, Theirs]]:
        """The cases of `group` (all in `status`) whose status at the platform is not what ours implies. Compared
        whole first, as two dicts (a loop in C): the usual group agrees, and then no Python code runs per case —
        equal dicts hold, case by case, the very statuses compared one by one below."""
        ours = _VIEW[status]
        asked = [r[PLATFORM_CASE_ID] for r in group]
        theirs = self._read(link.connector.query_status, asked)
        self.report.checked += len(group)
        if theirs == dict.fromkeys(asked, ours):
            return []
        get = theirs.get
        return [((r[ID], r[PLATFORM_CASE_ID], status), t) for r in group if (t := get(r[PLATFORM_CASE_ID])) is not ours]

    def _examine(self, link: PlatformLink, mismatched: Sequence[tuple[Case, Theirs]]) -> list[Difference]:
        """Classify the cases that differ (a few per page at most: their messages are read only now)."""
        ids = [row[ID] for row, _ in mismatched]
        current, held = cases.now(self.uow, ids), cases.held(self.uow, ids)
        repaired_at = cases.last_repairs(self.uow, ids)
        found = []
        for row, theirs in mismatched:
            case_id, ours = row[ID], _VIEW[row[STATUS]]
            flow, status, busy = current.get(case_id, ("", "", True))
            if status != row[STATUS] or busy:
                continue  # it moved on while the platform was asked: the next run compares it
            verdict = classify(
                ours,
                theirs,
                held[case_id],
                dispatched_by_court=flow != Flow.SELF_RECEIVED.value,
                repaired_at=repaired_at.get(case_id),
            )
            if verdict is None:
                continue
            difference = Difference(
                case_id,
                link.name,
                row[PLATFORM_CASE_ID],
                ours,
                theirs,
                verdict.kind,
                verdict.action,
                detail=verdict.detail,
            )
            if self.report.repair and verdict.action is Action.RESEND and not self.resend_missing:
                difference = replace(difference, detail=f"{verdict.detail}; {_RESEND_HELD}")
            elif self.report.repair and verdict.action in (Action.RESEND, Action.REDELIVER):
                difference = self._requeue(difference, row[STATUS], verdict.messages)
            elif self.report.repair and verdict.action is Action.FETCH:
                difference = self._fetch(link, difference)
            found.append(difference)
        return found

    # ---- pass 2: the platforms' cases

    def their_cases(self, name: str, link: PlatformLink) -> None:
        report, cursor, listed = self.report, "", 0
        # Listed, not yet looked up here (`batch` × _READ_PAGES to a lookup): kept as ids and statuses, not as the
        # pages' ListedCase tuples — thousands of those outliving a page each time made the garbage collector walk
        # every object of the process again and again (0.4 s of CPU for a million listed cases).
        ids: list[str] = []
        statuses: list[Theirs] = []
        while True:
            try:
                page = self._read(link.connector.list_cases, cursor, self.batch)
            except ConnectorError as exc:
                _failed(report, name, exc)
                log.warning("reconciliation: %s cannot list its cases now: %s", name, report.failures[name])
                break
            listed += len(page.cases)
            report.listed += len(page.cases)
            if page.cases:
                page_ids, page_statuses = zip(*page.cases, strict=True)
                ids += page_ids
                statuses += page_statuses
            if len(ids) >= self.batch * _READ_PAGES:
                self._look_up(name, link, ids, statuses)
                ids, statuses = [], []
            if self.progress:
                self.progress(f"listing {name}", listed, None)
            if not page.next_cursor:
                break
            if page.next_cursor == cursor:
                report.failures[name] = f"{name}: the case list does not advance past cursor {cursor!r}"
                break
            cursor = page.next_cursor
        self._look_up(name, link, ids, statuses)  # what was listed before the end, or before the platform failed

    def _look_up(self, name: str, link: PlatformLink, ids: list[str], statuses: list[Theirs]) -> None:
        """Which of these listed cases we do not hold (one anti-join for them all), each then examined."""
        missing = set(cases.unknown(self.uow, name, ids))
        found = []
        for platform_case_id, theirs in zip(ids, statuses, strict=True) if missing else ():  # usually none
            if platform_case_id in missing:
                found += self._missing_here(name, link, platform_case_id, theirs)
        self._store(found)

    def _missing_here(self, name: str, link: PlatformLink, platform_case_id: str, theirs: Theirs) -> list[Difference]:
        """A listed case we lack: in flight if our feed read has not passed its dispatch yet (arrival.py), else a
        difference, fetched and ingested with `repair`."""
        difference = Difference(
            None,
            name,
            platform_case_id,
            None,
            theirs,
            Kind.MISSING_HERE,
            Action.FETCH,
            detail="the platform has a case we never received",
        )
        try:
            items = self._read(link.connector.fetch_case, platform_case_id)
        except ConnectorError as exc:
            return [replace(difference, detail=f"{difference.detail}; fetching it failed: {mask_text(str(exc))[:300]}")]
        if name not in self.horizons:  # read once per platform and run: the feed moves on, the verdict stays safe
            self.horizons[name] = arrival.horizon(self.uow, name)
        published = arrival.published_at(link, platform_case_id, items)
        # Asked again after the horizon was read: a poll may have brought the case since its page was listed.
        if arrival.in_flight(published, self.horizons[name]) or not cases.unknown(self.uow, name, [platform_case_id]):
            self.report.in_flight += 1
            self.report.arriving.append((name, platform_case_id))
            return []
        if published is None:
            difference = replace(difference, detail=f"{difference.detail}; the platform gives no readable dispatch")
        return [self._ingest(link, difference, items) if self.report.repair else difference]

    # ---- repairs

    def _requeue(self, difference: Difference, status: str, messages: tuple[str, ...]) -> Difference:
        here, there = _name(difference.ours), _name(difference.theirs)
        why = f"run {self.run_id}: {difference.kind.value} ({here} here, {there} at the platform)"
        assert difference.case_id is not None  # only our own cases are requeued
        refused = repairs.requeue(
            self.uow,
            difference.case_id,
            messages,
            expected_status=status,
            action=difference.action.value,
            actor=self.actor,
            reason=why,
            now=self.clock(),
        )
        if refused:
            return replace(difference, repaired=False, detail=refused)
        done = "re-sent" if difference.action is Action.RESEND else "re-delivered"
        detail = f"{done} {len(messages)} message(s) from {messages[0]} (queued for delivery)"
        return replace(difference, repaired=True, detail=detail)

    def _fetch(self, link: PlatformLink, difference: Difference) -> Difference:
        try:
            counts = repairs.fetch_and_ingest(self.uow, link, difference.platform_case_id, self.clock)
        except ConnectorError as exc:
            return replace(difference, repaired=False, detail=f"fetch failed: {mask_text(str(exc))[:300]}")
        summary = ", ".join(f"{n} {outcome.value}" for outcome, n in sorted(counts.items())) or "nothing published"
        applied = counts[Ingested.APPLIED] > 0
        return replace(difference, repaired=applied, detail=f"fetched and ingested: {summary}")

    def _ingest(self, link: PlatformLink, difference: Difference, items: Sequence[RawInbound]) -> Difference:
        counts = repairs.ingest_items(self.uow, link, items, self.clock)
        summary = ", ".join(f"{n} {outcome.value}" for outcome, n in sorted(counts.items())) or "nothing published"
        return replace(difference, repaired=counts[Ingested.APPLIED] > 0, detail=f"fetched and ingested: {summary}")

    def _store(self, found: list[Difference]) -> None:
        if found:
            runs.record(self.uow, self.run_id, found)
            self.report.differences += found


def read_retrying(stopping: threading.Event | None = None) -> Retrying:
    """Reads are cheap to repeat: ride out a few transient failures before calling the platform unreachable.

    `stopping`: the process's stop signal (scheduler/runtime.py, set on SIGTERM). A wait between tries ends when
    it is set, and the try that follows is the last: the read's error is raised as the policy would raise it after
    its fifth try, so the platform is reported unreachable and `docking run` stops in moments instead of sitting
    out up to ~5 s of back-off against a court that does not answer.
    """
    stop = stop_after_attempt(5)
    # A refusal of our credentials will not pass by itself: asking again only adds failed logins at the court.
    retry = retry_if_exception_type(TransientError) & retry_if_not_exception_type(CredentialsRefused)
    wait = wait_exponential_jitter(multiplier=0.2, max=3)
    if stopping is None:
        return Retrying(retry=retry, stop=stop, wait=wait, reraise=True)

    def sleep(seconds: float) -> None:
        stopping.wait(seconds)  # returns at once when the stop is asked for

    return Retrying(retry=retry, stop=stop | stop_when_event_set(stopping), wait=wait, sleep=sleep, reraise=True)


def _failed(report: ReconcileReport, name: str, exc: ConnectorError) -> None:
    """Why `name` could not be reconciled, with what to do: wait (unreachable) or fix something (refused, DNS, TLS)."""
    report.failures[name] = f"{mask_text(str(exc))} ({exc.advice})"
    if isinstance(exc, CredentialsRefused):
        report.refused[name] = "credentials"
    elif not exc.retryable:
        report.refused[name] = "rejected"


def _name(status: CourtStatus | None) -> str:
    return status.value if status else "unknown"
