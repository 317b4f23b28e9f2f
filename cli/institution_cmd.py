"""`docking sandbox institution`: sandbox complaint desks (a card centre, a life insurer, a green-channel P&C
insurer) on loopback, standalone, for integrators and manual testing — pulled from their feeds, or pushing to the
centre (partners.md §1 "Sandbox", §6)."""

from functools import partial
from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli import sandbox_serve as serve
from cli.output import console
from sandbox.institution import FAULTS, KINDS, DeskCore, DeskServer, InstitutionConfig
from sandbox.institution.push import DeskPusher
from sandbox.timeforms import FORMS
from signing.profiles import key_signer, key_verifier


def institution(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the desks trust.")],
    kind: Annotated[
        list[str], typer.Option(help=f"A desk to serve ({', '.join(KINDS)}); repeat for several, on ports from --port.")
    ] = ["card_centre"],  # noqa: B006 (typer reads the default; it is never mutated)
    host: serve.Host = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="The first desk's port; the next desks follow.")] = 8710,
    keys: Annotated[Path, typer.Option(help="Where the desks' key pairs live (created if absent).")] = Path(
        "sandbox-keys"
    ),
    profile: serve.Profile = "jws-detached",
    fault: Annotated[list[str] | None, serve.fault_option("complaint", FAULTS)] = None,
    seconds_per_day: serve.SecondsPerDay = 60.0,
    timestamp_format: Annotated[
        str, typer.Option(help="The form of the desks' times (as the platform's).")
    ] = "iso8601",
    push_to: serve.PushTo = None,
    push_key: Annotated[str | None, typer.Option(help="--push-to: the desk's API key (bearer).")] = None,
) -> None:
    """Serve sandbox complaint desks on HOST:PORT… until Ctrl-C (each desk key: KEYS/desk-<kind>.pub)."""
    if profile not in ("jws-detached", "sm2-sm3"):
        raise InvalidRequest(f"--profile {profile!r}: the standalone desks serve jws-detached or sm2-sm3")
    if timestamp_format not in FORMS:
        raise InvalidRequest(f"--timestamp-format {timestamp_format!r} is not one of {', '.join(FORMS)}")
    configs = serve.configured(  # an unknown kind or misbehaviour, named
        lambda: [
            InstitutionConfig(
                kind=name,
                faults=tuple(fault or ()),
                seconds_per_day=seconds_per_day,
                timestamp_format=timestamp_format,
                desk_key_id=f"desk-{name.replace('_', '-')}",
                live=True,
            )
            for name in kind
        ]
    )
    trusted = serve.trusted_centre_keys(centre_key)
    servers: list[DeskServer] = []
    for n, config in enumerate(configs):
        name = config.kind
        desk_key = serve.own_key(keys, config.desk_key_id, profile)
        core = DeskCore(config, key_signer(profile, desk_key, config.desk_key_id), key_verifier(profile, trusted))
        server = serve.listening(partial(DeskServer, core, host, port + n if port else 0), f"{host}:{port + n}").start()
        servers.append(server)
        public = keys / f"{config.desk_key_id}.pub"
        console.print(f"sandbox {name} desk on {server.url}  (desk key {config.desk_key_id}: {public})")
        console.print(f"  control token: {server.control_token}  (POST /sandbox/misbehave, /sandbox/fail-next)")
        serve.print_public_key(desk_key)
        if push_to is not None:
            platform = name.replace("_", "-")
            DeskPusher(core, push_to, platform, api_key=push_key).start()
            console.print(f"  pushing to {push_to}/api/desks/v1/{platform}/messages")
    serve.serve_until_interrupted(*[server.stop for server in servers])
