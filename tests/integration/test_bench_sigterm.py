"""A benchmark told to stop (SIGTERM, as `timeout` or an operator's `kill` sends it) stops what it started: its
sandbox court processes, its worker processes and its private PostgreSQL server (bench/signals.py). Before, SIGTERM
ended Python at once and they were left running.

Everything the benchmark starts lives under its TMPDIR (the courts' keys, the server's data directory), so the
processes that name this test's own temporary directory on their command line are exactly the benchmark's."""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def _started_by_us(tmp: Path) -> list[str]:
    """Command lines of live processes that name `tmp` (zombies have none)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if str(tmp) in command and "pytest" not in command:
            found.append(command)
    return found


def _wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.2)
    return False


@pytest.mark.timeout(240)
@pytest.mark.parametrize(
    "command",
    [
        # the PostgreSQL server, two courts, then worker processes run after run
        ["bench.delivery", "--soap-only", "--messages", "4000", "--runs", "50", "bench.worker"],
        ["bench.intake", "--items", "3000", "--runs", "50", "--child"],
    ],
    ids=["delivery", "intake"],
)
def test_sigterm_stops_the_courts_workers_and_server(command: list[str]) -> None:
    # short: the server's Unix socket lives under it (a socket path has at most 107 bytes)
    tmp = Path(tempfile.mkdtemp(prefix="sigterm-", dir="/tmp"))
    tmp.chmod(0o755)  # the server runs as the postgres user, in a directory under it
    bench = subprocess.Popen(
        [sys.executable, "-m", *command[:-1]],  # the last: what the measured process's command line holds
        env={**os.environ, "TMPDIR": str(tmp)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        # told to stop while it measures: its server is up (its pid file written), a court serves, and a measured
        # process of its own runs (a delivery worker, an intake pass) — each of them must be stopped
        def measuring() -> bool:
            running = _started_by_us(tmp)
            server_up = any(tmp.glob("docking-pg-*/data/postmaster.pid"))
            court_up = any(" sandbox serve " in line for line in running)
            return server_up and court_up and any(command[-1] in line for line in running)

        assert _wait_for(measuring, 180), _started_by_us(tmp)
        before = _started_by_us(tmp)
        bench.send_signal(signal.SIGTERM)
        _, err = bench.communicate(timeout=60)
        assert bench.returncode == 128 + signal.SIGTERM, err.decode(errors="replace")[-2000:]
        assert b"Traceback" not in err, err.decode(errors="replace")[-2000:]
        assert _wait_for(lambda: not _started_by_us(tmp), 30), (before, _started_by_us(tmp))
    finally:
        if bench.poll() is None:
            os.killpg(bench.pid, signal.SIGKILL)
            bench.wait()
        if _started_by_us(tmp):  # what a failing run left: never outlive the test
            subprocess.run(["pkill", "-KILL", "-f", str(tmp)], check=False)
        shutil.rmtree(tmp, ignore_errors=True)
