"""A job's name bound to every log line it writes while it runs (structlog contextvars; cli/logs.py renders it)."""

import functools
from collections.abc import Callable
from typing import Any

import structlog


def bound(job: Callable[..., Any], name: str) -> Callable[..., Any]:
    """`job` with `job=<name>` bound while it runs: APScheduler runs each job in a pool thread, so the binding is
    set and reset around the call, never left behind for the thread's next job."""

    @functools.wraps(job)
    def run(*args: Any, **kwargs: Any) -> Any:
        with structlog.contextvars.bound_contextvars(job=name):
            return job(*args, **kwargs)

    return run
