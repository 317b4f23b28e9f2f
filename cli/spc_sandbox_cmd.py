"""`docking sandbox spc`: the sandbox SPC mediation platform (总对总 rosters and self-received registrations,
partners.md §4 "Sandbox") on loopback, standalone, for integrators and manual testing — polled through its roster
listing, or calling the centre back with each certification."""

import threading
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli.output import console
from cli.sandbox_serve import Host, Port, configured, fault_option, listening, serve_until_interrupted
from sandbox.spc import FAULTS, SpcConfig, SpcCore, SpcServer
from sandbox.spc.push import SpcCallbacks
from signing.hmac_appkey import HmacSigner


def spc(
    host: Host = "127.0.0.1",
    port: Port = 8740,
    username: Annotated[str, typer.Option(help="The centre's account on the platform.")] = "centre",
    password: Annotated[
        str, typer.Option(envvar="SPC_SANDBOX_PASSWORD", help="Its password (or the environment variable).")
    ] = "sandbox-password",
    fault: Annotated[list[str] | None, fault_option("", FAULTS)] = None,
    certify_after: Annotated[float, typer.Option(min=0, help="Seconds from a submission to its certification.")] = 5.0,
    session_seconds: Annotated[float, typer.Option(min=1, help="How long an unused session lives.")] = 1800.0,
    session_requests: Annotated[
        int, typer.Option(min=1, help="--fault session_expiry: requests a session answers before it ends.")
    ] = 3,
    callback_to: Annotated[
        str | None, typer.Option(help="Call the centre back at this URL (its push endpoint) with each answer.")
    ] = None,
    callback_key: Annotated[str | None, typer.Option(help="--callback-to: the platform's API key (bearer).")] = None,
    push_app_key: Annotated[
        str | None,
        typer.Option(help="--callback-to: sign each callback under hmac-appkey with this app key (partners.md §6)."),
    ] = None,
    push_app_secret: Annotated[
        str | None,
        typer.Option(envvar="SPC_SANDBOX_PUSH_APP_SECRET", help="--push-app-key: its secret (or the environment)."),
    ] = None,
    callback_secret: Annotated[
        str | None,
        typer.Option(
            envvar="SPC_SANDBOX_CALLBACK_KEY",
            help="The shared key of each row's X-Spc-Signature (listing and callbacks).",
        ),
    ] = None,
) -> None:
    """Serve a sandbox SPC platform on HOST:PORT until Ctrl-C."""
    config = configured(  # an unknown misbehaviour, named
        lambda: SpcConfig(
            username=username,
            password=password,
            faults=tuple(fault or ()),
            certify_after=certify_after,
            session_seconds=session_seconds,
            session_requests=session_requests,
            callback_key=callback_secret,
        )
    )
    if callback_to is not None and not callback_key:
        raise InvalidRequest("--callback-to needs --callback-key (the platform's API key at the centre)")
    core = SpcCore(config)
    server = listening(lambda: SpcServer(core, host, port), f"{host}:{port}").start()
    console.print(
        f"sandbox SPC platform on {server.url}  (account {username}; faults: {', '.join(config.faults) or 'none'})"
    )
    console.print(
        f"  control token: {server.control_token}  (POST /sandbox/fail-next, /sandbox/forget, /sandbox/expire-sessions)"
    )
    callbacks = None
    if callback_to is not None:
        if bool(push_app_key) != bool(push_app_secret):
            raise InvalidRequest("--push-app-key and --push-app-secret go together (the hmac-appkey pair)")
        signer = HmacSigner(push_app_key, push_app_secret.encode()) if push_app_key and push_app_secret else None
        callbacks = SpcCallbacks(core, callback_to, api_key=callback_key, signer=signer)
        callbacks.start()
        console.print(f"  calling back {callback_to}")
    else:
        threading.Thread(target=_ticking, args=(core,), daemon=True).start()
    serve_until_interrupted(*([callbacks.stop] if callbacks is not None else []), server.stop)


def _ticking(core: SpcCore) -> None:
    """Without callbacks, certifications still come due (the listing shows them; a listing request ticks too)."""
    stop = threading.Event()
    while not stop.wait(0.5):
        core.tick()
