"""`docking sandbox serve` and `docking run` as separate processes, talking over loopback, stopped by SIGTERM."""

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import docking

pytestmark = pytest.mark.integration


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def test_run_polls_a_standalone_sandbox_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    """Three dispatched cases reach the adapter's database; SIGTERM ends `docking run` with exit 0."""
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    sandbox = _start(
        "sandbox",
        "serve",
        "--port",
        "0",
        "--dispatch",
        "3",
        "--keys",
        str(tmp_path / "court"),
        "--centre-key",
        f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}",
    )
    runner = None
    try:
        assert sandbox.stdout is not None
        url = None
        for _ in range(50):
            found = re.search(r"http://127\.0\.0\.1:\d+", sandbox.stdout.readline())
            if found:
                url = found.group(0)
                break
        assert url, "the sandbox did not print its URL"
        config = tmp_path / "docking.toml"
        config.write_text(
            'database_url = "sqlite:///adapter.db"\n'
            "deliver_seconds = 0.2\n"
            "[platforms.gz-odr]\n"
            f'base_url = "{url}"\n'
            "poll_seconds = 0.2\n"
            "[platforms.gz-odr.signing]\n"
            'keyring = "keys"\n'
            'court_keys = { "court-2026-01" = "court/court-2026-01.pub" }\n'
        )
        made = docking("db", "upgrade", "--config", str(config))  # a worker never makes its database
        assert made.returncode == 0, made.stderr
        runner = _start("run", "--config", str(config))
        cases: list[dict[str, str]] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(cases) < 3:
            time.sleep(0.3)
            listed = docking("cases", "list", "--config", str(config), "--format", "json")
            cases = json.loads(listed.stdout) if listed.returncode == 0 else []
        assert len(cases) == 3 and {c["status"] for c in cases} == {"PENDING_ACCEPTANCE"}
        accepted = docking("centre", "accept", cases[0]["id"], "--config", str(config))
        assert accepted.returncode == 0, accepted.stderr
        deadline = time.monotonic() + 30
        delivered: list[dict[str, str]] = []
        while time.monotonic() < deadline and not delivered:
            time.sleep(0.3)
            listed = docking("outbox", "list", "--status", "delivered", "--config", str(config), "--format", "json")
            delivered = json.loads(listed.stdout) if listed.returncode == 0 else []
        assert len(delivered) == 1
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=30) == 0
        assert "Traceback" not in (runner.stderr.read() if runner.stderr else "")
    finally:
        for process in (runner, sandbox):
            if process and process.poll() is None:
                process.kill()
                process.wait()
