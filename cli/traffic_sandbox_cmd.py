"""`docking sandbox traffic`: a sandbox road-traffic accident platform (道交一体化) on loopback, standalone, for
integrators and manual testing — a police feed of offers, an appraiser and an insurer, pulled from its feed or
pushing to the centre (partners.md §2 "Sandbox", §6)."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli.output import console
from cli.sandbox_serve import (
    Host,
    Port,
    Profile,
    PushTo,
    SecondsPerDay,
    configured,
    fault_option,
    listening,
    partner_keys,
    print_public_key,
    serve_until_interrupted,
)
from sandbox.timeforms import FORMS
from sandbox.traffic import FAULTS, TrafficConfig, TrafficCore, TrafficServer
from sandbox.traffic.push import TrafficPusher


def traffic(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the platform trusts.")],
    host: Host = "127.0.0.1",
    port: Port = 8720,
    keys: Annotated[Path, typer.Option(help="Where the platform's key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    platform_key_id: Annotated[str, typer.Option()] = "traffic-2026-01",
    profile: Profile = "jws-detached",
    offers: Annotated[int, typer.Option(min=0, help="Cases the police feed offers at start-up.")] = 5,
    fault: Annotated[list[str] | None, fault_option("case", FAULTS)] = None,
    seconds_per_day: SecondsPerDay = 60.0,
    appraisal_days: Annotated[int, typer.Option(min=1, help="Working days from appraisal request to result.")] = 5,
    seed: Annotated[int, typer.Option()] = 19,
    timestamp_format: Annotated[
        str, typer.Option(help="The form of the platform's times (give the adapter's partner the same).")
    ] = "iso8601",
    push_to: PushTo = None,
    push_key: Annotated[str | None, typer.Option(help="--push-to: the platform's API key (bearer).")] = None,
    partner: Annotated[
        str, typer.Option(help="--push-to: the platform's name in the centre's [partners].")
    ] = "traffic",
) -> None:
    """Serve a sandbox traffic-accident platform on HOST:PORT until Ctrl-C (its key: KEYS/<platform-key-id>.pub)."""
    if timestamp_format not in FORMS:
        raise InvalidRequest(f"--timestamp-format {timestamp_format!r} is not one of {', '.join(FORMS)}")
    if push_to is not None and not push_key:
        raise InvalidRequest("--push-to needs --push-key (the platform's API key at the centre)")
    config = configured(  # an unknown misbehaviour or form, named
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
    signer, verifier, platform_key = partner_keys(centre_key, keys, platform_key_id, profile)
    core = TrafficCore(config, signer, verifier)
    server = listening(lambda: TrafficServer(core, host, port), f"{host}:{port}").start()
    core.offer(offers)
    console.print(
        f"sandbox traffic platform on {server.api}  (key {platform_key_id}: {keys / (platform_key_id + '.pub')})"
    )
    console.print(
        f"control token: {server.control_token}  (POST /sandbox/offer, /sandbox/misbehave, /sandbox/fail-next, "
        "/sandbox/forget; GET /sandbox/stats)"
    )
    print_public_key(platform_key)
    if push_to is not None:
        pusher = TrafficPusher(core, push_to, partner, api_key=push_key)
        pusher.start()
        console.print(f"pushing to {pusher.endpoint}")
    serve_until_interrupted(server.stop)
