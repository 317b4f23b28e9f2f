"""The complaint side of the runtime (composition root): the desks' connectors built from `[desks.<name>]`
(connectors/complaint_desk.py over the courts' signing profiles), the desk directory and the complaint use cases,
and the jobs — deliver-complaints, poll-desk:<name>, reconcile-complaints — registered beside the courts' with the
same guards (a database outage said once; the job id on every line; one poller per desk across processes).
"""

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler

from adapter.complaints import delivery, desk_feed
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.guarded_desk import GuardedDesk
from adapter.complaints.service import ComplaintServices
from adapter.config.desks import DeskSettings
from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.deadlines.calendar import WorkCalendar
from adapter.inbox.poll_policy import POLL_LEASE
from adapter.job_locks import JobLock
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.retry import CONNECT_TIMEOUT, RetryPolicy, slowest_call
from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from connectors.desk_port import ComplaintDesk
from schemas.clock import Clock

BUSY = "busy"  # poll(): another process holds the desk's poll lease (`docking run` / `docking serve`)


@dataclass
class ComplaintRuntime:
    uow: UnitOfWork
    clock: Clock
    desks: dict[str, ComplaintDesk]
    directory: DeskDirectory
    settings: Settings
    calendar: WorkCalendar
    locks: dict[str, JobLock] = field(default_factory=dict)

    def services(self, actor: str = "centre", uow: UnitOfWork | None = None) -> ComplaintServices:
        """The use cases as `actor`, in `uow` (the API hands its own transaction), with the configured desks."""
        return ComplaintServices(
            uow or self.uow,
            self.clock,
            actor,
            desks=self.directory,
            calendar=self.calendar,
            deadlines=self.settings.complaints.deadlines,
            repeat_window=timedelta(days=self.settings.complaints.repeat_window_days),
        )

    def policy(self) -> RetryPolicy:
        """One schedule for the complaint queue: the most patient desk's (the queue is shared)."""
        return queue_policy(list(self.settings.desks.values()))

    def deliver(self) -> Counter[str]:
        batch = self.settings.complaints.deliver_batch
        return delivery.deliver(self.uow, self.desks, self.clock, self.policy(), limit=batch)

    def poll(self, name: str) -> Counter[str]:
        lock = self.locks.get(name)
        if lock is not None and not lock.acquire():
            return Counter({BUSY: 1})  # another process polls this desk: not read now (and not "nothing new")
        return desk_feed.poll(self.uow, self.desks[name], self.clock)

    def reconcile(self, *, repair: bool = True) -> dict[str, list[desk_feed.Difference]]:
        return {
            name: desk_feed.reconcile(self.uow, desk, self.clock, repair=repair) for name, desk in self.desks.items()
        }


def queue_policy(configs: Sequence[PlatformSettings]) -> RetryPolicy:
    """One retry schedule for a queue several counterparts share (desks', partners'): the most patient one's."""
    if not configs:
        return RetryPolicy()
    return RetryPolicy(
        base=min(c.retry_base_seconds for c in configs),
        cap=max(c.retry_cap_seconds for c in configs),
        give_up_after=timedelta(hours=max(c.give_up_after_hours for c in configs)),
    )


def build_desk(name: str, config: DeskSettings, clock: Clock) -> GuardedDesk:
    """The desk's REST connector behind its breaker (breaker_failures, breaker_cooldown_seconds)."""
    breaker = CircuitBreaker(
        name,
        failures=config.breaker_failures,
        cooldown=timedelta(seconds=config.breaker_cooldown_seconds),
        max_call=slowest_call(config.timeout_seconds),
    )
    return GuardedDesk(_rest_desk(name, config, clock), breaker, clock)


def _rest_desk(name: str, config: DeskSettings, clock: Clock) -> ComplaintDeskRest:
    signer = build_signer(config.signing, platform=name, clock=clock)
    verifier = build_verifier(config.signing, platform=name)
    return ComplaintDeskRest(
        name,
        config.base_url,
        signer,
        verifier,
        timeout=(min(CONNECT_TIMEOUT, config.timeout_seconds), config.timeout_seconds),
        clock=clock,
        timestamps=config.timestamp_format,
        max_response_bytes=int(config.max_response_mb * 1024 * 1024),
    )


def build_complaints(
    settings: Settings,
    uow: UnitOfWork,
    clock: Clock,
    calendar: WorkCalendar,
    holder: str,
    desks: Mapping[str, ComplaintDesk] | None = None,
) -> ComplaintRuntime:
    """`desks`: connectors to use instead of building them from the settings (tests: connectors/fake_desk.py)."""
    built: dict[str, ComplaintDesk] = dict(desks) if desks is not None else {}
    if desks is None:
        built.update((n, build_desk(n, c, clock)) for n, c in settings.desks.items())
    directory = DeskDirectory.of(
        Desk(name, tuple(config.institution_uscc), config.memorandum) for name, config in settings.desks.items()
    )
    locks = {name: JobLock(uow, clock, f"poll-desk:{name}", holder, POLL_LEASE) for name in built}
    return ComplaintRuntime(uow, clock, built, directory, settings, calendar, locks)


def register(
    scheduler: BaseScheduler,
    complaints: ComplaintRuntime,
    common: dict[str, Any],
    speed: float,
    guarded: Callable[[Callable[..., Any], str, str], Callable[..., Any]],
) -> None:
    """deliver-complaints (every deliver_seconds), poll-desk:<name> (each desk in poll mode, its poll_seconds),
    reconcile-complaints (every [complaints] reconcile_seconds)."""
    settings = complaints.settings
    if not settings.desks:
        return
    scheduler.add_job(
        guarded(complaints.deliver, "complaint delivery", "deliver-complaints"),
        "interval", id="deliver-complaints", seconds=settings.deliver_seconds / speed, **common,
    )  # fmt: skip
    for name, config in settings.desks.items():
        if config.mode == "push" or name not in complaints.desks:
            continue
        scheduler.add_job(
            guarded(complaints.poll, f"polling desk {name}", f"poll-desk:{name}"),
            "interval", args=[name], id=f"poll-desk:{name}", seconds=config.poll_seconds / speed, **common,
        )  # fmt: skip
    scheduler.add_job(
        guarded(complaints.reconcile, "complaint reconciliation", "reconcile-complaints"),
        "interval", id="reconcile-complaints", seconds=settings.complaints.reconcile_seconds / speed, **common,
    )  # fmt: skip
