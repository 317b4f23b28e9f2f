"""Drift injected at a real sandbox court is found by `docking reconcile`, repaired by `--repair`, and a second
run after delivery is in step — on SQLite and PostgreSQL, against a REST and a SOAP court."""

import csv
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlmodel import select

from adapter.config.settings import Settings
from adapter.persistence.tables import AuditRow, CursorRow
from adapter.reconcile import Action, Kind, reconcile
from sandbox.pairing import control
from scheduler import Runtime
from schemas.enums import DeclineReason
from tests.support.cli import docking
from tests.support.court import PLATFORM, Court
from tests.support.runtime import DOCUMENT, agreement, case_for, parties, pump, status_of

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["rest", "soap"])
def transport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def reconcile_config(settings: Settings, folder: Path) -> Path:
    """The test's settings as a config file for the `docking` process (TOML inline tables, secrets included)."""

    def value(item: Any) -> str:
        if isinstance(item, dict):
            return "{ " + ", ".join(f"{json.dumps(str(k))} = {value(v)}" for k, v in item.items()) + " }"
        if isinstance(item, list | tuple):
            return "[" + ", ".join(value(v) for v in item) + "]"
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, int | float):
            return repr(item)
        if isinstance(item, SecretStr):
            return json.dumps(item.get_secret_value())
        return json.dumps(str(item))

    path = folder / "docking.toml"
    dumped = settings.model_dump(exclude_none=True)
    path.write_text("".join(f"{key} = {value(v)}\n" for key, v in dumped.items()), encoding="utf-8")
    return path


def _mediated(runtime: Runtime, ajbs: str) -> str:
    case_id = case_for(runtime, ajbs).id
    s = runtime.services
    s.accept(case_id)
    s.assign_mediator(case_id, "陈调解员")
    s.hold_session(case_id, "第一次调解")
    s.submit_agreement(case_id, agreement(), DOCUMENT)
    return case_id


def _miss_the_rulings(runtime: Runtime, court: Court) -> None:
    """The court publishes its due rulings, and the adapter's cursor moves past them: their feed items are lost."""
    page = court.core.feed("decisions", 0, 500)
    with runtime.uow.begin() as session:
        session.merge(CursorRow(platform=PLATFORM, feed="decisions", value=str(page["next_cursor"])))


def _received_a_later_dispatch(runtime: Runtime, court: Court) -> str:
    """The court dispatches once more (a second later: its times are whole seconds) and we poll it in."""
    time.sleep(1.1)
    (later,) = court.core.dispatch(1, "01")
    runtime.poll_platform(PLATFORM)
    return later


