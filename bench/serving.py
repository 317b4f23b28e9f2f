"""The API served as `docking serve` serves it, in a child process of a bench (so the bench's client threads do not
share its GIL), on a free loopback port: bench/api.py and bench/push.py."""

import multiprocessing
import time
from collections.abc import Iterator
from contextlib import contextmanager

import requests
import uvicorn

from adapter.config.settings import Settings
from adapter.testing import free_port
from api.app import create_app
from api.server import uvicorn_config
from scheduler import build_runtime, settle

START_SECONDS = 60.0


def _serve(settings_json: str, port: int) -> None:
    runtime = build_runtime(Settings.model_validate_json(settings_json))
    server = uvicorn.Server(uvicorn_config(create_app(runtime), runtime.settings.api, host="127.0.0.1", port=port))
    settle()  # as `docking serve` does (api/server.py): the start-up heap frozen before serving
    server.run()


@contextmanager
def served(settings: Settings) -> Iterator[str]:
    """The base URL once /healthz answers; RuntimeError if the child dies or does not listen in START_SECONDS.
    The child is stopped (SIGTERM) on leaving."""
    port = free_port()
    child = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(settings.model_dump_json(), port), daemon=True
    )
    child.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                break
        except requests.ConnectionError:
            if not child.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the API did not start") from None
            time.sleep(0.05)
    try:
        yield base
    finally:
        child.terminate()
        child.join(timeout=10)
