"""The runtime: settings, database, platforms (each with its connector, signer and breaker) and the centre's use
cases, built once by `build_runtime`; the jobs the scheduler runs are its methods (registered by
scheduler/schedule.py).

The only module that names concrete connectors (`build_connector`).
"""

import logging
import os
import threading
from collections import Counter
from dataclasses import InitVar, dataclass, field, replace
from datetime import timedelta

import requests
import structlog

from adapter import heartbeats
from adapter.alerts.causes import calendar_coverage
from adapter.config.platform import PlatformSettings
from adapter.config.settings import Settings
from adapter.deadlines import Deadlines, WorkCalendar
from adapter.deadlines.calendar import missing_year
from adapter.errors import ConfigError
from adapter.events.causes import platform_hold_recorder
from adapter.inbox.feed_watch import FeedWatch
from adapter.inbox.poll_policy import POLL_LEASE, PollPolicy, slowest_page
from adapter.job_locks import JobLock, process_holder
from adapter.metrics import Metrics
from adapter.outbox.claim import LEASE
from adapter.outbox.delivery import deliver_due
from adapter.outbox.flight import SendPools
from adapter.partners.roster_checks import SqlMediatorRoster
from adapter.persistence.case_store import SqlCaseStore
from adapter.persistence.engine import UnitOfWork, create_schema, open_database
from adapter.persistence.outage import DatabaseOutage
from adapter.persistence.sealed_types import engine_vault
from adapter.platforms.registry import Platforms, link_platform
from adapter.platforms.retry import CONNECT_TIMEOUT, slowest_call
from adapter.platforms.signers import build_signer, build_verifier, build_wsse, credential_of
from adapter.platforms.state_store import PlatformStates
from adapter.routines import Routines
from adapter.seal import configured_seal
from adapter.services import CentreServices
from connectors.court_soap import CourtSoapPlatform
from connectors.odr_rest import OdrRestPlatform
from connectors.port import CourtPlatform
from scheduler.check_process import CheckProcess, slowest_extra
from scheduler.complaints import ComplaintRuntime, build_complaints
from scheduler.partners import PartnerRuntime, build_partners
from scheduler.send_processes import in_processes, processes_of
from schemas.clock import Clock, utc_now
from signing.base import MessageSigner

log = logging.getLogger("docking.scheduler")


