"""`docking sandbox traffic`: a sandbox road-traffic accident platform (道交一体化) on loopback, standalone, for
integrators and manual testing — a police feed of offers, an appraiser and an insurer, pulled from its feed or
pushing to the centre (partners.md §2 "Sandbox", §6)."""

import threading
from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli.output import console
from sandbox.timeforms import FORMS
from sandbox.traffic import FAULTS, TrafficConfig, TrafficCore, TrafficServer
from sandbox.traffic.push import TrafficPusher
from signing.keyfiles import public_pem


def traffic(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the platform trusts.")],
    host: Annotated[str, typer.Option(help="Listen address (loopback unless you mean otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535)] = 8720,
    keys: Annotated[Path, typer.Option(help="Where the platform's key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    platform_key_id: Annotated[str, typer.Option()] = "traffic-2026-01",
    profile: Annotated[str, typer.Option(help="jws-detached (EdDSA) or sm2-sm3.")] = "jws-detached",
    offers: Annotated[int, typer.Option(min=0, help="Cases the police feed offers at start-up.")] = 5,
    fault: Annotated[
        list[str] | None, typer.Option(help=f"A misbehaviour of every case ({', '.join(FAULTS)}); repeatable.")
    ] = None,
    seconds_per_day: Annotated[float, typer.Option(min=0.001, help="Real seconds per simulated day.")] = 60.0,
    appraisal_days: Annotated[int, typer.Option(min=1, help="Working days from appraisal request to result.")] = 5,
    seed: Annotated[int, typer.Option()] = 19,
    timestamp_format: Annotated[
        str, typer.Option(help="The form of the platform's times (give the adapter's partner the same).")
    ] = "iso8601",
    push_to: Annotated[
        str | None, typer.Option(help="Push each item to the centre at this base URL instead of waiting to be read.")
    ] = None,
    push_key: Annotated[str | None, typer.Option(help="--push-to: the platform's API key (bearer).")] = None,
    partner: Annotated[
        str, typer.Option(help="--push-to: the platform's name in the centre's \\[partners.<name>].")
    ] = "traffic",
) -> None:
    """Serve a sandbox traffic-accident platform on HOST:PORT until Ctrl-C (its key: KEYS/<platform-key-id>.pub)."""
    from cli.sandbox_cmd import _court_keys  # the standalone sandboxes' one key arrangement (a late import: no cycle)

    if timestamp_format not in FORMS:
        raise InvalidRequest(f"--timestamp-format {timestamp_format!r} is not one of {', '.join(FORMS)}")
    if push_to is not None and not push_key:
        raise InvalidRequest("--push-to needs --push-key (the platform's API key at the centre)")
    try:
        config = TrafficConfig(
            faults=tuple(fault or ()),
            seconds_per_day=seconds_per_day,
            appraisal_days=appraisal_days,
            platform_key_id=platform_key_id,
            timestamp_format=timestamp_format,
            seed=seed,
            live=True,
        )
    except ValueError as exc:  # an unknown misbehaviour or form, named
        raise InvalidRequest(str(exc)) from exc
    signer, verifier, platform_key = _court_keys(centre_key, keys, platform_key_id, profile)
    core = TrafficCore(config, signer, verifier)
    try:
        server = TrafficServer(core, host, port)
    except OSError as exc:
        raise InvalidRequest(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    server.start()
    core.offer(offers)
    console.print(
        f"sandbox traffic platform on {server.api}  (key {platform_key_id}: {keys / (platform_key_id + '.pub')})"
    )
    console.print(
        f"control token: {server.control_token}  (POST /sandbox/offer, /sandbox/misbehave, /sandbox/fail-next, "
        "/sandbox/forget; GET /sandbox/stats)"
    )
    console.print(public_pem(platform_key.public_key()).decode().strip(), highlight=False)
    if push_to is not None:
        pusher = TrafficPusher(core, push_to, partner, api_key=push_key)
        pusher.start()
        console.print(f"pushing to {pusher.endpoint}")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
