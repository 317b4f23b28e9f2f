"""`docking serve`: the API under uvicorn, with the jobs of `docking run` in the same process unless told not to.

One process (the default, and the only choice on SQLite, which takes one worker process): the API and the jobs
share the runtime, the database lock of `docking run` and its clean stop. With `jobs=False` the process serves the
API only, beside separate `docking run` processes (PostgreSQL); it still keeps a heartbeat, since it seals
personal data too (`docking keys rotate-data` must see it).

SIGTERM/SIGINT: uvicorn stops accepting, finishes the requests in flight (up to the request time limit), and
returns; then the jobs finish what they hold, as `docking run` does.
"""

import errno
import logging
import signal
import socket
import ssl
from datetime import timedelta
from typing import Any

import uvicorn
from apscheduler.schedulers.background import BackgroundScheduler

from adapter import heartbeats
from adapter.config.settings import ApiSettings, Settings, delivery_warnings
from adapter.errors import ConfigError
from adapter.persistence.engine import run_lock
from api.app import create_app
from api.idempotency import forget_before
from scheduler import build_runtime, register_jobs, settle

log = logging.getLogger("docking.serve")


def uvicorn_config(app: Any, api: ApiSettings, *, host: str | None = None, port: int | None = None) -> uvicorn.Config:
    tls: dict[str, Any] = {}
    if api.tls_certificate is not None:
        tls = {"ssl_certfile": str(api.tls_certificate), "ssl_keyfile": str(api.tls_key)}
        if api.tls_client_ca is not None:  # mutual TLS: no certificate from that CA, no connection
            tls |= {"ssl_ca_certs": str(api.tls_client_ca), "ssl_cert_reqs": ssl.CERT_REQUIRED}
    return uvicorn.Config(
        app,
        host=host or api.host,
        port=api.port if port is None else port,
        log_config=None,  # the process's logging (cli/main.py), not uvicorn's own
        proxy_headers=False,  # no proxy is trusted to rewrite the client address unless configured
        server_header=False,
        lifespan="off",
        timeout_graceful_shutdown=int(api.request_timeout_seconds) + 1,
        **tls,
    )


def serve(
    settings: Settings,
    *,
    jobs: bool = True,
    host: str | None = None,
    port: int | None = None,
) -> None:
    """Serve until SIGTERM/SIGINT."""
    received: list[int] = []

    def note(signum: int, _frame: object) -> None:
        received.append(signum)

    # Ours first: uvicorn restores the handler it found and re-raises the signal after its own clean stop, which
    # must land here (the jobs still have to stop), not in the default handler that ends the process at once.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, note)
    _check_address(host or settings.api.host, settings.api.port if port is None else port)
    lock = run_lock(settings.database_url) if jobs else None
    if lock is not None:
        lock.acquire()
    runtime = build_runtime(settings)
    runtime.heartbeat()
    scheduler = BackgroundScheduler(timezone="UTC")
    if jobs:
        for warning in delivery_warnings(settings):
            log.warning("%s", warning)
        register_jobs(scheduler, runtime)
    else:
        period = heartbeats.PERIOD.total_seconds()
        scheduler.add_job(runtime.heartbeat, "interval", args=[period], id="heartbeat", seconds=period)
    # The first answers kept for Idempotency-Key retries are forgotten after [api] idempotency_retention_hours.
    retention = timedelta(hours=settings.api.idempotency_retention_hours)
    forget: Any = lambda: forget_before(runtime.uow, runtime.clock() - retention)  # noqa: E731
    if runtime.database is not None:  # an outage said once, not a traceback per run (adapter/persistence/outage.py)
        forget = runtime.database.guard(forget, "forgetting idempotency answers")
    scheduler.add_job(forget, "interval", id="api-idempotency", hours=1)
    scheduler.start()
    server = uvicorn.Server(uvicorn_config(create_app(runtime), settings.api, host=host, port=port))
    settle()
    log.info("docking serve: API on %s:%s, jobs %s", server.config.host, server.config.port, "on" if jobs else "off")
    try:
        if not received:  # a SIGTERM during start-up is a clean stop now, not a lost signal
            server.run()
    finally:
        runtime.stopping.set()
        log.info("stopping: finishing the jobs in flight")
        scheduler.shutdown(wait=True)
        runtime.stop()
        if lock is not None:
            lock.release()
        log.info("stopped")


def _check_address(host: str, port: int) -> None:
    """AddressTaken (exit 75: another process listens there) or ConfigError (exit 78: not this host's address, or
    a port this user may not take) naming the address, before anything starts: uvicorn would log its own error
    only after the jobs had started, and the process would end with an exit status no operator's runbook knows.
    (Bound as uvicorn binds: SO_REUSEADDR.)"""
    if port == 0:
        return
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            taken = exc.errno == errno.EADDRINUSE
            why = "another process listens there" if taken else exc.strerror or str(exc)
            refused = AddressTaken if taken else ConfigError
            raise refused(
                f"cannot serve the API on {host}:{port}: {why} (`ss -ltnp 'sport = :{port}'` names it); stop it, or "
                "choose another address with --port / --host or [api] port / host"
            ) from None


class AddressTaken(ConfigError):
    """The address is another process's now: exit 75 (EX_TEMPFAIL), not 78, so that systemd's restart (whose
    RestartPreventExitStatus=78 stops for a configuration it cannot fix) tries again once it is free."""

    exit_code = 75