def test_drift_is_found_repaired_and_the_next_run_is_in_step(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    """Lost messages, a forgotten case, a dispatch never received and a ruling never read: each is classified,
    each is repaired (the forgotten case only once the operator adds --resend-missing), the court applies
    nothing twice, and every run is stored."""
    lost, forgotten, ruled = court.core.dispatch(3, "01")
    pump(runtime, 1)
    _mediated(runtime, lost)
    runtime.services.decline(case_for(runtime, forgotten).id, DeclineReason.OUTSIDE_CHARTER, "非金融纠纷")
    ruled_id = _mediated(runtime, ruled)
    runtime.services.apply_jc(ruled_id, *parties(runtime, ruled_id))
    runtime.deliver()
    _miss_the_rulings(runtime, court)
    assert court.core.status([lost, forgotten, ruled]) == {lost: "40", forgotten: "21", ruled: "61"}

    lost_messages = court.pairing.lose(lost, 2)  # the session and the agreement: back to "30"
    control(court.server, "forget", {"ajbs": forgotten})  # through the control API, as an integrator would
    (unseen,) = court.core.dispatch(1, "01", publish=False)
    _received_a_later_dispatch(runtime, court)  # our feed read has passed the lost one: missing, not in flight
    config = reconcile_config(settings, tmp_path)

    found = docking("reconcile", "--config", str(config), "--format", "json")
    assert found.returncode == 1, found.stderr
    rows = json.loads(found.stdout)
    assert {r["platform_case_id"]: (r["kind"], r["action"], r["repaired"]) for r in rows} == {
        lost: ("behind", "redeliver", False),
        forgotten: ("missing_at_platform", "resend", False),
        unseen: ("missing_here", "fetch", False),
        ruled: ("ahead", "fetch", False),
    }
    assert "4 remaining" in found.stderr

    repaired = docking("reconcile", "--config", str(config), "--repair", "--format", "csv", "--actor", "ops:wang")
    assert repaired.returncode == 1, repaired.stderr  # the case the court lost is not re-sent by default
    table = {r["platform_case_id"]: r for r in csv.DictReader(io.StringIO(repaired.stdout))}
    assert {ajbs: r["repaired"] for ajbs, r in table.items()} == {  # CSV booleans read true/false (#13)
        lost: "true",
        forgotten: "false",
        unseen: "true",
        ruled: "true",
    }
    assert "--resend-missing" in table[forgotten]["detail"]
    assert status_of(runtime, ruled_id).value == "JC_CONFIRMED"  # the ruling was fetched and ingested
    assert case_for(runtime, unseen).status == "PENDING_ACCEPTANCE"  # the dispatch, verified and ingested

    resent = docking(
        "reconcile", "--config", str(config), "--repair", "--resend-missing", "--format", "json", "--actor", "ops:wang"
    )
    assert resent.returncode == 0, resent.stderr  # the operator asked the court, and says so
    assert [(r["platform_case_id"], r["kind"], r["repaired"]) for r in json.loads(resent.stdout)] == [
        (forgotten, "missing_at_platform", True)
    ]

    pump(runtime)
    again = docking("reconcile", "--config", str(config))
    assert again.returncode == 0, again.stderr
    assert "0 difference(s)" in again.stderr
    assert court.core.status([lost, forgotten]) == {lost: "40", forgotten: "21"}
    assert court.core.applied_order[lost][-2:] == lost_messages and court.core.duplicates_applied == 0
    with runtime.uow.begin() as session:
        audit = session.exec(select(AuditRow).where(AuditRow.actor == "ops:wang")).all()
    assert sorted(a.action for a in audit) == ["reconcile-redeliver"] * 2 + ["reconcile-resend"]

    listed = docking("reconcile", "runs", "--config", str(config), "--format", "json")
    assert listed.returncode == 0, listed.stderr
    stored = json.loads(listed.stdout)
    assert [(r["status"], r["differences"], r["repaired"]) for r in stored[:4]] == [
        ("ok", 0, 0),
        ("repaired", 1, 1),
        ("differences", 4, 3),
        ("differences", 4, 0),
    ]
    shown = docking("reconcile", "show", str(stored[2]["id"]), "--config", str(config), "--format", "json")
    assert shown.returncode == 0, shown.stderr
    run = json.loads(shown.stdout)  # one object: the run's summary and its differences
    assert len(run["differences"]) == run["difference_count"] == 4 and run["actor"] == "ops:wang"
    assert (run["id"], run["status"], run["repaired"]) == (stored[2]["id"], "differences", 3)
    table = docking("reconcile", "show", str(stored[2]["id"]), "--config", str(config))
    assert table.returncode == 0 and "ops:wang" in table.stderr  # the summary line, beside the table


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("transport", ["rest"])
def test_a_hand_edited_status_is_reported_and_a_futile_repair_is_not_repeated(runtime: Runtime, court: Court) -> None:
    """A status no message explains is reported only. One that looks behind is re-delivered once; the court,
    still holding those ids, answers duplicates; the next run reports it instead of re-delivering again."""
    edited, rewound = court.core.dispatch(2, "01")
    pump(runtime, 1)
    for ajbs in (edited, rewound):
        case_id = case_for(runtime, ajbs).id
        runtime.services.accept(case_id)
        runtime.services.assign_mediator(case_id, "陈调解员")
    pump(runtime)
    court.pairing.alter(edited, "21")  # declined, by hand
    court.pairing.alter(rewound, "20")  # back to accepted, by hand: the court still remembers our messages

    first = reconcile(runtime.uow, runtime.platforms, repair=True)
    kinds = {d.platform_case_id: (d.kind, d.action, d.repaired) for d in first.differences}
    assert kinds == {
        edited: (Kind.STATE_MISMATCH, Action.REPORT, False),
        rewound: (Kind.BEHIND, Action.REDELIVER, True),
    }
    dropped = court.core.duplicates_dropped
    pump(runtime)
    assert court.core.duplicates_dropped == dropped + 1 and court.core.status([rewound]) == {rewound: "20"}

    second = reconcile(runtime.uow, runtime.platforms, repair=True)
    kinds = {d.platform_case_id: (d.kind, d.repaired) for d in second.differences}
    assert kinds == {edited: (Kind.STATE_MISMATCH, False), rewound: (Kind.STATE_MISMATCH, False)}
    assert "already re-delivered" in next(d.detail for d in second.differences if d.platform_case_id == rewound)

    court.pairing.alter(edited, "30")  # the court's clerk puts both right
    court.pairing.alter(rewound, "30")
    assert reconcile(runtime.uow, runtime.platforms).differences == []


@pytest.mark.parametrize("transport", ["rest"])
def test_the_control_api_refuses_unknown_cases_and_statuses(court: Court) -> None:
    """Drift is injected only into cases the court holds, with status codes it knows."""
    (ajbs,) = court.core.dispatch(1, "01")
    with pytest.raises(Exception, match="404"):
        control(court.server, "forget", {"ajbs": "nope"})
    with pytest.raises(Exception, match="400"):
        control(court.server, "alter", {"ajbs": ajbs, "status": "99"})
    with pytest.raises(Exception, match="400"):
        control(court.server, "lose", {"ajbs": ajbs, "count": 1})  # nothing applied yet
    assert control(court.server, "alter", {"ajbs": ajbs, "status": "11"}) == {"altered": ajbs, "status": "11"}


def test_cases_dispatched_since_the_last_poll_are_in_flight_and_a_lost_one_is_missing_here(
    runtime: Runtime, court: Court, settings: Settings, tmp_path: Path
) -> None:
    """A full `docking reconcile` during normal load: what the court dispatched since our last poll is in flight
    (exit 0, said on stderr); a dispatch its feed lost, older than one we received since, is missing_here (exit 1)."""
    court.core.dispatch(2, "01")
    pump(runtime, 1)
    arriving = court.core.dispatch(3, "01")  # not polled yet
    config = reconcile_config(settings, tmp_path)

    found = docking("reconcile", "--config", str(config), "--format", "json")
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout) == [] and "3 in flight (3 dispatched since our last poll)" in found.stderr

    (unseen,) = court.core.dispatch(1, "01", publish=False)
    _received_a_later_dispatch(runtime, court)
    assert {case_for(runtime, ajbs).status for ajbs in arriving} == {"PENDING_ACCEPTANCE"}  # they did arrive
    found = docking("reconcile", "--config", str(config), "--format", "json")
    assert found.returncode == 1, found.stderr
    assert [(r["platform_case_id"], r["kind"]) for r in json.loads(found.stdout)] == [(unseen, "missing_here")]
    assert " 0 in flight" in found.stderr
