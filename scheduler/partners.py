"""The partner side of the runtime (composition root): each `[partners.<name>]` built into its PartnerPort (the
generic REST connector with its kind's wire mapping, the in-memory fake, or a transport a -sb helper registers in
TRANSPORTS), behind the breaker; the partners' rules; and the jobs — deliver-partners, poll-partner:<name> (pull
mode), reconcile-partner:<name>, sweep-partners — registered beside the courts' and desks' with the same guards.

Registries the partner helpers fill (one line each): WIRES (kind → wire mapping), WIRE_FACTORIES (kind → a wire
mapping per partner, e.g. mappings/traffic_platform.py TrafficWire) and TRANSPORTS (transport → builder, e.g.
"spc_form").
"""

import logging
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from apscheduler.schedulers.base import BaseScheduler
from pydantic import BaseModel

from adapter.config.partners import PartnerSettings, partner_rules
from adapter.config.settings import Settings
from adapter.deadlines.calendar import WorkCalendar
from adapter.errors import ConfigError
from adapter.inbox.paged_feed import cursor_value
from adapter.inbox.poll_policy import POLL_LEASE
from adapter.job_locks import JobLock
from adapter.partners import delivery, feed, reconcile, sweep
from adapter.partners.feed_watch import PartnerFeedWatch
from adapter.partners.guarded import GuardedPartner
from adapter.partners.specs import spec_for
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.breaker import CircuitBreaker
from adapter.platforms.retry import CONNECT_TIMEOUT, RetryPolicy, slowest_call
from adapter.platforms.signers import build_signer, build_verifier
from connectors.fake_partner import FakePartner
from connectors.partner_port import PartnerPort
from connectors.partner_rest import PartnerRest
from connectors.partner_wire import WireMapping
from mappings.arbitration import ArbitrationWire
from mappings.traffic_platform import TrafficWire
from scheduler.complaints import queue_policy
from scheduler.spc_form import build_spc_form, register_roster_cases
from schemas.clock import Clock
from schemas.partner import PartnerKind

log = logging.getLogger("docking.partners")
BUSY = "busy"  # poll(): another process holds the partner's poll lease

WIRES: dict[PartnerKind, WireMapping] = {}  # kind → its wire mapping (default: the canonical envelope JSON)
# kind → a wire mapping made per partner, from its name and settings (a wire that names the partner in the envelopes
# it decodes, or keeps the partner's agreed time form); tried before WIRES
WireFactory = Callable[[str, PartnerSettings], WireMapping]
WIRE_FACTORIES: dict[PartnerKind, WireFactory] = {
    PartnerKind.TRAFFIC: lambda name, config: TrafficWire(name, config.timestamp_format),
    PartnerKind.ARBITRATION: lambda name, config: ArbitrationWire(name),
}
PortBuilder = Callable[[str, PartnerSettings, Clock], PartnerPort]
# Further transports, by the helpers that write them: the SPC platform's web form (scheduler/spc_form.py).
TRANSPORTS: dict[str, PortBuilder] = {"spc_form": build_spc_form}


@dataclass
class PartnerRuntime:
    uow: UnitOfWork
    clock: Clock
    ports: dict[str, PartnerPort]
    settings: Settings
    calendar: WorkCalendar
    rules: dict[str, BaseModel]  # partner → its rules (an instance of its kind's rules_model)
    locks: dict[str, JobLock] = field(default_factory=dict)
    watch: PartnerFeedWatch | None = None  # stall detection of the pulled feeds (adapter/partners/feed_watch.py)
    # One read of a partner's feed at a time in this process too: the poll job and reconciliation's second look
    # (`_feed`) are different jobs, and the JobLock admits its own holder again (two reads would race the cursor).
    reading: dict[str, threading.Lock] = field(default_factory=dict)

    def rules_for(self, partner: str, kind: str) -> Any:
        return sweep.rules_lookup(self.rules)(partner, kind)

    def policy(self) -> RetryPolicy:
        """One schedule for the partner queue: the most patient partner's (the queue is shared)."""
        return queue_policy(list(self.settings.partners.values()))

    def deliver(self) -> Counter[str]:
        batch = max((c.deliver_batch for c in self.settings.partners.values()), default=50)
        return delivery.deliver(self.uow, self.ports, self.clock, self.policy(), limit=batch)

    def poll(self, name: str) -> Counter[str]:
        reading = self.reading.setdefault(name, threading.Lock())  # setdefault: atomic under the GIL
        if not reading.acquire(blocking=False):
            return Counter({BUSY: 1})  # this process reads it now (the poll job, or reconciliation's second look)
        try:
            return self._poll(name)
        finally:
            reading.release()

    def _poll(self, name: str) -> Counter[str]:
        lock = self.locks.get(name)
        if lock is not None and not lock.acquire():
            return Counter({BUSY: 1})  # another process polls this partner: not read now (and not "nothing new")
        port = self.ports[name]
        before = cursor_value(self.uow, name, feed.FEED)
        counts = feed.poll(self.uow, port, self.clock, self.rules_for(name, port.kind))
        if self.watch is not None:
            moved = sum(counts.values()) > 0 or cursor_value(self.uow, name, feed.FEED) != before
            try:
                self.watch.after_poll(port, moved=moved)
            except Exception as exc:  # the check reads the feed again: its failure is not the poll's
                log.warning("%s: the feed's stall check failed: %s", name, type(exc).__name__)
        return counts

    def reconcile(
        self, name: str | None = None, *, repair: bool = False, month: str | None = None
    ) -> dict[str, reconcile.Reconciliation]:
        names = [name] if name is not None else list(self.ports)
        return {
            n: reconcile.reconcile(
                self.uow, self.ports[n], self.clock, repair=repair, month=month, refresh=self._feed(n)
            )
            for n in names
        }

    def _feed(self, name: str) -> Callable[[], object] | None:
        """A polled partner's feed, read now: reconcile's second look before it reports or repairs (None for a
        partner that pushes: what it sent is in already)."""
        config = self.settings.partners.get(name)
        if config is None or config.mode == "push":
            return None

        def read() -> None:
            if self.poll(name)[BUSY]:  # being read this moment: by the time it is compared again it may be in
                log.info("partner %s: its feed is being read by another poll; compared as it stands", name)

        return read

    def sweep(self) -> dict[str, int]:
        due_soon = timedelta(hours=self.settings.partner_jobs.due_soon_hours)
        return sweep.sweep(self.uow, self.clock, self.calendar, self.rules_for, due_soon=due_soon)

    def deadlines(self, horizon: timedelta) -> list[dict[str, Any]]:
        due_soon = timedelta(hours=self.settings.partner_jobs.due_soon_hours)
        return sweep.closing_within(self.uow, self.calendar, self.rules_for, self.clock(), horizon, due_soon=due_soon)


