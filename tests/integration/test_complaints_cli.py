"""`docking complaints …` as an operator runs it (child processes, SQLite): receive from a file, list, show with the
personal numbers masked, the centre's actions, and every refusal naming the input with exit code 2."""

import json
from pathlib import Path

import pytest

from tests.support.cli import docking
from tests.support.complaint_samples import BANK_USCC, RESIDENT_ID, complaint_data

pytestmark = pytest.mark.integration

CONFIG = f"""
database_url = "sqlite:///{{db}}"
[encryption]
active = "k"
[encryption.keys.k]
key = "{"A" * 43}="
[desks.card-centre]
base_url = "http://127.0.0.1:9"
institution_uscc = ["{BANK_USCC}"]
[desks.card-centre.signing]
profile = "hmac-appkey"
app_key = "centre"
app_secret = "s1"
court_app_key = "bank"
court_app_secret = "s2"
[desks.card-centre.memorandum]
small_claim_cap = "5000.00"
delegated_authority = "5000 元以内径行决定"
signed_on = 2025-06-01
"""


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("complaints-cli")
    path = folder / "docking.toml"
    path.write_text(CONFIG.replace("{db}", str(folder / "d.db")))
    docking("db", "upgrade", "--config", str(path), check=True)
    return path


def _file(folder: Path, name: str, data: object) -> str:
    path = folder / name
    path.write_text(json.dumps(data, ensure_ascii=False))
    return str(path)


def test_receive_list_show_and_act(config: Path, tmp_path: Path) -> None:
    c = ("--config", str(config))
    done = docking("complaints", "receive", _file(tmp_path, "c.json", complaint_data()), *c, check=True)
    assert "CP-2026-0001 FORWARDED" in done.stdout
    listed = json.loads(docking("complaints", "list", "--format", "json", *c, check=True).stdout)
    assert [(r["complaint_id"], r["status"], r["desk"]) for r in listed] == [
        ("CP-2026-0001", "FORWARDED", "card-centre")
    ]
    shown = docking("complaints", "show", "CP-2026-0001", "--format", "json", *c, check=True).stdout
    assert RESIDENT_ID not in shown and "13812345678" not in shown and "李四" in shown
    table = docking("complaints", "show", "CP-2026-0001", *c, check=True).stdout
    fields = [line.split("│")[1].strip() for line in table.splitlines() if line.count("│") == 3]
    assert fields[:4] == ["complaint_id", "status", "desk", "desk_ref"], fields  # the id first, not mid-table
    assert [h["event"] for h in json.loads(shown)["history"]] == ["received", "forward"]
    wrong = docking("complaints", "close", "CP-2026-0001", *c)
    assert wrong.returncode == 2 and "cannot close a complaint in FORWARDED" in wrong.stderr
    assert (
        "WITHDRAWN" in docking("complaints", "withdraw", "CP-2026-0001", "--reason", "settled", *c, check=True).stdout
    )
    dead = docking("complaints", "dead", "--format", "json", *c, check=True)
    assert json.loads(dead.stdout) == []


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"{not json", "is not JSON"),
        (b"[]", "must hold one JSON object"),
        (
            json.dumps(
                complaint_data(
                    complaint_id="CP-X1",
                    representative={"kind": "heir", "name": "王五", "id_type": "passport", "id_number": "E1"},
                )
            ).encode(),
            "representative.document",
        ),
        (
            json.dumps(
                complaint_data(
                    complaint_id="CP-X2",
                    complainant={**complaint_data()["complainant"], "id_number": "110105198503071231"},
                )
            ).encode(),
            "complainant.id_number",
        ),
        (
            json.dumps(complaint_data(complaint_id="CP-X3", track="small_claim", amount_in_dispute="9000.00")).encode(),
            "small_claim_cap",
        ),
    ],
)
def test_a_bad_complaint_file_is_refused_naming_the_file_and_the_input(
    config: Path, tmp_path: Path, content: bytes, said: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    refused = docking("complaints", "receive", str(path), "--config", str(config))
    assert refused.returncode == 2 and said in refused.stderr and str(path) in refused.stderr.replace("\n", "")
    assert "Traceback" not in refused.stderr and "110105198503071231" not in refused.stderr


def test_small_claim_and_mediation_from_the_command_line(config: Path, tmp_path: Path) -> None:
    c = ("--config", str(config))
    data = complaint_data(complaint_id="CP-S1", track="small_claim", complainant={
        **complaint_data()["complainant"], "id_number": "440104199001011232"})  # fmt: skip
    docking("complaints", "receive", _file(tmp_path, "s.json", data), *c, check=True)
    for amount, said in (("abc", "--amount 'abc' is not an amount"), ("9000.00", "small-claim cap of 5000.00")):
        refused = docking("complaints", "small-claim", "CP-S1", "--amount", amount, "--mediator", "陈", *c)
        assert refused.returncode == 2 and said in refused.stderr, refused.stderr
    done = docking("complaints", "small-claim", "CP-S1", "--amount", "600.00", "--mediator", "陈", *c, check=True)
    assert "SMALL_CLAIM_DECIDED" in done.stdout
    converted = docking(
        "complaints", "to-mediation", "CP-S1", "--complainant-consented", "2026-03-03T10:00",
        "--institution-consented", "2026-03-03T11:00", *c, check=True,
    )  # fmt: skip
    assert "TO_MEDIATION case MC-" in converted.stdout
    table = docking("complaints", "show", "CP-S1", *c, check=True).stdout
    assert "TO_MEDIATION" in table and "440104199001011232" not in table and "CST" in table
    csv = docking("complaints", "list", "--track", "small_claim", "--format", "csv", *c, check=True).stdout
    assert csv.splitlines()[0].startswith("complaint_id,desk,status") and "CP-S1" in csv


def test_polling_an_unreachable_desk_says_so_with_the_unavailable_exit_code(config: Path) -> None:
    c = ("--config", str(config))
    unknown = docking("complaints", "poll", "--desk", "nope", *c)
    assert unknown.returncode == 2 and "'nope' is not a configured desk" in unknown.stderr
    down = docking("complaints", "poll", *c)
    assert down.returncode == 69 and "card-centre" in down.stderr and "Traceback" not in down.stderr


def test_serve_and_run_start_with_desks_alone(config: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A centre that only forwards complaints configures desks and no court: `docking serve` and `docking run` start
    (their jobs poll and deliver the desks) instead of refusing "no platforms configured"."""
    import api.server
    import scheduler
    from cli.run_cmd import run
    from cli.serve_cmd import serve

    started: list[tuple[str, set[str]]] = []
    monkeypatch.setattr(api.server, "serve", lambda settings, **_: started.append(("serve", set(settings.desks))))
    monkeypatch.setattr(scheduler, "run", lambda settings: started.append(("run", set(settings.desks))))
    serve(config)
    run(config)
    assert started == [("serve", {"card-centre"}), ("run", {"card-centre"})]
