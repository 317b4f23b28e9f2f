"""`docking sandbox arbitration`: a sandbox arbitration commission on loopback, standalone, for integrators and
manual testing — read from its feed, or pushing to the centre's partner intake (partners.md §3 "Sandbox", §6)."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.errors import InvalidRequest
from cli import sandbox_serve as serve
from cli.output import console
from sandbox.arbitration import FAULTS, CommissionConfig, CommissionCore, CommissionServer
from sandbox.arbitration.push import CommissionPusher


def arbitration(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the commission trusts.")],
    host: serve.Host = "127.0.0.1",
    port: serve.Port = 8730,
    keys: Annotated[Path, typer.Option(help="Where the commission's key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    key_id: Annotated[str, typer.Option(help="The commission's key id.")] = "commission-2026-01",
    profile: serve.Profile = "jws-detached",
    name: Annotated[str, typer.Option(help="The commission's name.")] = "广州仲裁委员会",
    abbreviation: Annotated[
        str, typer.Option(help="Its short name in case numbers (（2026）穗仲案字第123号).")
    ] = "穗仲",
    case_no_format: Annotated[
        str, typer.Option(help="Case numbers: {year}, {abbr} and {n}.")
    ] = "（{year}）{abbr}案字第{n}号",
    first_case_number: Annotated[int, typer.Option(min=1)] = 123,
    fault: Annotated[list[str] | None, serve.fault_option("application", FAULTS)] = None,
    seconds_per_day: serve.SecondsPerDay = 60.0,
    push_to: serve.PushTo = None,
    push_key: Annotated[str | None, typer.Option(help="--push-to: the commission's API key (bearer).")] = None,
    partner: Annotated[
        str, typer.Option(help="--push-to: the commission's name in the centre's \\[partners.<name>].")
    ] = ("gzac"),
) -> None:
    """Serve a sandbox arbitration commission on HOST:PORT until Ctrl-C."""
    if push_to is not None and not push_key:
        raise InvalidRequest("--push-to needs --push-key (the commission's API key)")
    config = serve.configured(  # an unknown misbehaviour or a case-number form without {n}, named
        lambda: CommissionConfig(
            name=name,
            abbreviation=abbreviation,
            case_no_format=case_no_format,
            first_case_number=first_case_number,
            faults=tuple(fault or ()),
            seconds_per_day=seconds_per_day,
            commission_key_id=key_id,
            live=True,
        )
    )
    signer, verifier, own_key = serve.partner_keys(centre_key, keys, key_id, profile)
    core = CommissionCore(config, signer, verifier)
    server = serve.listening(lambda: CommissionServer(core, host, port), f"{host}:{port}").start()
    console.print(f"sandbox commission {name} on {server.url}  (key {key_id}: {keys / (key_id + '.pub')})")
    console.print(f'  base_url for \\[partners.{partner}] (kind = "arbitration"): {server.api}', soft_wrap=True)
    console.print(
        f"  control token: {server.control_token}  (POST /sandbox/misbehave, /sandbox/fail-next, /sandbox/forget, "
        "/sandbox/entrust; GET /sandbox/stats)"
    )
    serve.print_public_key(own_key)
    if push_to is not None:
        pusher = CommissionPusher(core, push_to, partner, api_key=push_key)
        pusher.start()
        console.print(f"  pushing to {pusher.endpoint}")
    serve.serve_until_interrupted(server.stop)
