"""The real API under uvicorn on a free loopback port, over a real runtime; clients with keys; a requests session."""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import requests
import uvicorn

from adapter.config.settings import Settings
from api.app import create_app
from api.clients import Role, add_client
from api.server import uvicorn_config
from scheduler import Runtime
from schemas.clock import utc_now

ROLES = ("centre", "ops", "admin", "court:court", "court:other")


@contextmanager
def served(runtime: Runtime) -> Iterator[str]:
    """The app on 127.0.0.1 (port 0: any free one), in a thread; its base URL."""
    server = uvicorn.Server(uvicorn_config(create_app(runtime), runtime.settings.api, host="127.0.0.1", port=0))
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def keys(runtime: Runtime) -> dict[str, str]:
    """One client per role (court:other names a platform the runtime does not have)."""
    return {role: add_client(runtime.uow, role.replace(":", "-"), Role.parse(role), utc_now()) for role in ROLES}


class Api:
    """requests against the served API as one client."""

    def __init__(self, base: str, key: str | None) -> None:
        self.base, self.session = base, requests.Session()
        if key is not None:
            self.session.headers["Authorization"] = f"Bearer {key}"

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(self.base + path, timeout=30, **kwargs)

    def post(self, path: str, json: Any = None, *, key: str | None = None, **kwargs: Any) -> requests.Response:
        headers = {"Idempotency-Key": key or uuid.uuid4().hex, **kwargs.pop("headers", {})}
        return self.session.post(self.base + path, json=json, headers=headers, timeout=30, **kwargs)

    def act(self, case_id: str, action: str, json: Any = None, **kwargs: Any) -> requests.Response:
        return self.post(f"/api/centre/v1/cases/{case_id}/{action}", json, **kwargs)

    def ok(self, case_id: str, action: str, json: Any = None, **kwargs: Any) -> dict[str, Any]:
        answer = self.act(case_id, action, json, **kwargs)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body


def config_toml(settings: Settings, *, port: int, api: str = "") -> str:
    """A config file for `docking serve`: the database, the REST court of the integration fixtures, [api]."""
    lines = [f'database_url = "{settings.database_url}"', "deliver_seconds = 0.2"]
    for name, platform in settings.platforms.items():
        court_keys = ", ".join(f'"{k}" = "{v}"' for k, v in platform.signing.court_keys.items())
        lines += [
            f"[platforms.{name}]",
            f'base_url = "{platform.base_url}"',
            f'mode = "{platform.mode}"',
            "poll_seconds = 0.2",
            f"[platforms.{name}.signing]",
            f'keyring = "{platform.signing.keyring}"',
            f"court_keys = {{ {court_keys} }}",
        ]
    lines += ["[api]", f"port = {port}", api]
    return "\n".join(lines) + "\n"


def serve_process(config: Path) -> "subprocess.Popen[bytes]":
    """`docking serve --config CONFIG` as a process of its own (API + jobs), its output discarded."""
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class Serving(Protocol):
    def poll(self) -> int | None: ...

    def send_signal(self, signum: int, /) -> None: ...

    def wait(self, timeout: float) -> object: ...


class Forks:
    """`docking serve` (or `docking run`: `command`) processes forked from one that imported it already
    (tests/support/serve_fork.py); each handled as a Popen is, its exit status included."""

    def __init__(self, config: Path, command: str = "serve", cwd: Path | None = None) -> None:
        """`cwd`: the processes' working folder (relative paths in `config` are found from there)."""
        self.parent = subprocess.Popen(
            [sys.executable, "-m", "tests.support.serve_fork", str(config), command, str(cwd or Path.cwd())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.lock = threading.Lock()  # one question and its answer at a time on the pipes

    def ask(self, line: str) -> str:
        with self.lock:
            assert self.parent.stdin is not None and self.parent.stdout is not None
            self.parent.stdin.write(line + "\n")
            self.parent.stdin.flush()
            answer = self.parent.stdout.readline().strip()
        assert answer, "the serve fork process did not answer"
        return answer

    def start(self, log: Path | None = None) -> "Forked":
        """One more process; its stderr appended to `log`, or discarded."""
        return Forked(self, int(self.ask("start" if log is None else f"start {log}")))

    def close(self) -> None:
        self.parent.kill()
        self.parent.wait(timeout=10)


@dataclass
class Forked:
    """One forked `docking serve` (or `docking run`), handled as a Popen is: poll, send_signal, wait."""

    forks: Forks
    pid: int

    def poll(self) -> int | None:
        """None while it runs, then its exit status (the code, or minus the signal that ended it)."""
        answer = self.forks.ask(f"status {self.pid}")
        return None if answer == "running" else int(answer)

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:  # not once it has ended: its pid may be another process's by then
            os.kill(self.pid, signum)

    def wait(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.poll()) is None:
            assert time.monotonic() < deadline, f"{self.pid} did not stop within {timeout:g} s"
            time.sleep(0.02)
        return code


def wait_up(base: str, server: Serving, seconds: float = 30) -> None:
    """Until `base`/healthz answers; fails if the process exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "serve exited"
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    raise AssertionError("serve did not come up")


def kill_during(server: Serving, workers: list[Callable[[threading.Event], None]], after: float) -> None:
    """Start each worker in a thread (it runs until its stop event is set), SIGKILL `server` after `after` seconds
    of their burst, wait for it to die, then stop the workers and join them."""
    stop = threading.Event()
    threads = [threading.Thread(target=worker, args=(stop,)) for worker in workers]
    for thread in threads:
        thread.start()
    try:
        time.sleep(after)
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:  # the workers stop whatever happened: left running, they would keep the test process alive
        stop.set()
        for thread in threads:
            thread.join(timeout=30)


def flow_c_case(platform_case_id: str) -> dict[str, Any]:
    """A self-received (flow C) case as the centre registers it over the API: two natural persons, ¥100."""
    return {
        "platform_case_id": platform_case_id,
        "flow": "self_received",
        "cause": "信用卡纠纷",
        "amount": "100.00",
        "parties": [
            {"name": "甲", "role": "applicant", "kind": "natural_person", "id_type": "resident_id",
             "id_number": "11010519491231002X"},
            {"name": "乙", "role": "respondent", "kind": "natural_person", "id_type": "resident_id",
             "id_number": "110105194912310046"},
        ],
        "dispatched_at": "2026-11-20T09:00:00+08:00",
    }  # fmt: skip


def until(check: Callable[[], Any], seconds: float = 30) -> Any:
    """The first truthy value `check()` gives within `seconds`, polling every 0.2 s; a server not listening yet
    counts as not yet. Fails naming the check and the last thing it gave, so a hung wait says what it waited for."""
    deadline, last = time.monotonic() + seconds, None
    while time.monotonic() < deadline:
        try:
            last = check()
        except requests.ConnectionError as exc:
            last = f"not listening ({type(exc).__name__})"
        else:
            if last:
                return last
        time.sleep(0.2)
    raise AssertionError(f"{getattr(check, '__qualname__', check)} not true within {seconds:g} s; last: {last!r}")
