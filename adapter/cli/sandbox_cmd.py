"""`docking sandbox serve`: the simulated REST court, standalone, for integrators and manual testing."""

import threading
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives import serialization

from adapter.cli.output import console
from adapter.errors import InvalidRequest
from adapter.keys import KeyFileError, generate_keypair, load_private_key, load_public_key

app = typer.Typer(help="The sandbox court platform.", no_args_is_help=True)


@app.command("serve")
def serve(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the court trusts.")],
    host: Annotated[str, typer.Option(help="Listen address (loopback unless you mean otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8700,
    keys: Annotated[Path, typer.Option(help="Where the court's own key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    court_key_id: Annotated[str, typer.Option()] = "court-2026-01",
    dispatch: Annotated[int, typer.Option(min=0, help="Cases to dispatch at start-up.")] = 10,
    seed: Annotated[int, typer.Option()] = 7,
) -> None:
    """Serve a court ODR platform on HOST:PORT until Ctrl-C."""
    from sandbox.court import CourtCore, SandboxConfig
    from sandbox.rest import SandboxServer

    trusted = {}
    for item in centre_key:
        kid, sep, path = item.partition("=")
        if not sep or not kid or not path:
            raise InvalidRequest(f"--centre-key {item!r} must look like KEY_ID=PATH")
        try:
            trusted[kid] = load_public_key(Path(path))
        except KeyFileError as exc:
            raise InvalidRequest(str(exc)) from exc
    private = keys / f"{court_key_id}.key"
    try:
        if not private.exists():
            generate_keypair(keys, court_key_id)
        court_key = load_private_key(private)
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from exc
    core = CourtCore(SandboxConfig(seed=seed, court_key_id=court_key_id), court_key, trusted)
    core.dispatch(dispatch)
    try:
        server = SandboxServer(core, host, port)
    except OSError as exc:
        raise InvalidRequest(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    public = court_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    console.print(f"sandbox court on {server.url}  (court key {court_key_id}: {keys / (court_key_id + '.pub')})")
    console.print(
        f"control token: {server.control_token}  (POST /sandbox/dispatch, /sandbox/inject; GET /sandbox/stats)"
    )
    console.print(public.decode().strip(), highlight=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
