"""What the operator reads: cases found by any of their three names and listed by filters, the outbox with
delivery times and masked payloads, one time convention (China time, labelled), CSV booleans as true/false."""

import base64
import hashlib
import json
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from adapter.persistence.engine import UnitOfWork, create_schema, make_engine
from adapter.persistence.repository import create_case, transition
from adapter.persistence.tables import OutboxRow
from adapter.states import Event
from schemas.enums import Flow
from tests.support import samples
from tests.support.cli import docking

pytestmark = pytest.mark.integration

CST = samples.CST
USCC_WITH_LETTERS = "91440101MA59ABCD1D"  # GB 32100 check character valid
DOCUMENT = "调解协议书：被申请人分两期还款。".encode()
CASES = {  # label: (platform, court's case id, 案号, created (China time), declined?)
    "A": ("gz", "0104-aaa", "（2026）粤0104民初1001号", datetime(2026, 11, 20, 10, 0, tzinfo=CST), False),
    "B": ("gz", "01-bbb", "（2026）粤01民初2002号", datetime(2026, 11, 25, 23, 30, tzinfo=CST), True),
    "C": ("sz", "0104-aaa", "（2026）粤0304民初3003号", datetime(2026, 11, 28, 9, 0, tzinfo=CST), False),
    "D": (None, "self-ddd", None, datetime(2026, 11, 29, 9, 0, tzinfo=CST), False),
}


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str], dict[str, str]]:
    """Four cases on two platforms and a self-received one, and case A's outbox: pending, delivered, dead.
    Returns (config, our ids by label, message ids by status)."""
    folder = tmp_path_factory.mktemp("desk")
    database = folder / "d.db"
    engine = make_engine(f"sqlite:///{database}")
    create_schema(engine)
    ids, messages = {}, {}
    with UnitOfWork(engine).begin() as session:
        for label, (platform, court_id, number, created, declined) in CASES.items():
            flow = Flow.SELF_RECEIVED if number is None else Flow.DELEGATED
            changes = {} if number is None else {"case_number": number, "court_code": number[6:-7]}
            dispatch = samples.dispatch(flow, platform_case_id=court_id, **changes)
            case = create_case(session, dispatch, platform, created)
            if label == "A":  # the court published it two days before our poll read it
                case.court_dispatched_at = created - timedelta(days=2)
            transition(session, case, Event.REGISTER, actor="test", at=created)
            if declined:
                transition(session, case, Event.DECLINE, actor="test", at=created)
            ids[label] = case.id
        envelope = {
            "message_id": "placeholder",
            "type": "jc_application",
            "body": {
                "parties": [{"id_type": "uscc", "id_number": USCC_WITH_LETTERS, "phone": "02087654321"}],
                "document_b64": base64.b64encode(DOCUMENT).decode(),
            },
        }
        sent = datetime(2026, 11, 30, 2, 44, 5, tzinfo=CST)
        for n, status in enumerate(("delivered", "dead", "pending"), start=1):
            message_id = f"M-{status}"
            session.add(
                OutboxRow(
                    message_id=message_id,
                    case_id=ids["A"],
                    platform="gz",
                    type="jc_application",
                    envelope_json=json.dumps({**envelope, "message_id": message_id}, ensure_ascii=False),
                    seq=n,
                    status=status,
                    attempts=1,
                    next_attempt_at=sent + timedelta(minutes=5),
                    created_at=sent,
                    queued_at=sent,
                    delivered_at=sent + timedelta(seconds=1) if status == "delivered" else None,
                    last_error="rejected (E400): bad" if status == "dead" else None,
                )
            )
            messages[status] = message_id
    config = folder / "c.toml"
    config.write_text(
        f'database_url = "sqlite:///{database}"\n'
        + "".join(
            f'[platforms.{p}]\nbase_url = "http://127.0.0.1:9"\n'
            f'[platforms.{p}.signing]\nkeyring = "keys/{p}"\ncourt_keys = {{ c = "c.pub" }}\n'
            for p in ("gz", "sz")
        )
    )
    return config, ids, messages


