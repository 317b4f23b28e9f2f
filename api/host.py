"""The API served from a thread of another process (`docking demo`): the same app and uvicorn settings as
`docking serve` (api/server.py), on a loopback port the system picks, over a runtime the caller built and whose
jobs it runs.

The sandbox may not import the API (pyproject import contracts: it drives it over HTTP, as a centre would), so
the CLI hands `run_demo` one of these: it satisfies sandbox.demo.ApiHost.
"""

import threading
import time

import uvicorn

from api.app import create_app
from api.clients import Role, add_client
from api.server import uvicorn_config
from scheduler import Runtime

START_SECONDS = 10.0


class ThreadedApi:
    """start(runtime) → base URL; client(runtime, name, role) → a new key; stop() (idempotent)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, runtime: Runtime) -> str:
        """Serve `runtime`'s app on `host`, port 0 (any free one); its base URL once it listens. RuntimeError if it
        does not listen within START_SECONDS (uvicorn says why in the log)."""
        config = uvicorn_config(create_app(runtime), runtime.settings.api, host=self.host, port=0)
        server = uvicorn.Server(config)
        self._server, self._thread = server, threading.Thread(target=server.run, name="api", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start on {self.host} within {START_SECONDS:g} s")
            time.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        return f"http://{self.host}:{port}"

    def client(self, runtime: Runtime, name: str, role: str) -> str:
        """A new API client `name` with `role` (centre, ops, admin, court:<platform>); its key, shown nowhere else."""
        return add_client(runtime.uow, name, Role.parse(role), runtime.clock(), actor="docking-demo")

    def stop(self) -> None:
        """Stop accepting, finish the requests in flight, return (at most the request time limit + 1 s)."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=30)
            self._server = self._thread = None
