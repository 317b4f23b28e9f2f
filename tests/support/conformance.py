"""A sandbox court (REST, SOAP, or REST pushing to the kit's listener) set up for `docking conformance`, misconfigured
as asked, and the kit run against it in-process (cli/conformance_cmd.py `run_kit`)."""

import socket
from pathlib import Path
from typing import Any

from adapter.conformance.report import Report
from cli.conformance_cmd import run_kit
from sandbox.court import SandboxConfig
from sandbox.pairing import pair
from sandbox.push import PushCourt


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_against(
    workdir: Path, kind: str, faults: tuple[str, ...] = (), profile: str = "jws-detached", **platform: Any
) -> tuple[Report, Any]:
    """The kit's report against a fresh sandbox court of `kind` (rest, soap, push) with 6 dispatched cases, and the
    court's core (to see what it was sent)."""
    pairing = pair(
        workdir,
        SandboxConfig(misconfigured=faults),
        profile=profile,  # type: ignore[arg-type]
        transport="soap" if kind == "soap" else "rest",
    )
    server = pairing.serve()
    pairing.core.dispatch(6)
    pusher = None
    options: dict[str, Any] = {"timeout": 5.0}
    try:
        if kind == "push":
            port = free_port()
            pusher = PushCourt(pairing.core, f"http://127.0.0.1:{port}", "court-api-key")
            pusher.start(0.05)
            options |= {"listen": f"127.0.0.1:{port}", "push_wait": 5.0}
            platform = {"mode": "push", **platform}
        settings = pairing.platform(server, **{"test_endpoint": True, **platform})
        return run_kit("court", settings, **options), pairing.core
    finally:
        if pusher is not None:
            pusher.stop()
        server.stop()
