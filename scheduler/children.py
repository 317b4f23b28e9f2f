"""Starting and ending the worker's helper processes: send processes (scheduler/send_processes.py) and check
processes (scheduler/check_process.py).

A child is a fresh interpreter, `python -P -m cli.child KIND REQUESTS_FD ANSWERS_FD`, talking over two pipes of
length-prefixed pickles: not a fork, which can copy a lock another thread holds, nor multiprocessing's spawn, which
re-runs the worker's main module (and cannot start at all from a script read from stdin); -P: the working directory
(writable by the service) is not on its import path. It runs in a session of its own, so a Ctrl-C or a signal to the
worker's process group is for the worker alone, which stops its children when it has finished with them. It reads
its first request (what to build), then says "ready" or why it cannot; it ends when its requests end — the worker
closed them, or is gone (a crash, kill -9).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

import structlog

T = TypeVar("T")

START_TIMEOUT = 30.0  # a child imports the connector stack and builds its keys: about a second, once
STOP_WAIT = 2.0  # a child asked to stop (its requests closed) is killed after this long


class NotStarted(Exception):
    """The child could not start; the message says why (its first word, or what failed here)."""


def spawn(kind: str, first: object, label: str = "") -> tuple[subprocess.Popen[bytes], Connection, Connection]:
    """Start a child of `kind` ("send", "check": cli/child.py), hand it `first` (its platform's name first) and wait
    for its "ready": (process, its requests'
    write end, its answers' read end). Raises NotStarted with the child's reason, or what failed here (too many open
    files, a thread that cannot start); nothing is left open or running either way."""
    requests_in, requests_out = _pipe()
    answers_in, answers_out = _pipe()
    fds = (requests_in.fileno(), answers_out.fileno())
    process: subprocess.Popen[bytes] | None = None
    try:
        process = subprocess.Popen(
            # `label` (its platform) only for `ps`: which court a child works for
            [sys.executable, "-P", "-m", "cli.child", kind, *map(str, fds), *([label] if label else [])],
            stdin=subprocess.DEVNULL,  # stderr is the worker's: a child's traceback lands in the worker's log
            pass_fds=fds,
            start_new_session=True,
        )
        requests_in.close()  # the child's ends: only the child may hold them, or no end would ever be seen
        answers_out.close()
        requests_out.send(first)
        said = _first_word(answers_in)
        if said != "ready":
            raise NotStarted(said)
        return process, requests_out, answers_in
    except BaseException:
        discard(process, requests_in, answers_out, requests_out, answers_in)
        raise


def discard(process: subprocess.Popen[bytes] | None, *pipes: Connection) -> None:
    """A start abandoned part-way: `pipes` closed, `process` (if any) killed and waited for up to STOP_WAIT, so
    nothing of it is left open or running."""
    for pipe in pipes:
        with contextlib.suppress(OSError):
            pipe.close()
    if process is not None:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_WAIT)


def started(requests: Connection, answers: Connection, role: str, build: Callable[..., T]) -> tuple[Any, T]:
    """A child's start (the child's side of `spawn`): SIGINT and SIGTERM ignored (the worker decides when it stops, by
    closing its requests), its first request read, its log lines bound to its platform and pid (`role`: e.g.
    "send_process"), then `build(*first)`: (first, what was built). The caller says "ready". A worker gone meanwhile
    ends the child at once; a failure is said to the worker (its first word) and ends it."""
    for stop in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop, signal.SIG_IGN)
    try:
        first = requests.recv()
        structlog.contextvars.bind_contextvars(platform=first[0], **{role: os.getpid()})  # on each line it logs
        return first, build(*first)
    except (EOFError, OSError):  # the worker went while we started
        os._exit(0)
    except Exception as exc:
        with contextlib.suppress(Exception):
            answers.send(f"{type(exc).__name__}: {exc}")
        os._exit(1)


def exit_status(process: subprocess.Popen[bytes]) -> str:
    """How `process` ended, in words ("exit code 1", "killed by signal 9"), or "still running"."""
    code = process.poll()
    if code is None:
        return "still running"
    return f"killed by signal {-code}" if code < 0 else f"exit code {code}"


def end(process: subprocess.Popen[bytes]) -> None:
    """Wait STOP_WAIT for `process` to leave (its requests have ended), then kill it."""
    try:
        process.wait(timeout=STOP_WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_WAIT)


def _first_word(answers: Connection) -> str:
    """The child's first word: "ready", or why it could not start."""
    try:
        if not answers.poll(START_TIMEOUT):
            return f"no word within {START_TIMEOUT:.0f} s"
        said = answers.recv()
    except (EOFError, OSError):
        return "it exited at once (its error is in this process's log)"
    return said if isinstance(said, str) else repr(said)


def _pipe() -> tuple[Connection, Connection]:
    """(read end, write end) of a pipe, each a multiprocessing Connection (length-prefixed pickles)."""
    read, write = os.pipe()
    return Connection(read, writable=False), Connection(write, readable=False)
