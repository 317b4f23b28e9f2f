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

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as mypy sees them; at run time they load on first use (below)
    from scheduler.process import run, settle
    from scheduler.runtime import Runtime, build_connector, build_runtime, delivery_lease, slowest_send
    from scheduler.schedule import register_jobs

# Loaded on first use (PEP 562), not at import: `from scheduler import bootstrap` (every CLI command reads its
# settings so) would otherwise import the whole runtime — the API, every connector — seconds on a slow machine.
_WHERE = {
    "run": "scheduler.process",
    "settle": "scheduler.process",
    "Runtime": "scheduler.runtime",
    "build_connector": "scheduler.runtime",
    "build_runtime": "scheduler.runtime",
    "delivery_lease": "scheduler.runtime",
    "slowest_send": "scheduler.runtime",
    "register_jobs": "scheduler.schedule",
}

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


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'scheduler' has no attribute {name!r}")
