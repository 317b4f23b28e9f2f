"""`docking conformance` as an integrator runs it: against `docking sandbox serve` in its own process, refused
for a platform not marked as a test endpoint (exit 2, nothing sent), exit 1 naming the failing check against a
court started with --fault, exit 0 with the report written when all pass."""

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import requests

from tests.support.cli import docking

pytestmark = pytest.mark.integration


def _sandbox(tmp_path: Path, *faults: str, extra: Sequence[str] = ()) -> Iterator[tuple[str, str]]:
    """A standalone sandbox court (its URL, its control token), misconfigured by `faults`, stopped after."""
    args = ["sandbox", "serve", "--port", "0", "--dispatch", "6", "--keys", str(tmp_path / "court"), *extra]
    args += ["--centre-key", f"centre-1={tmp_path / 'keys' / 'centre-1.pub'}"]
    for fault in faults:
        args += ["--fault", fault]
    process = subprocess.Popen([sys.executable, "-m", "cli", *args], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = token = ""
        for _ in range(50):
            line = process.stdout.readline()
            url = url or (m.group(0) if (m := re.search(r"http://127\.0\.0\.1:\d+", line)) else "")
            if found := re.search(r"control token: (\S+)", line):
                token = found.group(1)
                break
        assert url and token, "the sandbox did not print its URL and control token"
        yield url, token
    finally:
        process.kill()
        process.wait()


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    assert docking("keys", "generate", "--key-id", "centre-1", "--dir", str(tmp_path / "keys")).returncode == 0
    return tmp_path / "keys"


def _config(tmp_path: Path, url: str, *, test_endpoint: bool) -> Path:
    config = tmp_path / f"docking-{test_endpoint}.toml"
    config.write_text(
        'database_url = "sqlite:///adapter.db"\n[platforms.gz-odr]\n'
        f'base_url = "{url}"\n' + ("test_endpoint = true\n" if test_endpoint else "") + "[platforms.gz-odr.signing]\n"
        'keyring = "keys"\ncourt_keys = { "court-2026-01" = "court/court-2026-01.pub" }\n'
    )
    return config


def test_refused_unless_marked_then_the_fault_is_named(tmp_path: Path, keys: Path) -> None:
    for url, token in _sandbox(tmp_path, "no-dedupe"):
        refused = docking(
            "conformance", "--platform", "gz-odr", "--config", str(_config(tmp_path, url, test_endpoint=False))
        )
        assert refused.returncode == 2 and "not marked as a test endpoint" in refused.stderr
        assert "test_endpoint = true" in refused.stderr and "Traceback" not in refused.stderr
        stats = requests.get(f"{url}/sandbox/stats", headers={"Authorization": f"Bearer {token}"}, timeout=5).json()
        assert stats["applied_messages"] == 0  # nothing was sent to a court not marked as a test endpoint
        report = tmp_path / "report.json"
        config = _config(tmp_path, url, test_endpoint=True)
        ran = docking(
            "conformance", "--platform", "gz-odr", "--config", str(config), "-f", "json", "--report", str(report)
        )
        assert ran.returncode == 1, ran.stderr
        assert json.loads(ran.stdout)["failed"] == ["send.duplicate"]
        assert json.loads(report.read_text())["failed"] == ["send.duplicate"]


def test_all_green_exits_0_with_a_readable_report(tmp_path: Path, keys: Path) -> None:
    for url, _ in _sandbox(tmp_path):
        report = tmp_path / "report.txt"
        config = _config(tmp_path, url, test_endpoint=True)
        ran = docking("conformance", "--platform", "gz-odr", "--config", str(config), "--report", str(report))
        assert ran.returncode == 0, ran.stdout + ran.stderr
        assert "9 of 9 checks passed — all passed" in ran.stdout and "CST" in ran.stdout
        assert report.read_text() == ran.stdout
        unknown = docking("conformance", "--platform", "nowhere", "--config", str(config))
        assert (
            unknown.returncode == 2 and "--platform 'nowhere' is not configured (configured: gz-odr)" in unknown.stderr
        )


def test_a_pushing_court_is_checked_through_the_kits_listener(tmp_path: Path, keys: Path) -> None:
    with socket.socket() as probe:  # a free port for the kit's listener, which the court pushes to from the start
        probe.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{probe.getsockname()[1]}"
    push = ["--push-to", f"http://{listen}", "--push-key", "court-api-key", "--push-every", "0.1"]
    for url, _ in _sandbox(tmp_path, "wrong-key", extra=push):
        config = _config(tmp_path, url, test_endpoint=True)
        config.write_text(config.read_text().replace("test_endpoint = true\n", 'test_endpoint = true\nmode = "push"\n'))
        ran = docking("conformance", "--platform", "gz-odr", "--config", str(config), "--listen", listen, "-f", "json")
        assert ran.returncode == 1, ran.stderr
        report = json.loads(ran.stdout)
        assert report["mode"] == "push" and report["failed"] == ["push.signed", "push.receipt"]
        assert "court-api-key" not in ran.stdout and "Bearer c…" in ran.stdout  # its API key cut in the evidence


def test_bad_report_and_listen_options_are_refused_before_anything_is_sent(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9", test_endpoint=True)  # nothing listens there: nothing may run
    push = tmp_path / "push.toml"
    push.write_text(config.read_text().replace("test_endpoint = true\n", 'test_endpoint = true\nmode = "push"\n'))
    base = ("conformance", "--platform", "gz-odr", "--config")
    cases = [
        ((str(config), "--report", str(tmp_path / "missing" / "r.json")), "--report", "does not exist"),
        ((str(config), "--report", str(tmp_path)), "--report", "is a folder"),
        ((str(push), "--listen", "127.0.0.1:99999"), "--listen '127.0.0.1:99999'", "not between 1 and 65535"),
        ((str(config), "--listen", "127.0.0.1:99999"), "--listen '127.0.0.1:99999'", "--listen is for push"),
    ]
    for args, option, rule in cases:
        refused = docking(*base, *args)
        assert refused.returncode == 2 and option in refused.stderr and rule in refused.stderr, refused.stderr
        assert "Traceback" not in refused.stderr


def test_without_a_config_it_says_none_was_given(tmp_path: Path) -> None:
    (tmp_path / "docking.toml").write_text(_config(tmp_path, "http://127.0.0.1:9", test_endpoint=True).read_text())
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKING_")}
    refused = docking("conformance", "--platform", "gz-odr", cwd=tmp_path, env=env)
    assert refused.returncode == 2, refused.stderr
    assert "no configuration was given" in refused.stderr and "-c/--config or $DOCKING_CONFIG" in refused.stderr