def wide(*args: str) -> str:
    """A table as on a wide terminal (rich folds cells to fit the 80 columns a pipe gets by default)."""
    result = docking(*args, env={**os.environ, "COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def _listed(config: Path, *args: str) -> list[dict[str, object]]:
    result = docking("cases", "list", "-c", str(config), "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    rows: list[dict[str, object]] = json.loads(result.stdout)
    return rows


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--platform", "gz"], ["B", "A"]),
        (["--status", "declined"], ["B"]),
        (["--case-number", "（2026）粤0104民初1001号"], ["A"]),
        (["--case-number", "(2026)粤0104民初1001号"], ["A"]),
        (["--case-number", "〔2026〕粤0104民初1001号"], ["A"]),
        (["--case-number", "[2026] 粤0104 民初1001号"], ["A"]),
        (["--court", "粤0104"], ["A"]),
        (["--court", "粤01"], ["B"]),  # the intermediate court, not its basic courts
        (["--court", "广州市越秀区人民法院"], ["A"]),
        (["--since", "2026-11-25"], ["D", "C", "B"]),
        (["--until", "2026-11-25"], ["B", "A"]),  # a date alone: up to the end of that day, China time
        (["--until", "2026-11-25T23:00"], ["A"]),
        (["--since", "2026-11-25T15:30:00+00:00"], ["D", "C", "B"]),  # an explicit zone is honoured
        (["--since", "2026-11-21", "--until", "2026-11-28", "--platform", "gz"], ["B"]),
        (["--since", "2026-11-19"], ["D", "C", "B", "A"]),
        (["--since", "2026-11-19", "--by", "dispatched"], ["D", "C", "B"]),  # A was dispatched on the 18th
        (["--until", "2026-11-19", "--by", "dispatched"], ["A"]),
        (["--platform", "sz", "--status", "declined"], []),
    ],
)
def test_cases_list_filters_combine(
    desk: tuple[Path, dict[str, str], dict[str, str]], args: list[str], expected: list[str]
) -> None:
    """Platform, status, 案号 (any brackets), court (code or name, exactly), received or dispatched since/until."""
    config, ids, _ = desk
    assert [row["id"] for row in _listed(config, *args)] == [ids[label] for label in expected]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--court", "某某区人民法院"], "not a court in the court table"),
        (["--since", "last week"], "--since 'last week' is not an ISO 8601 date"),
        (["--status", "nope"], "is not a case status"),
    ],
)
def test_cases_list_refuses_a_filter_it_cannot_read(
    desk: tuple[Path, dict[str, str], dict[str, str]], args: list[str], says: str
) -> None:
    config, _, _ = desk
    result = docking("cases", "list", "-c", str(config), *args)
    assert result.returncode == 2 and says in result.stderr, result.stderr


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("{A}", "A"),
        ("（2026）粤0104民初1001号", "A"),
        ("(2026)粤0104民初1001号", "A"),
        ("〔2026〕粤0104民初1001号", "A"),
        ("[2026]粤0104民初1001号", "A"),
        (" （2026） 粤0104民初1001号 ", "A"),
        ("01-bbb", "B"),
        ("self-ddd", "D"),
    ],
)
def test_cases_show_finds_a_case_by_any_of_its_names_and_prints_all_three(
    desk: tuple[Path, dict[str, str], dict[str, str]], name: str, label: str
) -> None:
    """Our id, the 案号 in any bracket form, or the court's case id; the answer names all three, as one JSON
    object for scripts."""
    config, ids, _ = desk
    _, court_id, number, _, _ = CASES[label]
    shown = docking("cases", "show", name.format(**ids), "-c", str(config), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    case = json.loads(shown.stdout)
    assert isinstance(case, dict)
    assert (case["id"], case["court_case_id"], case["case_number"]) == (ids[label], court_id, number or "—")
    assert {"parties", "history", "messages"} <= case.keys()
    table = wide("cases", "show", name.format(**ids), "-c", str(config))
    assert ids[label] in table and court_id in table and (number or "—") in table


def test_a_court_case_id_two_platforms_share_names_both_and_platform_decides(
    desk: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    config, ids, _ = desk
    both = docking("cases", "show", "0104-aaa", "-c", str(config))
    assert both.returncode == 2 and ids["A"] in both.stderr and ids["C"] in both.stderr and "--platform" in both.stderr
    one = docking("cases", "show", "0104-aaa", "--platform", "sz", "-c", str(config), "-f", "json")
    assert one.returncode == 0 and json.loads(one.stdout)["id"] == ids["C"]
    none = docking("cases", "show", "（2026）粤0104民初9999号", "-c", str(config))
    assert none.returncode == 2 and "no case" in none.stderr


def test_times_are_china_time_and_labelled_everywhere(desk: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """Tables say "… CST"; JSON and CSV carry +08:00; the same instant either way."""
    config, ids, _ = desk
    (row,) = _listed(config, "--case-number", "（2026）粤0104民初1001号")
    assert row["created_at"] == "2026-11-20T10:00:00+08:00"
    table = wide("cases", "list", "-c", str(config), "--platform", "gz")
    assert "2026-11-20 10:00:00 CST" in table
    history = wide("cases", "show", ids["B"], "-c", str(config))
    assert "2026-11-25 23:30:00 CST" in history


def test_outbox_list_shows_when_each_delivered_message_was_delivered(
    desk: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    """delivered_at for delivered rows; a next attempt only for pending ones; CSV has the column too."""
    config, _, messages = desk
    result = docking("outbox", "list", "-c", str(config), "--format", "json")
    rows = {r["message_id"]: r for r in json.loads(result.stdout)}
    assert rows[messages["delivered"]]["delivered_at"] == "2026-11-30T02:44:06+08:00"
    assert rows[messages["delivered"]]["next_attempt_at"] is None
    assert rows[messages["pending"]]["next_attempt_at"] == "2026-11-30T02:49:05+08:00"
    assert rows[messages["pending"]]["delivered_at"] is None
    header = docking("outbox", "list", "-c", str(config), "--format", "csv").stdout.splitlines()[0]
    assert "delivered_at" in header.split(",")


def test_outbox_show_masks_uscc_and_phone_and_gives_documents_by_size_and_digest(
    desk: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    config, _, messages = desk
    shown = wide("outbox", "show", messages["delivered"], "-c", str(config))
    assert USCC_WITH_LETTERS not in shown and "914401********CD1D" in shown
    assert "02087654321" not in shown
    assert base64.b64encode(DOCUMENT).decode()[:40] not in shown
    digest = hashlib.sha256(DOCUMENT).hexdigest()
    assert f"document not shown: {len(DOCUMENT)} bytes, SHA-256 {digest}" in shown
    assert "2026-11-30 02:44:06 CST" in shown
    one = docking("outbox", "show", messages["delivered"], "-c", str(config), "--format", "json")
    assert one.returncode == 0, one.stderr
    assert USCC_WITH_LETTERS not in one.stdout and "02087654321" not in one.stdout
    assert json.loads(one.stdout)["delivered_at"] == "2026-11-30T02:44:06+08:00"


def test_outbox_replay_for_a_platform_that_is_not_configured_is_an_error(
    desk: tuple[Path, dict[str, str], dict[str, str]],
) -> None:
    """`--platform nosuch` names the configured platforms instead of saying "0 requeued"."""
    config, _, _ = desk
    wrong = docking("outbox", "replay", "--platform", "nosuch", "--reason", "court back", "-c", str(config))
    assert wrong.returncode == 2 and "'nosuch' is not a configured platform; configured: gz, sz" in wrong.stderr
    nothing = docking("outbox", "replay", "--platform", "sz", "--reason", "court back", "-c", str(config))
    assert nothing.returncode == 0 and "no dead messages of sz" in nothing.stdout


def test_csv_booleans_are_true_and_false(desk: tuple[Path, dict[str, str], dict[str, str]]) -> None:
    """`deadlines --format csv`: the estimated column reads true/false, as in JSON (not True/False)."""
    config, _, _ = desk
    result = docking("deadlines", "--within", "9999w", "-c", str(config), "--format", "csv")
    lines = result.stdout.strip().splitlines()
    column = lines[0].split(",").index("estimated")
    values = {re.split(r",(?=(?:[^\"]*\"[^\"]*\")*[^\"]*$)", line)[column] for line in lines[1:]}
    assert result.returncode == 0 and values and values <= {"true", "false"}
