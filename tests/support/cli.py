"""The `docking` command as an operator runs it, in a child process: a command, a config file, `docking run`."""

import subprocess
import sys
import time
from pathlib import Path

from adapter.config.settings import Settings


def docking(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """`docking ARGS` in a child process; `check`: it must exit 0 (its stderr is the failure message)."""
    result = subprocess.run(
        [sys.executable, "-m", "cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
        env=env,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result


def write_config(settings: Settings, tmp_path: Path) -> Path:
    """A configuration naming the test's database and its data key, as an operator's docking.toml would."""
    assert settings.encryption is not None
    key = settings.encryption.keys["it"]
    assert key.key is not None
    path = tmp_path / "docking.toml"
    path.write_text(
        f'database_url = "{settings.database_url}"\n[encryption]\nactive = "it"\n'
        f'[encryption.keys.it]\nalgorithm = "{key.algorithm}"\nkey = "{key.key.get_secret_value()}"\n'
    )
    return path


def run_toml(settings: Settings) -> str:
    """The configuration `docking run` needs for the test court: database, delivery pace, platform and its keys."""
    platform = settings.platforms["court"]
    keys = ", ".join(f'"{k}" = "{v}"' for k, v in platform.signing.court_keys.items())
    return (
        f'database_url = "{settings.database_url}"\ndeliver_seconds = {settings.deliver_seconds}\n'
        f"deliver_batch = {settings.deliver_batch}\n[platforms.court]\n"
        f'base_url = "{platform.base_url}"\npoll_seconds = {platform.poll_seconds}\n'
        f"timeout_seconds = {platform.timeout_seconds}\nretry_base_seconds = {platform.retry_base_seconds}\n"
        f"retry_cap_seconds = {platform.retry_cap_seconds}\n[platforms.court.signing]\n"
        f'keyring = "{platform.signing.keyring}"\ncourt_keys = {{ {keys} }}\n'
    )


def start_run(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`docking run --config config`, its log appended to `log`; returns once it has said it started."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "run", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )
    deadline = time.monotonic() + 30
    while b"docking run:" not in log.read_bytes().split(b"=== start")[-1]:
        assert process.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
        time.sleep(0.02)
    return process