def build_port(name: str, config: PartnerSettings, clock: Clock) -> PartnerPort:
    """The partner's port behind its breaker (breaker_failures, breaker_cooldown_seconds); ConfigError for a
    transport this build has no connector for."""
    bodies = spec_for(config.kind).body_model
    port: PartnerPort
    if config.transport == "fake":
        port = FakePartner(name, config.kind, bodies=bodies)
    elif config.transport == "rest":
        port = PartnerRest(
            name, config.kind, config.base_url,
            build_signer(config.signing, platform=name, clock=clock), build_verifier(config.signing, platform=name),
            wire=_wire(name, config), bodies=bodies,
            timeout=(min(CONNECT_TIMEOUT, config.timeout_seconds), config.timeout_seconds), clock=clock,
            max_response_bytes=int(config.max_response_mb * 1024 * 1024),
        )  # fmt: skip
    elif config.transport in TRANSPORTS:
        port = TRANSPORTS[config.transport](name, config, clock)
    else:
        raise ConfigError(f"[partners.{name}] transport {config.transport!r}: no connector for it in this build")
    breaker = CircuitBreaker(
        name,
        failures=config.breaker_failures,
        cooldown=timedelta(seconds=config.breaker_cooldown_seconds),
        max_call=slowest_call(config.timeout_seconds),
    )
    return GuardedPartner(port, breaker, clock)


def _wire(name: str, config: PartnerSettings) -> WireMapping | None:
    factory = WIRE_FACTORIES.get(config.kind)
    return factory(name, config) if factory is not None else WIRES.get(config.kind)


def build_partners(
    settings: Settings,
    uow: UnitOfWork,
    clock: Clock,
    calendar: WorkCalendar,
    holder: str,
    ports: Mapping[str, PartnerPort] | None = None,
) -> PartnerRuntime:
    """`ports`: connectors to use instead of building them from the settings (tests: connectors/fake_partner.py;
    the CLI without `connect`: none)."""
    built: dict[str, PartnerPort] = dict(ports) if ports is not None else {}
    if ports is None:
        built.update((n, build_port(n, c, clock)) for n, c in settings.partners.items())
    rules = {name: partner_rules(name, config) for name, config in settings.partners.items()}
    locks = {name: JobLock(uow, clock, f"poll-partner:{name}", holder, POLL_LEASE) for name in built}
    stall = {name: config.feed_stall_polls for name, config in settings.partners.items()}
    return PartnerRuntime(uow, clock, built, settings, calendar, rules, locks, PartnerFeedWatch(uow, clock, stall))


def register(
    scheduler: BaseScheduler,
    partners: PartnerRuntime,
    common: dict[str, Any],
    speed: float,
    guarded: Callable[[Callable[..., Any], str, str], Callable[..., Any]],
) -> None:
    """deliver-partners (every [partner_jobs] deliver_seconds), poll-partner:<name> (pull mode, its poll_seconds),
    reconcile-partner:<name> (its reconcile_seconds), register-roster:<name> (a roster partner, as often),
    sweep-partners (the shortest sweep_seconds)."""
    settings = partners.settings
    if not settings.partners:
        return
    scheduler.add_job(
        guarded(partners.deliver, "partner delivery", "deliver-partners"),
        "interval", id="deliver-partners", seconds=settings.partner_jobs.deliver_seconds / speed, **common,
    )  # fmt: skip
    for name, config in settings.partners.items():
        if name not in partners.ports:
            continue
        if config.mode != "push":
            scheduler.add_job(
                guarded(partners.poll, f"polling partner {name}", f"poll-partner:{name}"),
                "interval", args=[name], id=f"poll-partner:{name}", seconds=config.poll_seconds / speed, **common,
            )  # fmt: skip
        scheduler.add_job(
            guarded(partners.reconcile, f"reconciling partner {name}", f"reconcile-partner:{name}"),
            "interval", args=[name], kwargs={"repair": True}, id=f"reconcile-partner:{name}",
            seconds=config.reconcile_seconds / speed, **common,
        )  # fmt: skip
        if config.kind is PartnerKind.ROSTER:  # closed flow-C cases registered (scheduler/spc_form.py)
            scheduler.add_job(
                guarded(register_roster_cases, f"registering cases with {name}", f"register-roster:{name}"),
                "interval", args=[partners, name], id=f"register-roster:{name}",
                seconds=config.reconcile_seconds / speed, **common,
            )  # fmt: skip
    every = min(c.sweep_seconds for c in settings.partners.values())
    scheduler.add_job(
        guarded(partners.sweep, "partner deadline sweep", "sweep-partners"),
        "interval", id="sweep-partners", seconds=every / speed, **common,
    )  # fmt: skip
