"""`docking clients add|list|revoke`: who may call the HTTP API, with which role (api/clients.py)."""

from typing import Annotated

import typer

from api.clients import Role, add_client, revoke_client
from api.clients import list_clients as listed
from cli.output import ConfigOption, Format, FormatOption, console, err, render
from scheduler import bootstrap
from schemas.clock import utc_now

Actor = Annotated[str, typer.Option(envvar="USER", help="Who does it (audit table; default: $USER).")]
app = typer.Typer(help="API clients: keys and roles for the HTTP API.", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The client's name (letters, digits, . _ -).")],
    role: Annotated[str, typer.Option(help="centre, ops, admin, court:<platform>, desk:<desk> or partner:<partner>.")],
    actor: Actor = "operator",
    config: ConfigOption = None,
) -> None:
    """Create a client and print its key — once: only its SHA-256 is kept."""
    settings = bootstrap.load(config)
    configured = (frozenset(settings.platforms), frozenset(settings.desks), frozenset(settings.partners))
    parsed = Role.parse(role, *configured, client=name)
    key = add_client(bootstrap.open_store(settings), name, parsed, utc_now(), actor=actor)
    err.print(f"client {name} ({parsed}) created; its key, shown only now:", highlight=False)
    print(key)


@app.command("list")
def list_clients(config: ConfigOption = None, fmt: FormatOption = Format.table) -> None:
    """Every client, its role, key prefix, and when it was created or revoked (never the key)."""
    rows = [
        {
            "name": c.name,
            "role": c.role,
            "key_prefix": c.key_prefix,
            "created_at": c.created_at,
            "revoked_at": c.revoked_at,
            "state": "revoked" if c.revoked_at else "active",
        }
        for c in listed(bootstrap.open_store(bootstrap.load(config), read_only=True))
    ]
    render(rows, ["name", "role", "key_prefix", "state", "created_at", "revoked_at"], fmt, title="API clients")


@app.command("revoke")
def revoke(name: Annotated[str, typer.Argument()], actor: Actor = "operator", config: ConfigOption = None) -> None:
    """Revoke a client's key at once: its next request is a 401."""
    row = revoke_client(bootstrap.open_store(bootstrap.load(config)), name, utc_now(), actor=actor)
    console.print(f"client {row.name} revoked", highlight=False)
