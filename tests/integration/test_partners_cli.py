"""`docking partners …` in-process (the toy kind is registered by a fixture, which a child process would not have):
open and act from JSON files, list with a cursor, show masked, refusals naming the file and the field, the queue
commands (deliver through the fake transport, dead, deadlines) — on SQLite."""

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapter.errors import InvalidRequest
from adapter.partners import views
from adapter.persistence.partner_store import StalePartnerRecord
from cli.main import app
from schemas.clock import utc_now
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]

CONFIG = f"""
database_url = "sqlite:///{{db}}"
[encryption]
active = "k"
[encryption.keys.k]
key = "{"A" * 43}="
[partners.gd-traffic]
kind = "traffic"
transport = "fake"
base_url = "http://127.0.0.1:9"
[partners.gd-traffic.signing]
profile = "hmac-appkey"
app_key = "centre"
app_secret = "s1"
court_app_key = "traffic"
court_app_secret = "s2"
[partners.gd-traffic.rules]
answer_days = 3
"""


def run(*args: str) -> tuple[int, str, BaseException | None]:
    """(exit code, stdout, the exception raised). stdout alone: a note on stderr (e.g. "the holiday calendar has no
    data for 2027", once a due date counts into a year the calendar lacks) is no part of the JSON read from it."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.exception


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "docking.toml"
    path.write_text(CONFIG.replace("{db}", str(tmp_path / "d.db")))
    assert run("db", "upgrade", "--config", str(path))[0] == 0
    return path


def _file(folder: Path, name: str, data: object) -> str:
    (folder / name).write_text(json.dumps(data, ensure_ascii=False))
    return str(folder / name)


def test_open_act_list_show_and_deliver_from_the_command_line(config: Path, tmp_path: Path) -> None:
    c = ["--config", str(config)]
    filed = _file(tmp_path, "file.json", {"subject": "JT-1", "amount": "88.00", "holder_id": RESIDENT_ID,
                                          "phone": "13812345678"})  # fmt: skip
    code, out, _ = run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", filed, *c)
    assert code == 0 and "OPEN (version 1), 1 message(s) queued" in out, out
    record_id = out.split()[0]
    run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", filed, *c)
    code, out, _ = run("partners", "list", "--limit", "1", "--format", "json", *c)
    assert [r["record_id"] for r in json.loads(out)] == [record_id]
    code, out, _ = run("partners", "list", "--limit", "1", *c)
    assert f"more: --after {record_id}" in out
    accept = _file(tmp_path, "accept.json", {"note": "ok"})
    code, out, error = run("partners", "act", record_id, "accept", "--input", accept, "--if-version", "7", *c)
    assert isinstance(error, StalePartnerRecord)
    code, out, _ = run("partners", "act", record_id, "accept", "--input", accept, "--if-version", "1", *c)
    assert code == 0 and "ACCEPTED (version 2)" in out
    code, out, _ = run("partners", "show", record_id, "--format", "json", *c)
    shown = json.loads(out)
    assert shown["status"] == "ACCEPTED" and [h["note"] or h["event"] for h in shown["history"]] == ["filed", "accept"]
    both = CliRunner().invoke(app, ["partners", "show", record_id, "--format", "json", *c]).output  # and stderr
    assert (
        RESIDENT_ID not in both and "13812345678" not in both and shown["facts"]["holder"]["id_number"].endswith("1230")
    )
    code, out, _ = run("partners", "deliver", *c)
    assert code == 0 and "3 delivered" in out
    code, out, _ = run("partners", "dead", "--format", "json", *c)
    assert json.loads(out) == []
    code, out, _ = run("partners", "deadlines", "--within", "30d", "--format", "json", *c)
    assert {r["due"] for r in json.loads(out)} == {"answer"} and len(json.loads(out)) == 1  # the accepted one is met


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": "S", "amount": "1"}, "holder_id"),
        ({"subject": "S", "amount": "5000", "holder_id": RESIDENT_ID}, "amount"),
    ],
)
def test_a_refused_input_names_the_file_and_the_field(
    config: Path, tmp_path: Path, data: dict[str, str], field: str
) -> None:
    path = _file(tmp_path, "bad.json", data)
    _, _, error = run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", path,
                         "--config", str(config))  # fmt: skip
    assert isinstance(error, InvalidRequest) and error.field == field and path in str(error)
    _, _, error = run("partners", "open", "traffic", "file", "--partner", "nobody", "--input", path,
                      "--config", str(config))  # fmt: skip
    assert isinstance(error, InvalidRequest) and "not a configured partner" in str(error)
    _, _, error = run("partners", "act", "XX-1", "accept", "--input", path, "--config", str(config))
    assert isinstance(error, InvalidRequest) and "TR-" in str(error)


@pytest.mark.parametrize(("kind", "status"), [(None, "bogus"), ("traffic", "closed-ish")])
def test_an_unknown_status_filter_is_refused_naming_the_statuses(config: Path, kind: str | None, status: str) -> None:
    by_kind = ["--kind", kind] if kind else []
    _, _, error = run("partners", "list", *by_kind, "--status", status, "--config", str(config))
    assert isinstance(error, InvalidRequest) and (error.field, error.rule) == ("status", "unknown_status")
    assert status.upper() in str(error) and "OPEN" in str(error)  # the toy's statuses named
    assert run("partners", "list", *by_kind, "--status", "open", "--config", str(config))[0] == 0


def test_serve_and_run_start_with_partners_alone(config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A centre that only docks with partners (no court, no desk) starts `docking serve` and `docking run`; with none
    of the three the refusal names all three table kinds."""
    import api.server
    import scheduler
    from adapter.errors import ConfigError
    from cli.run_cmd import run as run_command
    from cli.serve_cmd import serve

    started: list[tuple[str, set[str]]] = []
    monkeypatch.setattr(api.server, "serve", lambda settings, **_: started.append(("serve", set(settings.partners))))
    monkeypatch.setattr(scheduler, "run", lambda settings: started.append(("run", set(settings.partners))))
    serve(config)
    run_command(config)
    assert started == [("serve", {"gd-traffic"}), ("run", {"gd-traffic"})]
    bare = tmp_path / "bare.toml"
    bare.write_text(config.read_text().split("[partners.gd-traffic]")[0])
    for start in (serve, run_command):
        with pytest.raises(ConfigError) as refused:
            start(bare)
        assert all(table in str(refused.value) for table in ("[platforms.", "[desks.", "[partners."))


