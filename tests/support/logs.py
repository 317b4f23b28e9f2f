"""The process's logging given back as it was after a test that reconfigures it (cli/logs.py configure)."""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import structlog


@contextmanager
def restored_logging(path: Path) -> Iterator[Path]:
    """Yields `path` (the test points logging there); afterwards the root logger's handlers and level are as they
    were, the test's handlers closed, and structlog's configuration and bound context reset."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield path
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        structlog.reset_defaults()
        structlog.contextvars.clear_contextvars()
