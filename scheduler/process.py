"""`docking run`: the long-running process — start the jobs, wait for SIGTERM/SIGINT, stop cleanly."""

import gc
import logging
import signal
import time

from apscheduler.schedulers.background import BackgroundScheduler

from adapter.config.settings import Settings, delivery_warnings
from adapter.persistence.engine import run_lock
from scheduler.runtime import build_runtime
from scheduler.schedule import register_jobs

log = logging.getLogger("docking.scheduler")


def settle() -> None:
    """Move everything alive after start-up (modules, the connectors' WSDLs and schemas, the app and its schemas, the
    engine's compiled statements) out of the garbage collector's reach, just before the jobs start (`run`) or the
    API serves (api/server.py); objects made later are collected as before.

    Why, serving (measured with bench/api.py's fixed-rate client and a GC callback in the server, #16): each full
    (oldest-generation) collection walked the start-up heap — 30 to 260 ms with every thread stopped, about once per
    thousand or two requests — and every request in flight waited behind it: one such pause set the p99 (100 req/s
    for 10 s: p99 300–400 ms for a p50 of 3 ms; with the start-up heap frozen, no full collection and a p99 of
    15–35 ms in the quieter runs).
    Why, delivering (measured with a GC callback in the delivery worker, bench/worker.py, #21): the start-up heap is
    about 165,000 long-lived objects that are never garbage, yet each full collection walks them all —
    70 to 90 ms of CPU with every send thread stopped, once every few hundred messages delivered (once per 600 over
    SOAP and over REST at 16 in flight). With it frozen no full collection came in those 600, and the worker's CPU
    per message fell by a tenth over SOAP and a fifth over REST (means of six A/B pairs each, 600 messages at 16 in
    flight: SOAP 1,910 → 1,730 µs, REST 1,260 → 1,020 µs; new below old in every pair). Feed intake the same: about
    24 µs of a SQLite feed item's ~450 µs of CPU went to full collections (the intake A/B of #21).
    The cost: a reference cycle among start-up objects that becomes garbage later is never freed (gc.collect()
    first, so none that is garbage already is kept).
    """
    gc.collect()
    gc.freeze()


def run(settings: Settings) -> None:
    """The long-running production process: run the jobs until SIGTERM/SIGINT, then let in-flight jobs finish.

    On SQLite a second `docking run` on the same file is refused (adapter/persistence/sqlite_file.py RunLock)."""
    # Installed first: a SIGTERM during start-up is then a clean stop once started, not a kill mid-start.
    # The handler only records the signal: it runs on the main thread between bytecodes, and an Event.set() there
    # can deadlock on the Event's own lock if the signal lands while the main thread holds it inside wait().
    received: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, _frame: received.append(signum))
    lock = run_lock(settings.database_url)
    if lock is not None:
        lock.acquire()
    runtime = build_runtime(settings)
    for warning in delivery_warnings(settings):
        log.warning("%s", warning)
    runtime.heartbeat()  # before any job: rotate-data must see this process from its first moment
    scheduler = BackgroundScheduler(timezone="UTC")
    register_jobs(scheduler, runtime)
    settle()
    scheduler.start()
    log.info(
        "docking run: %d platform(s), database %s",
        len(runtime.platforms),
        settings.database_url.split("@")[-1],
    )  # never log credentials in a URL
    # A polling sleep, not an untimed wait: the kernel may hand SIGTERM to a job's thread, and Python runs the
    # handler only when the main thread wakes; and the handler takes no lock (see above).
    while not received:
        time.sleep(0.2)
    runtime.stopping.set()
    log.info("stopping: finishing the jobs in flight")
    scheduler.shutdown(wait=True)
    runtime.stop()
    if lock is not None:
        lock.release()
    log.info("stopped")
