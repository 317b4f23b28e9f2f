"""How a benchmark ends when it is told to stop."""

import signal
import subprocess


def exit_on_sigterm() -> None:
    """Make SIGTERM end a benchmark as Ctrl-C does: by an exception in the main thread, so every `finally` and
    context manager on the way out runs — the sandbox courts, the worker processes and the private PostgreSQL server
    are stopped, not left running (by default SIGTERM ends Python at once and its children are orphaned)."""

    def stop(number: int, _frame: object) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM must not cut the clean-up short
        raise SystemExit(128 + number)

    signal.signal(signal.SIGTERM, stop)


def kill_left(processes: list[subprocess.Popen[str]]) -> None:
    """Kill whichever of `processes` still runs (a benchmark ending on an exception) and reap them."""
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
