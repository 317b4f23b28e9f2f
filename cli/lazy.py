"""The `docking` command tree, each command's module imported only when that command is run (or helped).

Why: importing every command's module took 5 s on a slow machine before any command could start (`docking status`
included); most of that is modules one command alone needs (the HTTP API, the scheduler, the report's xlsx writer
…). The tree is the table below, in the order `docking --help` lists it; a loader builds a command exactly as
`app.command(name)(f)` / `app.add_typer(sub, name=name)` would have (typer.main's own builders).
"""

from difflib import get_close_matches
from importlib import import_module

import typer
from typer.core import TyperGroup, _click  # the click TyperGroup is built on (typer >= 0.29 carries its own)
from typer.main import get_command_from_info, get_group_from_info
from typer.models import CommandInfo, TyperInfo

# name: (module, attribute): a function is one command, a Typer a group of them
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("cli.run_cmd", "demo"),
    "deadlines": ("cli.deadlines_cmd", "deadlines"),
    "run": ("cli.run_cmd", "run"),
    "serve": ("cli.serve_cmd", "serve"),
    "status": ("cli.status_cmd", "status"),
    "conformance": ("cli.conformance_cmd", "conformance"),
    "sign": ("cli.attest", "sign"),
    "verify": ("cli.attest", "verify"),
    "cases": ("cli.cases", "app"),
    "outbox": ("cli.ops", "outbox_app"),
    "events": ("cli.events_cmd", "app"),
    "complaints": ("cli.complaints_cmd", "app"),
    "partners": ("cli.partners_cmd", "app"),
    "roster": ("cli.roster_cmd", "app"),
    "alerts": ("cli.alerts_cmd", "app"),
    "audit": ("cli.audit_cmd", "app"),
    "evidence": ("cli.evidence_cmd", "app"),
    "quarantine": ("cli.quarantine_cmd", "app"),
    "keys": ("cli.keys", "app"),
    "sandbox": ("cli.sandbox_cmd", "app"),
    "centre": ("cli.centre", "app"),
    "db": ("cli.db_cmd", "app"),
    "mappings": ("cli.mappings_cmd", "app"),
    "clients": ("cli.clients_cmd", "app"),
    "reconcile": ("cli.reconcile_cmd", "app"),
    "report": ("cli.report_cmd", "app"),
}
# Modules that add commands to a group defined elsewhere (imported with the group's module).
EXTENDS: dict[str, tuple[str, ...]] = {
    "complaints": ("cli.complaints_ops",),
    "partners": ("cli.partners_ops",),
}


def _keys_app(app: typer.Typer) -> typer.Typer:
    """`docking keys`: its own commands and the key commands kept beside what they make (data keys, WS-Security
    and e-seal certificates)."""
    from cli import data_keys, seal_cert_cmd, wsse_cmd

    if not any(c.name == "data-key" for c in app.registered_commands):  # once per process
        app.command("data-key")(data_keys.new_data_key)
        app.command("rotate-data")(data_keys.rotate_data)
        app.command("wsse")(wsse_cmd.wsse)
        app.command("cert")(seal_cert_cmd.cert)
        app.command("csr")(seal_cert_cmd.csr)
    return app


class LazyGroup(TyperGroup):
    """The root group: COMMANDS built on first use."""

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*COMMANDS, *(name for name in super().list_commands(ctx) if name not in COMMANDS)]

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            self.commands[cmd_name] = self._load(cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        """As typer's, whose "Did you mean …?" looks among the commands built so far: none, on a typo."""
        try:
            return super().resolve_command(ctx, args)
        except _click.exceptions.UsageError as exc:
            close = get_close_matches(args[0], self.list_commands(ctx)) if args and self.suggest_commands else []
            if close and "Did you mean" not in exc.message:
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {', '.join(map(repr, close))}?"
            raise

    def _load(self, name: str) -> _click.Command:
        module, attribute = COMMANDS[name]
        target = getattr(import_module(module), attribute)
        for extension in EXTENDS.get(name, ()):
            import_module(extension)
        if not isinstance(target, typer.Typer):
            info = CommandInfo(name=name, callback=target)
            return get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=self.rich_markup_mode)
        sub = _keys_app(target) if name == "keys" else target
        group = get_group_from_info(
            TyperInfo(sub, name=name),
            pretty_exceptions_short=True,
            suggest_commands=self.suggest_commands,
            rich_markup_mode=self.rich_markup_mode,
        )
        group.name = name
        return group
