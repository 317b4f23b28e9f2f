"""The CLI's tables show values as written: a quarantine detail naming "[desks.x] push_window_seconds", a holiday
note naming "[deadlines] holiday_file" or a complaint's facts holding brackets are data, never rich markup (which
silently swallowed them)."""

import io

import pytest
from rich.console import Console

from cli import output
from cli.output import Format, render, render_record


def test_values_in_tables_are_text_not_markup(monkeypatch: pytest.MonkeyPatch) -> None:
    shown = Console(width=200, record=True, file=io.StringIO())
    monkeypatch.setattr(output, "console", shown)
    render([{"detail": "outside ±300 s ([desks.life-insurer] push_window_seconds)"}], ["detail"], Format.table)
    render_record({"facts": "[red]账单[/red] [bold]多收[/bold]"}, "complaint")
    text = shown.export_text()
    assert "([desks.life-insurer] push_window_seconds)" in text
    assert "[red]账单[/red] [bold]多收[/bold]" in text
