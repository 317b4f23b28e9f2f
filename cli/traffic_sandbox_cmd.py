"""`docking sandbox traffic`: a sandbox road-traffic accident platform (道交一体化) on loopback, standalone, for
integrators and manual testing — a police feed of offers, an appraiser and an insurer, pulled from its feed or
pushing to the centre (partners.md §2 "Sandbox", §6)."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli import sandbox_serve as serve
from cli.output import console
from sandbox.timeforms import FORMS
from sandbox.traffic import FAULTS, TrafficConfig, TrafficCore, TrafficServer
from sandbox.traffic.push import TrafficPusher


def traffic(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the platform trusts.")],
    host: serve.Host = "127.0.0.1",
    port: serve.Port = 8720,
    keys: Annotated[Path, typer.Option(help="Where the platform's key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    platform_key_id: Annotated[str, typer.Option()] = "traffic-2026-01",
    profile: serve.Profile = "jws-detached",
    offers: Annotated[int, typer.Option(min=0, help="Cases the police feed offers at start-up.")] = 5,
    fault: Annotated[list[str] | None, serve.fault_option("case", FAULTS)] = None,
    seconds_per_day: serve.SecondsPerDay = 60.0,
    appraisal_days: Annotated[int, typer.Option(min=1, help="Working days from appraisal request to result.")] = 5,
    seed: Annotated[int, typer.Option()] = 19,
    timestamp_format: Annotated[
        str, typer.Option(help="The form of the platform's times (give the adapter's partner the same).")
    ] = "iso8601",
    push_to: serve.PushTo = None,
    push_key: Annotated[str | None, typer.Option(help="--push-to: the platform's API key (bearer).")] = None,
    partner: Annotated[
        str, typer.Option(help="--push-to: the platform's name in the centre's \\[partners.<name>].")
    ] = "traffic",
) -> None:
    """Serve a sandbox traffic-accident platform on HOST:PORT until Ctrl-C (its key: KEYS/<platform-key-id>.pub)."""
    if timestamp_format not in FORMS:
        raise InvalidRequest(f"--timestamp-format {timestamp_format!r} is not one of {', '.join(FORMS)}")
    if push_to is not None and not push_key:
        raise InvalidRequest("--push-to needs --push-key (the platform's API key at the centre)")
    config = serve.configured(  # an unknown misbehaviour or form, named
        lambda: TrafficConfig(
            faults=tuple(fault or ()),
            seconds_per_day=seconds_per_day,
            appraisal_days=appraisal_days,
            platform_key_id=platform_key_id,
            timestamp_format=timestamp_format,
            seed=seed,
            live=True,
        )
    )
    signer, verifier, platform_key = serve.partner_keys(centre_key, keys, platform_key_id, profile)
    core = TrafficCore(config, signer, verifier)
    server = serve.listening(lambda: TrafficServer(core, host, port), f"{host}:{port}").start()
    core.offer(offers)
    console.print(
        f"sandbox traffic platform on {server.api}  (key {platform_key_id}: {keys / (platform_key_id + '.pub')})"
    )
    console.print(
        f"control token: {server.control_token}  (POST /sandbox/offer, /sandbox/misbehave, /sandbox/fail-next, "
        "/sandbox/forget; GET /sandbox/stats)"
    )
    serve.print_public_key(platform_key)
    if push_to is not None:
        pusher = TrafficPusher(core, push_to, partner, api_key=push_key)
        pusher.start()
        console.print(f"pushing to {pusher.endpoint}")
    serve.serve_until_interrupted(server.stop)