@dataclass
class Runtime:
    settings: Settings
    uow: UnitOfWork
    platforms: Platforms
    services: CentreServices
    clock: Clock
    metrics: Metrics = field(default_factory=Metrics)
    routines: Routines | None = None  # the singleton jobs (reconcile, deadlines, prune, report)
    poll_locks: dict[str, JobLock] = field(default_factory=dict)  # one poller per platform across processes
    holder: str = ""  # host:pid:token of this process (adapter/job_locks.py)
    # Set on SIGTERM/SIGINT: deliveries record what they sent and give back the rest of their claim, polls stop
    # after the page in hand, so a clean stop leaves nothing leased for the next process to wait out.
    stopping: threading.Event = field(default_factory=threading.Event)
    # A database outage is logged when it starts and when it ends, not per job run (adapter/persistence/outage.py).
    database: DatabaseOutage | None = None
    feed_watch: InitVar[FeedWatch | None] = None  # a dispatch feed that restarted behind our cursor silently
    # The polling job with its policy (adapter/inbox/poll_policy.py), over this runtime's locks and stop signal.
    polling: PollPolicy = field(init=False)
    states: PlatformStates | None = None  # the platforms' state for other processes (adapter/platforms/state_store.py)
    complaints: ComplaintRuntime | None = None  # the desks, their use cases and jobs (scheduler/complaints.py)
    partners: PartnerRuntime | None = (
        None  # traffic, arbitration, roster partners and their jobs (scheduler/partners.py)
    )
    send_pools: SendPools = field(default_factory=SendPools)  # delivery's threads per platform (outbox/flight.py)

    def __post_init__(self, feed_watch: FeedWatch | None) -> None:
        self.polling = PollPolicy(
            self.uow,
            self.platforms,
            self.clock,
            self.metrics,
            locks=self.poll_locks,
            stopping=self.stopping,
            stall=lambda name: _stall(self.settings.platforms.get(name)),
            database=self.database,
            feed_watch=feed_watch,
            states=self.states,
        )

    def heartbeat(self, period: float = heartbeats.PERIOD.total_seconds()) -> None:
        """Tell `docking keys rotate-data` this process runs and which data keys it holds (adapter/heartbeats.py)."""
        heartbeats.beat(
            self.uow, self.clock, self.holder, os.getpid(), engine_vault(self.uow.engine), timedelta(seconds=period)
        )

    def stop(self) -> None:
        """After the jobs have finished: hand polling to another process at once, and withdraw the heartbeat."""
        for lock in self.poll_locks.values():  # let another process poll at once rather than after the lease
            lock.release()
        heartbeats.stop(self.uow, self.holder)
        self.send_pools.shutdown()
        for processes in processes_of(link.connector for link in self.platforms.values()):
            processes.close()
        for link in self.platforms.values():
            if isinstance(link.checks, CheckProcess):
                link.checks.close()

    def feeds_read(self) -> bool:
        """Has every platform had its first poll? The full reconciliation waits until then (FirstPolls)."""
        return self.polling.first_polls.all_read()

    def poll_platform(self, name: str) -> None:
        """The polling job: one pass over the platform's feeds (adapter/inbox/poll_policy.py); none for a platform
        whose court pushes (mode = "push")."""
        configured = self.settings.platforms.get(name)  # a runtime built around given links has no settings for them
        if configured is not None and configured.mode == "push":
            self.polling.first_polls.mark(name)
            return
        with structlog.contextvars.bound_contextvars(platform=name):  # every line of this poll names its platform
            self.polling.poll_platform(name)

    def deliver(self) -> None:
        self.deliver_counts()

    def deliver_counts(self) -> Counter[str]:
        counts = deliver_due(
            self.uow,
            self.platforms,
            self.clock,
            limit=self.settings.deliver_batch,
            lease=delivery_lease(self.settings),
            slowest=slowest_send(self.settings),
            keep_going=lambda: not self.stopping.is_set(),
            observe=self.metrics.delivery,
            pools=self.send_pools,
        )
        self.metrics.add("outbound", counts)
        if counts:
            log.info("outbox: %s", ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
        return counts


def delivery_lease(settings: Settings) -> timedelta:
    """An outbox claim's lease: short whatever the timeouts, for it is renewed while the batch is sent
    (adapter/lease.py) — a worker killed mid-batch frees its rows within seconds."""
    return LEASE


def slowest_send(settings: Settings) -> timedelta:
    """One send's three quick tries at the slowest platform's timeouts (connect + read), and a margin: a send
    running longer means a hung worker, whose claim is then left to lapse."""
    return slowest_call(max((p.timeout_seconds for p in settings.platforms.values()), default=10.0))


def _timeout(config: PlatformSettings | None) -> float:
    return config.timeout_seconds if config is not None else 10.0


def _stall(config: PlatformSettings | None) -> timedelta:
    """The longest legitimate page of a platform's poll, its check process's waits included."""
    stall = slowest_page(_timeout(config))
    if config is not None and config.check_process:
        stall += slowest_extra(config.timeout_seconds)
    return stall


def build_connector(name: str, config: PlatformSettings, signer: MessageSigner, clock: Clock) -> CourtPlatform:
    session = _session(config)
    timeout = (min(CONNECT_TIMEOUT, config.timeout_seconds), config.timeout_seconds)
    cap = int(config.max_response_mb * 1024 * 1024)
    if config.transport == "soap":
        assert config.wsse is not None  # the settings validator guarantees it
        wsse_signer, wsse_verifier = build_wsse(config.wsse, platform=name)
        return CourtSoapPlatform(
            name,
            config.base_url,
            wsse_signer,
            wsse_verifier,
            session=session,
            timeout=timeout,
            debug=config.soap_debug,
            clock=clock,
            timestamps=config.timestamp_format,
            max_response_bytes=cap,
        )
    return OdrRestPlatform(
        name,
        config.base_url,
        signer,
        session=session,
        timeout=timeout,
        clock=clock,
        timestamps=config.timestamp_format,
        max_response_bytes=cap,
    )


def _session(config: PlatformSettings) -> requests.Session:
    session = requests.Session()
    if config.client_cert is not None:  # mutual TLS: the court checks our client certificate
        session.cert = (
            (str(config.client_cert), str(config.client_key)) if config.client_key else str(config.client_cert)
        )
    if config.ca_bundle is not None:
        session.verify = str(config.ca_bundle)
    else:  # what requests would pick per request, resolved once (below it stops reading the environment)
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    # Proxies from the environment (honouring NO_PROXY) are looked up once here, not on every request: requests
    # otherwise rescans os.environ twice per call, a measurable share of a delivery's CPU time.
    session.proxies.update(requests.utils.get_environ_proxies(config.base_url))
    session.trust_env = False
    # Keep-alive connections for every send in flight (max_in_flight), and a poll and a reconciliation beside them:
    # requests' default pool keeps 10, and each send past it would open, and then drop, a connection of its own.
    pooled = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=config.max_in_flight + 2)
    session.mount("https://", pooled)
    session.mount("http://", pooled)
    return session


