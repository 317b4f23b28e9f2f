"""Every option's help and every command's text reach `--help` whole: a "[partners.<name>]" written in help was taken
as rich markup and swallowed ("name in the centre's ."); the three partner sandboxes and the other local servers
listen on distinct default ports, so an operator can start them side by side (issue 19)."""

import importlib
import pkgutil
import re
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

import cli
from cli import lazy
from cli.main import app

ROOT = typer.main.get_command(app)


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command under `group`, asked as click asks (the root builds its commands on first use: cli/lazy.py)."""
    found = [(path, group)]
    if hasattr(group, "list_commands"):
        context = group.make_context("docking", [], resilient_parsing=True)
        for name in group.list_commands(context):
            found += _commands(group.get_command(context, name), (*path, name))
    return found


COMMANDS = _commands(ROOT)
BRACKETED = [
    (path, text)
    for path, command in COMMANDS
    for text in [command.help or "", *(getattr(p, "help", None) or "" for p in command.params)]
    if re.search(r"\\?\[[a-z]", text)
]


def _flat(text: str) -> str:
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def test_bracketed_help_is_found() -> None:
    assert len(BRACKETED) >= 8  # [partners.<name>], [desks.<name>], [api], [alerts] … (the walk reached them)


@pytest.mark.parametrize(("path", "text"), BRACKETED, ids=[" ".join(p) + ":" + t[:30] for p, t in BRACKETED])
def test_help_with_table_names_renders_them(path: tuple[str, ...], text: str) -> None:
    shown = CliRunner().invoke(app, [*path, "--help"], terminal_width=400, env={"COLUMNS": "400"})
    expected = re.sub(r"\\(\[)", r"\1", text)  # rich's escape written in the source
    for table in re.findall(r"\[[a-z][^\]]*\]", expected):
        assert table in _flat(shown.output), (path, table)


def test_local_servers_default_to_distinct_ports() -> None:
    sandbox = dict(_commands(ROOT))
    ports = {
        path: next(p.default for p in command.params if p.name == "port")
        for path, command in sandbox.items()
        if path[:1] == ("sandbox",) and len(path) == 2 and any(p.name == "port" for p in command.params)
    }
    assert {("sandbox", "traffic"), ("sandbox", "arbitration"), ("sandbox", "spc")} <= set(ports)
    assert len(set(ports.values())) == len(ports), ports
    assert 8750 not in ports.values()  # the API's own default ([api] port)


def test_the_mode_word_is_poll_in_help() -> None:
    """`mode = "poll"` everywhere an operator reads it (courts, desks, partners, `docking status`, the demo JSON);
    "pull" stays accepted in config (tests/unit/test_partner_settings.py), never shown."""
    said = [(path, text) for path, command in COMMANDS for text in [command.help or "",
            *(getattr(p, "help", None) or "" for p in command.params)] if re.search(r"\bpull\b", text)]  # fmt: skip
    assert said == []


@pytest.mark.parametrize(("typed", "meant"), [(["stauts"], "'status'"), (["keys", "data-kye"], "'data-key'")])
def test_a_mistyped_command_is_answered_with_the_one_meant(typed: list[str], meant: str) -> None:
    """The root builds its commands on first use (cli/lazy.py): typer's suggestion, made from the commands built so
    far, found none at the root (cold review)."""
    shown = CliRunner().invoke(app, typed, terminal_width=400, env={"COLUMNS": "400"})
    assert shown.exit_code == 2 and f"Did you mean {meant}?" in _flat(shown.output), shown.output


def test_every_typer_of_the_cli_is_reachable_from_the_root() -> None:
    """cli/lazy.py's table is the command tree: a group of commands left out of it would never run."""
    pending = [getattr(importlib.import_module(module), attribute) for module, attribute in lazy.COMMANDS.values()]
    reached: list[typer.Typer] = []
    while pending:
        if isinstance(sub := pending.pop(), typer.Typer):
            reached.append(sub)
            pending.extend(group.typer_instance for group in sub.registered_groups)
    for info in (m for m in pkgutil.iter_modules(cli.__path__) if m.name != "__main__"):
        module = importlib.import_module(f"cli.{info.name}")
        for name, value in vars(module).items():
            if isinstance(value, typer.Typer) and value is not app:
                assert any(value is r for r in reached), f"cli.{info.name}.{name} is not under `docking`"