def test_docking_deadlines_labels_a_partner_record_by_its_kind(config: Path, tmp_path: Path) -> None:
    """`docking deadlines` (cases, complaints and partner records together) labels the second column by the row's
    kind: a traffic record reads "partner gd-traffic" under "of", never under a `court_case` heading; JSON and CSV keep
    their fields."""
    c = ["--config", str(config)]
    filed = _file(tmp_path, "file.json", {"subject": "JT-9", "amount": "10.00", "holder_id": RESIDENT_ID})
    _, out, _ = run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", filed, *c)
    record_id = out.split()[0]
    shown = CliRunner().invoke(app, ["deadlines", "--within", "30d", *c], env={"COLUMNS": "240"}).output
    assert "court_case" not in shown and re.search(rf"traffic\s*│\s*{record_id}\s*│\s*partner gd-traffic", shown), shown
    _, out, _ = run("deadlines", "--within", "30d", "--format", "json", *c)
    assert {(r["kind"], r["court_case"]) for r in json.loads(out)} == {("traffic", "gd-traffic")}


@pytest.mark.parametrize("columns", [80, 100, 160])
def test_list_and_show_read_at_terminal_widths(config: Path, tmp_path: Path, columns: int) -> None:
    """At 80 columns and wider the list shows the record id whole on one line (it is copied into the next command)
    with kind, partner, status and when it changed; `--format csv` keeps every field; `show` prints the facts as an
    indented key/value table, masked, not one JSON blob (issue 19)."""
    c = ["--config", str(config)]
    filed = _file(tmp_path, "file.json", {"subject": "JT-7", "amount": "9.00", "holder_id": RESIDENT_ID,
                                          "phone": "13812345678"})  # fmt: skip
    _, out, _ = run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", filed, *c)
    record_id = out.split()[0]
    wide = {"COLUMNS": str(columns)}
    listed = CliRunner().invoke(app, ["partners", "list", *c], env=wide).output
    row = next(line for line in listed.splitlines() if record_id[:6] in line)
    assert record_id in row and "traffic" in row and "OPEN" in row and "gd-traffic" in row, listed
    assert max(len(line) for line in listed.splitlines()) <= columns
    csv = CliRunner().invoke(app, ["partners", "list", "--format", "csv", *c], env=wide).output
    assert csv.splitlines()[0].split(",") == views.LIST_COLUMNS and len(views.LIST_COLUMNS) == 11
    shown = CliRunner().invoke(app, ["partners", "show", record_id, *c], env=wide).output
    assert "{" not in shown and RESIDENT_ID not in shown and "13812345678" not in shown, shown
    assert re.search(r"│\s+holder\s+│", shown) and re.search(r"│\s{3,}id_number\s+│\s+\S*1230", shown), shown


@pytest.mark.parametrize("command", [["partners", "deadlines", "--within", "30d"], ["partners", "reconcile"]])
def test_a_year_without_holiday_data_is_one_note_not_log_lines(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    """A working-day due date counted in a year the calendar has no data for: one plain note on stderr, no log line
    (JSON off a terminal) mixed with the table (issue 19)."""
    import adapter.deadlines.calendar as calendar

    c = ["--config", str(config)]
    filed = _file(tmp_path, "file.json", {"subject": "JT-5", "amount": "5.00", "holder_id": RESIDENT_ID})
    run("partners", "open", "traffic", "file", "--partner", "gd-traffic", "--input", filed, *c)
    monkeypatch.setattr(calendar, "PACKAGE_YEARS", frozenset())  # no year covered: the answer's working days guessed
    calendar.forget_missing_years()
    result = CliRunner().invoke(app, [*command, *c])
    calendar.forget_missing_years()
    notes = [line for line in result.stderr.splitlines() if "holiday calendar has no data" in line]
    # One note a year: the years the record's answer due date (3 working days from today, China time) is counted
    # across — two from late December on
    counted = calendar.WorkCalendar()
    counted.add_working_days(calendar.china_date(utc_now()), 3)
    years = sorted(counted.estimated_years) if command[1] == "deadlines" else []
    calendar.forget_missing_years()
    assert [re.findall(r"no data for (\d{4})", note) for note in notes] == [[str(y)] for y in years], result.stderr
    assert all(note.startswith("note: ") for note in notes)
    assert "WARNING" not in result.stderr and '"level"' not in result.stderr
