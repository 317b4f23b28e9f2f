"""The `docking` command as an operator runs it, in a child process: a command, a config file, `docking run`."""

import atexit
import contextlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Protocol

from adapter.config.settings import Settings
from tests.support.file_modes import as_ordinary_user


def docking(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = False, operator: bool = False
) -> subprocess.CompletedProcess[str]:
    """`docking ARGS` in a child process; `check`: it must exit 0 (its stderr is the failure message); `operator`:
    run as an operator, root without its override of file modes (tests/support/file_modes.py).

    The child is forked from a process that imported the CLI already (tests/support/cli_fork.py), unless the
    environment is not the one that process started with (`env`, or a test's monkeypatch.setenv; pytest's own
    PYTEST_CURRENT_TEST and the terminal size aside): then it is a fresh interpreter, as something read at import
    time could differ."""
    command = [sys.executable, "-m", "cli", *args]
    environment = dict(os.environ if env is None else env)
    if _FORKS.same_environment(environment):
        result = _FORKS.run(list(args), cwd or Path.cwd(), operator, environment)
    else:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=240,
            cwd=cwd,
            env=env,
            preexec_fn=as_ordinary_user if operator else None,
        )
    if check:
        assert result.returncode == 0, result.stderr
    return result


class _Forks:
    """The fork server of `docking` commands, started at the first one and stopped when the tests end."""

    def __init__(self) -> None:
        self.environment = dict(os.environ)
        self.process: subprocess.Popen[str] | None = None
        self.folder = Path(tempfile.mkdtemp(prefix="docking-forks-"))
        self.socket = str(self.folder / "socket")

    def same_environment(self, environment: Mapping[str, str]) -> bool:
        return _steady(environment, self.environment) == _steady(self.environment, self.environment)

    def _start(self) -> None:
        if self.process is not None and self.process.poll() is None:
            return
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.socket)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.cli_fork", self.socket],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
            env=self.environment,
        )
        assert self.process.stdout is not None
        assert self.process.stdout.readline().strip() == "ready", "the docking fork server did not start"
        atexit.register(self.close)

    def run(
        self, args: list[str], cwd: Path, operator: bool, environment: dict[str, str]
    ) -> subprocess.CompletedProcess[str]:
        self._start()
        out, err = self.folder / f"{uuid.uuid4().hex}.out", self.folder / f"{uuid.uuid4().hex}.err"
        request = {
            "args": args,
            "cwd": str(cwd),
            "env": environment,
            "stdout": str(out),
            "stderr": str(err),
            "operator": operator,
        }
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
            connection.settimeout(240)
            connection.connect(self.socket)
            connection.sendall((json.dumps(request) + "\n").encode())
            with connection.makefile("r") as answer:
                status = answer.readline()
        assert status, "the docking fork server did not answer"
        try:
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "cli", *args], int(status), out.read_text(), err.read_text()
            )
        finally:
            out.unlink(missing_ok=True)
            err.unlink(missing_ok=True)

    def close(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None
        shutil.rmtree(self.folder, ignore_errors=True)


def _steady(environment: Mapping[str, str], server: Mapping[str, str]) -> dict[str, str]:
    """The environment but for what may differ from the fork server's and still be the same command (it gets the
    whole environment all the same): what pytest sets per test phase, and the terminal size — rich reads COLUMNS and
    LINES as it prints unless a console was made with them (cli/output.py makes its consoles at import), so only
    while the server was started without them."""
    ignored = {"PYTEST_CURRENT_TEST"}
    if not any(name in server for name in ("COLUMNS", "LINES")):
        ignored |= {"COLUMNS", "LINES"}
    return {name: value for name, value in environment.items() if name not in ignored}


_FORKS = _Forks()


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
        f"retry_cap_seconds = {platform.retry_cap_seconds}\nmax_in_flight = {platform.max_in_flight}\n"
        "[platforms.court.signing]\n"
        f'keyring = "{platform.signing.keyring}"\ncourt_keys = {{ {keys} }}\n'
    )


def start_run(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`docking run --config config`, its log appended to `log`; returns once it has said it started."""
    process = spawn_run(config, log)
    wait_started(process, log)
    return process


def spawn_run(config: Path, log: Path) -> subprocess.Popen[bytes]:
    """`docking run --config config`, its log appended to `log`, not waited for (several start side by side)."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "run", "--config", str(config)], stdout=subprocess.DEVNULL, stderr=log.open("ab")
    )


class _Process(Protocol):
    def poll(self) -> int | None: ...


def wait_started(process: _Process, log: Path) -> None:
    """Until `docking run` has said in `log` (after its last "=== start" line) that it started; fails if it exits
    or 30 s pass first."""
    deadline = time.monotonic() + 30
    while b"docking run:" not in _written(log).split(b"=== start")[-1]:
        assert process.poll() is None and time.monotonic() < deadline, _written(log).decode(errors="replace")[-2000:]
        time.sleep(0.02)


def _written(log: Path) -> bytes:
    """What `log` holds so far: nothing yet if it is not there (a forked process, tests/support/serve_fork.py, opens
    its log itself, a moment after its start was answered)."""
    try:
        return log.read_bytes()
    except FileNotFoundError:
        return b""


def printed_urls(process: subprocess.Popen[str], count: int = 1, *, lines: int = 60) -> list[str]:
    """The first `count` loopback URLs a started sandbox prints (path included), read from its stdout."""
    assert process.stdout is not None
    urls: list[str] = []
    for _ in range(lines):
        found = re.search(r"http://127\.0\.0\.1:\d+\S*", process.stdout.readline())
        if found:
            urls.append(found.group(0))
        if len(urls) == count:
            return urls
    raise AssertionError(f"the sandbox printed {len(urls)} of {count} URLs")


@contextlib.contextmanager
def served(*args: str) -> Iterator[subprocess.Popen[str]]:
    """`docking ARGS` (a standalone sandbox) as a child process, its output piped; killed on leaving."""
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield process
    finally:
        process.kill()
        process.wait()