def build_runtime(settings: Settings, clock: Clock = utc_now) -> Runtime:
    engine = open_database(settings)
    create_schema(engine)
    uow = UnitOfWork(engine)
    platforms: Platforms = {}
    metrics = Metrics()
    holder = process_holder()
    states = PlatformStates(uow, clock, holder)
    for name, config in settings.platforms.items():
        _check_tls_files(name, config)
        signer = build_signer(config.signing, platform=name, clock=clock)
        verifier = build_verifier(config.signing, platform=name)
        connector = in_processes(build_connector(name, config, signer, clock), config, metrics.send_process)
        credential = credential_of(name, config, signer)
        link = link_platform(
            name,
            config,
            connector,
            verifier,
            credential,
            metrics,
            on_hold=platform_hold_recorder(uow, clock),
            states=states,
        )
        if config.check_process and config.mode != "push":  # a pushing court is never polled
            link = replace(link, checks=CheckProcess(name, config, verifier, connector, metrics.check_process))
        platforms[name] = link
    states.started(list(platforms))
    deadlines = Deadlines.from_policy(settings.deadlines)  # one engine: the sweep and the use cases agree
    _report_calendar_coverage(deadlines.calendar, clock, uow)
    # The use cases reach the database only through the case store: the one place the SQL store is named.
    services = CentreServices(
        SqlCaseStore(uow),
        clock,
        platforms=platforms.keys(),
        deadlines=deadlines,
        roster=SqlMediatorRoster(uow),
        seal=configured_seal(settings.seal, clock()),  # checked at start: a wrong key or chain is said now
    )
    runtime = Runtime(
        settings,
        uow,
        platforms,
        services,
        clock,
        metrics,
        poll_locks={name: JobLock(uow, clock, f"poll:{name}", holder, POLL_LEASE) for name in settings.platforms},
        holder=holder,
        # SQLite's busy timeout is how long a writer waited before a lock failed; PostgreSQL's locks fail at once
        database=DatabaseOutage(
            engine, waited=settings.database_busy_timeout_seconds if engine.dialect.name == "sqlite" else 0.0
        ),
        feed_watch=FeedWatch(uow, clock, {name: c.feed_stall_polls for name, c in settings.platforms.items()}),
        states=states,
    )
    runtime.complaints = build_complaints(settings, uow, clock, deadlines.calendar, holder)
    runtime.partners = build_partners(settings, uow, clock, deadlines.calendar, holder)
    runtime.routines = Routines(
        uow, platforms, settings, clock, holder, deadlines, ready=runtime.feeds_read, stopping=runtime.stopping
    )
    if settings.encryption is None:
        log.warning("no [encryption] keys configured: ID and phone numbers are stored in clear (see README)")
    return runtime


def _report_calendar_coverage(calendar: WorkCalendar, clock: Clock, uow: UnitOfWork) -> None:
    """A year without holiday data opens its alert condition at start-up (or clears it, once the data is there:
    adapter/alerts/causes.py), and `docking status` notes it. The log says it at start-up only for this year (every
    deadline counted now is estimated); next year's gap is logged when a deadline first crosses into it
    (adapter/deadlines/calendar.py missing_year) — not by every command that builds the runtime (issue 19)."""
    year = clock().year
    missing = calendar.coverage([year, year + 1])
    if year in missing:
        missing_year(year)
    calendar_coverage(uow, clock, [year, year + 1], missing)


def _check_tls_files(name: str, config: PlatformSettings) -> None:
    for label, path in (
        ("client_cert", config.client_cert),
        ("client_key", config.client_key),
        ("ca_bundle", config.ca_bundle),
    ):
        if path is not None and not path.is_file():
            raise ConfigError(f"platform {name}: {label} {path} does not exist")
    if config.client_key is not None and config.client_cert is None:
        raise ConfigError(f"platform {name}: client_key is set but client_cert is not")
