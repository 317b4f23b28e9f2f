"""`docking sandbox serve` freezes its start-up heap before it serves (as `docking run` does, scheduler/process.py
settle), over either transport: the REST court is the benchmarks' raw baseline, treated as the SOAP court is."""

from pathlib import Path
from typing import Any

import pytest

import cli.sandbox_cmd
from sandbox.pairing import key_and_certificate
from signing.keyfiles import generate_keypair

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("transport", "frozen"), [("soap", 1), ("rest", 1)])
def test_the_court_settles_before_serving(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, transport: str, frozen: int
) -> None:
    events: list[str] = []
    original_start = cli.sandbox_cmd.BaseSandboxServer.start

    def start(server: Any) -> Any:
        events.append("start")
        return original_start(server)

    monkeypatch.setattr(cli.sandbox_cmd, "settle", lambda: events.append("settle"))
    monkeypatch.setattr(cli.sandbox_cmd.BaseSandboxServer, "start", start)
    monkeypatch.setattr(cli.sandbox_cmd, "serve_until_interrupted", lambda stop: stop())  # served, then stopped
    pair = generate_keypair(tmp_path / "centre", "centre-1")
    (tmp_path / "wsse").mkdir()
    certificates = [key_and_certificate(tmp_path / "wsse", "centre", "rsa")[1]] if transport == "soap" else None
    cli.sandbox_cmd.serve(
        centre_key=[f"centre-1={pair.public}"],
        port=0,
        keys=tmp_path / "court",
        dispatch=0,
        transport=transport,
        centre_cert=certificates,
    )
    assert events == ["settle"] * frozen + ["start"]
