"""The composition root: builds settings, engine, connectors and services, and registers the APScheduler jobs.

The only package that names concrete connectors. Nothing happens at import time. A package rather than
`scheduler.py` because import-linter checks the imports of packages alone (pyproject [tool.importlinter]):

    runtime.py     Runtime and build_runtime — the whole runtime for `docking run` — and build_connector, the
                   one place a concrete connector is chosen
    schedule.py    register_jobs: the APScheduler jobs of a runtime, their ids, periods and outage guard
    job_context.py a job's id bound to the log lines it writes (structlog contextvars)
    process.py     run: the `docking run` process loop — start the jobs, stop cleanly on SIGTERM/SIGINT; settle:
                   the start-up heap frozen out of the garbage collector's reach (run calls it)
    bootstrap.py   what an entry point needs short of it: the settings read once, the database, the centre's use
                   cases, one platform's connector (cli/ and api/ call it)

The names callers use are re-exported here (`from scheduler import Runtime, build_runtime, register_jobs, run`).
"""

from scheduler.process import run, settle
from scheduler.runtime import Runtime, build_connector, build_runtime, delivery_lease, slowest_send
from scheduler.schedule import register_jobs

__all__ = [
    "Runtime",
    "build_connector",
    "build_runtime",
    "delivery_lease",
    "register_jobs",
    "run",
    "settle",
    "slowest_send",
]
