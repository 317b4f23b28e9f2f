"""`docking demo --keep-running` in a child process: after the run its API stays up and it prints where and with
which keys; the README's "Try the API" curl block, read from README.md itself (so the README cannot drift), runs
against it with the real curl, every request a 2xx; SIGTERM stops it cleanly (exit 0, no traceback)."""

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from sandbox.hooks import WebhookReceiver, new_secret
from signing.webhooks import WebhookSigner, parse_secret

pytestmark = pytest.mark.integration

README = Path(__file__).resolve().parents[2] / "README.md"
EXPORTS = ("DOCKING_URL", "DOCKING_KEY", "DOCKING_OPS_KEY", "DOCKING_CASE")
_EXPORT = re.compile(r"^export (DOCKING_[A-Z_]+)=(\S+)")


def readme_block() -> str:
    """The shell between <!-- try-the-api --> and <!-- /try-the-api -->, without its ``` fences."""
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- try-the-api -->\n```sh\n(.*?)```\n<!-- /try-the-api -->", text, re.S)
    assert found, "README.md has no Try the API block between <!-- try-the-api --> markers"
    return found.group(1)


def _exports(process: subprocess.Popen[str], seconds: float) -> dict[str, str]:
    """The export lines the demo prints once its run is over (stdout), within `seconds`. A thread reads stdout (a
    blocking readline cannot be bounded; select on a buffered text stream misses lines already buffered)."""
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in process.stdout or ():
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    found: dict[str, str] = {}
    deadline = time.monotonic() + seconds
    while set(EXPORTS) - found.keys():
        left = deadline - time.monotonic()
        assert left > 0 and process.poll() is None, f"no export lines within {seconds:g} s; got {sorted(found)}"
        try:
            matched = _EXPORT.match(lines.get(timeout=min(left, 1.0)))
        except queue.Empty:
            continue
        if matched:
            found[matched.group(1)] = matched.group(2)
    return found


@pytest.mark.skipif(shutil.which("curl") is None, reason="the README's examples are curl commands")
def test_the_readme_curl_block_works_against_demo_keep_running(tmp_path: Path) -> None:
    block = readme_block()
    calls = len(re.findall(r"(?<![\w-])curl ", block))
    assert calls >= 5, "the block lists cases, shows one, accepts it and reads events"
    log = (tmp_path / "demo.err").open("w")
    demo = subprocess.Popen(
        [sys.executable, "-m", "cli", "demo", "--cases", "6", "--keep-running", "--workdir", str(tmp_path / "w")],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    try:
        env = _exports(demo, 90)
        assert env["DOCKING_URL"].startswith("http://127.0.0.1:")
        # Each curl also says its status on stderr (curl reads .curlrc from CURL_HOME), leaving stdout as written.
        (tmp_path / ".curlrc").write_text('write-out = "%{stderr}@@HTTP %{http_code}\\n"\n')
        shell = {"PATH": os.environ["PATH"], "CURL_HOME": str(tmp_path), "LANG": "C.UTF-8", **env}
        ran = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block], env=shell, capture_output=True, text=True, timeout=60
        )
        assert ran.returncode == 0, f"exit {ran.returncode}\n{ran.stderr[-2000:]}"
        codes = re.findall(r"@@HTTP (\d{3})", ran.stderr)
        assert len(codes) == calls and all(code.startswith("2") for code in codes), ran.stderr[-2000:]
        assert re.search(r'(?im)^etag: "', ran.stdout), "the case was shown with its ETag"
        shown = requests.get(
            f"{env['DOCKING_URL']}/api/centre/v1/cases/{env['DOCKING_CASE']}",
            headers={"Authorization": f"Bearer {env['DOCKING_KEY']}"},
            timeout=10,
        )
        assert shown.json()["status"] == "ACCEPTED", "the block's accept acted"
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=30)
        log.flush()
        assert code == 0, (tmp_path / "demo.err").read_text()[-3000:]  # what the demo said on its way out
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
        log.close()
    stderr = (tmp_path / "demo.err").read_text()
    assert "Traceback" not in stderr and "API stopped" in stderr, stderr[-2000:]


def _signed(secret: str, event: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event).encode()
    headers = WebhookSigner([parse_secret(secret)]).sign(body, message_id=str(event["id"]), at=datetime.now(UTC))
    return body, {**headers, "Content-Type": "application/json"}


@pytest.mark.parametrize("reference", [True, False], ids=["standardwebhooks", "fallback"])
def test_the_demo_centre_takes_only_verified_events_and_each_once(
    reference: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receiver (sandbox/hooks.py) verifies with the reference package, or without it with ours: a signed
    event is handed on once (a repeat is acknowledged, not handed on again); a tampered or unsigned one is a 401."""
    if not reference:
        monkeypatch.setitem(sys.modules, "standardwebhooks", None)  # as on a machine without the test extra
    heard: list[dict[str, Any]] = []
    receiver = WebhookReceiver(heard.append)
    try:
        assert receiver.verifier == ("standardwebhooks" if reference else "signing.webhooks")
        event: dict[str, Any] = {"id": "evt_1", "type": "case.dispatch_received", "case_id": "MC-1", "data": {}}
        body, headers = _signed(receiver.secret, event)
        answers = [requests.post(receiver.url, data=body, headers=headers, timeout=5).status_code for _ in range(2)]
        tampered = requests.post(receiver.url, data=body.replace(b"MC-1", b"MC-2"), headers=headers, timeout=5)
        unsigned = requests.post(receiver.url, json=event, timeout=5)
        other, other_headers = _signed(new_secret(), {**event, "id": "evt_2"})
        wrong_key = requests.post(receiver.url, data=other, headers=other_headers, timeout=5)
    finally:
        receiver.stop()
    assert answers == [204, 204] and heard == [event]
    assert (tampered.status_code, unsigned.status_code, wrong_key.status_code) == (401, 401, 401)
    assert receiver.counts == {"received": 1, "duplicate": 1, "refused": 3}
