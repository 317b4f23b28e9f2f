"""`docking roster …` in-process against the sandbox SPC platform on loopback, on SQLite: upserts from JSON files
(an organisation refused until it has three qualifying mediators, nothing sent), delivery and the roster listing
through the spc_form transport built from the settings, tables with IDs masked (json, csv), --expiring, retirement,
registration of pending flow-C cases, and statistics against the platform's (exit 1 when they differ)."""

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from adapter.errors import InvalidRequest
from cli.main import app
from sandbox.spc import SpcConfig, SpcCore, SpcServer
from scheduler import bootstrap
from scheduler.spc_form import register_roster_cases
from tests.support import spc_samples as s

pytestmark = pytest.mark.integration

CONFIG = f"""
database_url = "sqlite:///{{db}}"
[encryption]
active = "k"
[encryption.keys.k]
key = "{"A" * 43}="
[partners.spc]
kind = "roster"
transport = "spc_form"
base_url = "{{url}}"
[partners.spc.form]
username = "centre"
password_env = "TEST_SPC_PASSWORD"
[partners.spc.signing]
profile = "hmac-appkey"
app_key = "unused"
app_secret = "unused"
court_app_key = "unused"
court_app_secret = "unused"
"""


def run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


@pytest.fixture(params=[(), ("stats_differ",)], ids=["faithful", "stats_differ"])
def platform(request: pytest.FixtureRequest) -> Iterator[SpcCore]:
    core = SpcCore(SpcConfig(faults=request.param))
    server = SpcServer(core).start()
    core.url = server.url  # type: ignore[attr-defined]
    yield core
    server.stop()


@pytest.fixture
def c(platform: SpcCore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.setenv("TEST_SPC_PASSWORD", "sandbox-password")
    path = tmp_path / "docking.toml"
    path.write_text(CONFIG.replace("{db}", str(tmp_path / "d.db")).replace("{url}", platform.url))  # type: ignore[attr-defined]
    assert run("db", "upgrade", "--config", str(path))[0] == 0
    return ["--config", str(path)]


def _file(folder: Path, name: str, data: Any) -> str:
    (folder / name).write_text(json.dumps(data, ensure_ascii=False))
    return str(folder / name)


def _mediator(folder: Path, serial: int, **changes: Any) -> str:
    body = s.mediator(f"M-{serial}", 1, serial).model_dump(mode="json") | changes
    return _file(folder, f"m{serial}.json", body)


def test_the_roster_from_the_command_line(c: list[str], platform: SpcCore, tmp_path: Path) -> None:
    for serial in (1, 2):
        code, out, _ = run("roster", "upsert-mediator", _mediator(tmp_path, serial), *c)
        assert code == 0 and "SUBMITTED" in out, out
    org = _file(tmp_path, "org.json", s.organisation(1).model_dump(mode="json"))
    code, out, error = run("roster", "upsert-org", org, *c)
    assert isinstance(error, InvalidRequest) and error.rule == "min_qualifying_mediators" and "org.json" in str(error)
    code, out, _ = run(
        "roster", "upsert-mediator", _mediator(tmp_path, 3, term_to=str(s.today() + timedelta(days=20))), *c
    )
    assert code == 0
    code, out, _ = run("roster", "upsert-org", org, *c)
    assert code == 0 and "SUBMITTED" in out, out
    assert run("partners", "deliver", *c)[0] == 0
    code, out, _ = run("partners", "poll", "--partner", "spc", *c)
    assert code == 0 and "spc: 4 applied" in out, out
    code, out, _ = run("roster", "orgs", "--format", "json", *c)
    (shown,) = json.loads(out)
    assert shown["status"] == "CERTIFIED" and shown["mediators"] == 3 and shown["platform_id"].startswith("SPC-O")
    code, out, _ = run("roster", "mediators", "--format", "csv", *c)
    assert out.count("CERTIFIED") == 3 and s.resident_id(1) not in out and s.resident_id(1)[-4:] in out
    code, out, _ = run("roster", "mediators", "--expiring", "30d", "--format", "json", *c)
    assert [m["ref"] for m in json.loads(out)] == ["M-3"]
    assert run("roster", "mediators", "--expiring", "soon", *c)[2] is not None
    code, out, _ = run("roster", "retire", "M-2", "--reason", "本人申请退出", *c)
    assert code == 0 and "RETIRED" in out and "1 message(s) queued" in out, out
    assert run("partners", "deliver", *c)[0] == 0  # the platform told: it counts two mediators, as we do
    code, out, _ = run("roster", "register-pending", "--format", "json", *c)
    assert code == 0 and json.loads(out) == []
    runtime = bootstrap.partners(bootstrap.load(Path(c[1])))
    assert register_roster_cases(runtime, "spc") == {"opened": 0, "waiting": 0}  # the job register-roster:spc
    month = s.today().strftime("%Y-%m")
    code, out, _ = run("roster", "stats", "--month", month, "--format", "json", *c)
    rows = {r["count"]: r for r in json.loads(out)}
    assert rows["organisations"]["ours"] == rows["organisations"]["theirs"] == 1
    differs = "stats_differ" in platform.config.faults
    assert code == (1 if differs else 0) and rows["registered"]["differs"] is differs
