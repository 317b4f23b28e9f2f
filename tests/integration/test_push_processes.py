"""`docking sandbox serve --push-to` and `docking serve` as separate processes: the court pushes its dispatches to
the adapter's push intake (the platform is never polled), the centre accepts over HTTP, the court receives it."""

import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from adapter.testing import free_port
from tests.support.api import until
from tests.support.cli import docking

pytestmark = pytest.mark.integration


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _config(path: Path, court_url: str, port: int) -> None:
    path.write_text(
        'database_url = "sqlite:///adapter.db"\n'
        "deliver_seconds = 0.2\n"
        "[platforms.gz-odr]\n"
        f'base_url = "{court_url}"\n'
        'mode = "push"\n'
        "[platforms.gz-odr.signing]\n"
        'keyring = "keys"\n'
        'court_keys = { "court-2026-01" = "court/court-2026-01.pub" }\n'
        f"[api]\nport = {port}\n"
    )


def test_a_pushing_sandbox_court_and_the_serve_process(tmp_path: Path) -> None:
    for kid, folder in (("centre-1", "keys"), ("court-2026-01", "court")):
        assert docking("keys", "generate", "--key-id", kid, "--dir", str(tmp_path / folder)).returncode == 0
    port = free_port()
    config = tmp_path / "docking.toml"
    _config(config, "http://127.0.0.1:9", port)  # the court's URL is known once it listens
    assert docking("db", "upgrade", "--config", str(config)).returncode == 0
    keys = {}
    for name, role in (("gz-court", "court:gz-odr"), ("case-system", "centre")):
        made = docking("clients", "add", name, "--role", role, "--config", str(config))
        assert made.returncode == 0, made.stderr
        keys[role] = made.stdout.strip()
    base = f"http://127.0.0.1:{port}"
    sandbox = _start(
        "sandbox", "serve", "--port", "0", "--dispatch", "2", "--keys", str(tmp_path / "court"),
        "--centre-key", f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}",
        "--push-to", base, "--push-key", keys["court:gz-odr"], "--push-every", "0.2",
    )  # fmt: skip
    server = None
    try:
        assert sandbox.stdout is not None
        url = None
        for _ in range(50):
            found = re.search(r"http://127\.0\.0\.1:\d+", sandbox.stdout.readline())
            if found:
                url = found.group(0)
                break
        assert url, "the sandbox did not print its URL"
        _config(config, url, port)
        server = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
        )
        centre = {"Authorization": f"Bearer {keys['centre']}"}
        listing = f"{base}/api/centre/v1/cases"

        def two() -> list[dict[str, Any]]:
            items: list[dict[str, Any]] = requests.get(listing, headers=centre, timeout=5).json()["items"]
            return items if len(items) == 2 else []

        cases = until(two)
        case_id = cases[0]["id"]
        accepted = requests.post(
            f"{listing}/{case_id}/accept", headers={**centre, "Idempotency-Key": "a-1"}, json={}, timeout=10
        )
        assert accepted.status_code == 200, accepted.text

        def delivered() -> bool:
            shown = requests.get(f"{listing}/{case_id}", headers=centre, timeout=5).json()
            return bool(shown["messages"]) and all(m["status"] == "delivered" for m in shown["messages"])

        until(delivered)
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
        assert "Traceback" not in (server.stderr.read() if server.stderr else "")
        listed = docking("quarantine", "list", "--config", str(config), "--format", "json")
        assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stdout
    finally:
        for process in (server, sandbox):
            if process and process.poll() is None:
                process.kill()
                process.wait()
