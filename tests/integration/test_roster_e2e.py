"""The SPC roster end to end, on SQLite and PostgreSQL: the roster kind (adapter/partners/roster/) in the partner
core (run_action, the outbox delivered through the spc_form connector, the roster listing polled, callbacks
received), against the sandbox SPC platform on loopback with its misbehaviours (partners.md §4 "Sandbox").

The matrix: every path on SQLite and on PostgreSQL (the roster has one mode per path: the listing polled, or — the
callback path — the platform's callbacks pushed to the served API); each test's database is copied from one made
at the newest schema once per run (tests/support/db_template.py), not created table by table.
"""

import base64
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from adapter.config.partners import PartnerSettings
from adapter.config.settings import DataKeySettings, EncryptionSettings, Settings
from adapter.config.spc_form import SpcFormSettings
from adapter.errors import InvalidRequest
from adapter.partners import delivery, reconcile, sweep
from adapter.partners.roster.spec import ROSTER
from adapter.partners.roster_checks import ids_in_two_orgs
from adapter.partners.roster_registration import register_pending
from adapter.partners.roster_stats import reconcile_statistics
from adapter.persistence import partner_store as store
from api.clients import Role, add_client
from sandbox.pairing import arrange_keys
from sandbox.spc.push import SpcCallbacks
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from schemas.enums import Flow, OutcomeCode
from schemas.outcome import FailureReport
from tests.support import samples
from tests.support.api import served
from tests.support.roster_world import KEY, RosterWorld, roster_world

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def w(database_url: str) -> Iterator[RosterWorld]:
    yield from roster_world(database_url)


@pytest.fixture
def faulty(database_url: str) -> Iterator[Any]:
    worlds: list[Iterator[RosterWorld]] = []

    def make(*faults: str, **config: Any) -> RosterWorld:
        gen = roster_world(database_url, faults=faults, **config)
        worlds.append(gen)
        return next(gen)

    yield make
    for gen in worlds:
        next(gen, None)


def certified_org(w: RosterWorld, serial: int = 1, count: int = 3) -> tuple[str, list[str]]:
    """An organisation and `count` mediators, submitted (the organisation last, on its standings), delivered and
    answered by poll."""
    org = w.org(serial)
    mediators = [w.mediator(f"M{serial}-{n}", serial, serial * 10 + n) for n in range(1, count + 1)]
    w.submit(org)
    assert w.deliver()["delivered"] == count + 1
    assert w.poll()["applied"] == count + 1
    return org, mediators


def test_org_and_three_mediators_certified_by_poll(w: RosterWorld) -> None:
    org, mediators = certified_org(w)
    for record_id in (org, *mediators):
        record = w.record(record_id)
        assert record.status == "CERTIFIED" and record.partner_ref.startswith("SPC-")
    assert w.poll()["applied"] == 0  # the cursor moved on: nothing applied twice


def _push_runtime(w: RosterWorld, signing: Any, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    """The centre's runtime on the world's database (sealed with its key) with the SPC platform at mode = "push"
    (transport spc_form, the push profile `signing`); the world goes on through its unit of work."""
    monkeypatch.setenv("E2E_SPC_PASSWORD", "sandbox-password")
    monkeypatch.setenv("E2E_SPC_CALLBACK_KEY", KEY)
    form = SpcFormSettings(username="centre", password_env="E2E_SPC_PASSWORD", callback_key_env="E2E_SPC_CALLBACK_KEY")
    partner = PartnerSettings(kind="roster", transport="spc_form", base_url=w.server.url, mode="push",
                              signing=signing, form=form, timeout_seconds=5)  # fmt: skip
    sealed = DataKeySettings(algorithm=w.key.algorithm, key=base64.b64encode(w.key.key).decode())
    encryption = EncryptionSettings(active=w.key.kid, keys={w.key.kid: sealed})
    settings = Settings(database_url=str(w.uow.engine.url.render_as_string(hide_password=False)),
                        encryption=encryption, partners={"spc": partner})  # fmt: skip
    runtime = build_runtime(settings, clock=w.clock)
    w.uow.engine.dispose()
    w.uow = runtime.uow
    return runtime


def test_certified_by_callback_and_a_forged_one_refused(
    w: RosterWorld, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform's callbacks POSTed to the served API (POST /api/partners/v1/spc/messages, uvicorn on 127.0.0.1:
    the key of role partner:spc, the push profile's signature over the raw bytes, its window and replay guard,
    then the row's own X-Spc-Signature and the roster's inbound), each answered with the committed result."""
    signer, _, signing = arrange_keys(tmp_path, profile="hmac-appkey", counterpart="partner")
    runtime = _push_runtime(w, signing, monkeypatch)
    api_key = add_client(runtime.uow, "spc", Role.parse("partner:spc"), utc_now())
    outcomes: list[str] = []

    def callbacks(**options: Any) -> SpcCallbacks:
        pushing = SpcCallbacks(w.core, f"{base}/api/partners/v1/spc/messages", signer=signer, api_key=api_key,
                               **options)  # fmt: skip
        pushing._session.hooks["response"].append(lambda answer, *_, **__: outcomes.append(answer.json()["result"]))
        return pushing

    try:
        with served(runtime) as base:
            org = w.org(1)
            mediators = [w.mediator(f"M1-{n}", 1, n) for n in (1, 2, 3)]
            w.submit(org)
            w.deliver()
            callbacks().push_once()
            assert outcomes == ["accepted"] * 4
            assert {w.status(r) for r in (org, *mediators)} == {"CERTIFIED"}
            callbacks().push_once()  # the platform resends: the replay guard or the inbox
            assert set(outcomes[4:]) <= {"duplicate", "rejected"} and len(outcomes) == 8
            w.core.remove(mediators[0], "违反调解纪律")  # a new row, whose row signature is forged
            callbacks(secret="not-the-key").push_once()
            assert outcomes[-1] == "rejected" and w.status(mediators[0]) == "CERTIFIED"
    finally:
        runtime.uow.engine.dispose()


def test_org_with_two_qualifying_refused_locally_nothing_sent(w: RosterWorld) -> None:
    org = w.org(1)
    w.mediator("M1-1", 1, 1)
    w.mediator("M1-2", 1, 2)
    w.mediator("M1-3", 1, 3, submit=False, qualifying=False)  # on the roster, but not qualifying
    w.mediator("M1-4", 1, 4, submit=False, term_to=w.today() - timedelta(days=1))  # term over
    w.mediator("M2-1", 2, 5)  # another organisation's
    with pytest.raises(InvalidRequest) as refused:
        w.submit(org)
    assert refused.value.rule == "min_qualifying_mediators" and refused.value.field == "mediators"
    assert "has 2 qualifying" in str(refused.value) and "M1-3: not qualifying" in str(refused.value)
    assert w.status(org) == "DRAFT"
    with w.uow.begin() as session:
        assert store.outbox(session, org) == []
    w.mediator("M1-5", 1, 6)
    assert w.submit(org).record.status == "SUBMITTED"  # a third qualifying mediator: now it goes


@pytest.mark.parametrize(("faults", "second"), [((), "REJECTED"), (("dup_id",), "CERTIFIED")])
def test_same_id_in_two_organisations_flagged(faulty: Any, faults: tuple[str, ...], second: str) -> None:
    w = faulty(*faults)
    certified_org(w, 1)
    w.org(2)
    twin = w.mediator("M2-twin", 2, 11)  # the same person as M1-1 (serial 11)
    w.deliver()
    w.poll()
    assert w.status(twin) == second  # the platform refused it, or (misbehaving) certified it anyway
    flagged = ids_in_two_orgs(w.uow)
    if second == "CERTIFIED":
        (found,) = flagged
        assert twin in found.record_ids and set(found.refs) == {"M1-1", "M2-twin"} and len(found.organisations) == 2
        assert "440106" not in repr(found)  # keys and refs only, never the ID
    else:
        assert flagged == []  # a rejected entry holds no place on a roster


def test_term_expiring_alerts_then_expired_cannot_be_assigned(w: RosterWorld) -> None:
    certified_org(w)
    m = w.mediator("M1-late", 1, 19, term_to=w.today() + timedelta(days=20))
    w.deliver()
    w.poll()
    w.act("activate", m, {})
    due = {d.name: d for d in ROSTER.due_dates(w.record(m), [], _calendar(), w.now, w.rules)}
    term = next(d for d in due.values() if "term" in d.name)
    assert term.state.value == "due_soon" and term.counting == "calendar"
    rules = sweep.rules_lookup({"spc": w.rules})
    assert sweep.sweep(w.uow, w.clock, _calendar(), rules).get("alert_due_soon") == 1  # the alert, once
    assert "alert_due_soon" not in sweep.sweep(w.uow, w.clock, _calendar(), rules)
    case_id = _self_case(w, "C-1")
    w.services().accept(case_id)
    w.services().assign_mediator(case_id, "M1-late")  # active, in term: assignable
    w.advance(days=21)
    with pytest.raises(InvalidRequest) as refused:
        w.services().assign_mediator(case_id, "M1-late")
    assert refused.value.rule == "mediator_expired" and refused.value.field == "mediator"
    w.act("expire", m, {})
    with pytest.raises(InvalidRequest, match="expired"):
        w.services().assign_mediator(case_id, "M1-late")
    w.services().assign_mediator(case_id, "someone-not-on-the-roster")  # no roster data: works as before


@pytest.mark.parametrize(("faults", "answer"), [((), "REJECTED"), (("expired_term",), "CERTIFIED")])
def test_a_term_ending_before_certification(faulty: Any, faults: tuple[str, ...], answer: str) -> None:
    w = faulty(*faults, certify_after=0)
    m = w.mediator("M1-short", 1, 1, term_to=w.today() + timedelta(days=1))
    w.deliver()
    w.advance(days=3)  # the court answers after the term has ended
    w.poll()
    assert w.status(m) == answer  # refused (任期已届满), or — misbehaving — certified anyway
    if answer == "CERTIFIED":  # our own term still rules: never assignable, and the sweep says the term has passed
        case_id = _self_case(w, "C-9")
        w.services().accept(case_id)
        with pytest.raises(InvalidRequest) as refused:
            w.services().assign_mediator(case_id, "M1-short")
        assert refused.value.rule == "mediator_expired"
        alerts = sweep.sweep(w.uow, w.clock, _calendar(), sweep.rules_lookup({"spc": w.rules}))
        assert alerts.get("alert_overdue", 0) >= 1


def test_retirement_reaches_the_platform_and_ends_assignment(w: RosterWorld) -> None:
    _, mediators = certified_org(w)
    w.act("activate", mediators[0], {})
    w.act("retire", mediators[0], {"reason": "本人申请退出"})
    assert w.deliver()["delivered"] == 1
    assert w.port.query_status([mediators[0]])[mediators[0]].status == "retired"  # type: ignore[union-attr]
    case_id = _self_case(w, "C-2")
    w.services().accept(case_id)
    with pytest.raises(InvalidRequest) as refused:
        w.services().assign_mediator(case_id, "M1-1")
    assert refused.value.rule == "mediator_retired"


def test_session_expiry_mid_run_logs_in_again(w: RosterWorld) -> None:
    w.org(1)
    w.mediator("M1-1", 1, 1)
    assert w.deliver()["delivered"] == 1
    w.core.expire_sessions()
    w.mediator("M1-2", 1, 2)
    assert w.deliver()["delivered"] == 1 and w.port.logins == 2


def test_minus_one_is_a_dead_letter_with_the_reason(w: RosterWorld) -> None:
    w.org(1)
    m = w.mediator("M1-1", 1, 1)
    w.core.fail_next("调解员信息不完整")
    assert w.deliver()["dead"] == 1
    (row,) = delivery.dead(w.uow)
    assert row.record_id == m and "调解员信息不完整" in row.last_error
    assert w.status(m) == "SUBMITTED"  # the record waits; an operator corrects and replays


def test_closed_self_received_case_registered(w: RosterWorld) -> None:
    _, mediators = certified_org(w)
    w.act("activate", mediators[0], {})
    case_id = _self_case(w, "C-3")
    services = w.services()
    services.accept(case_id)
    services.assign_mediator(case_id, "M1-1")
    services.record_failure(case_id, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="双方分歧较大"))
    waiting_case = _self_case(w, "C-4")  # closed, but its mediator has no certified roster entry
    services.accept(waiting_case)
    services.assign_mediator(waiting_case, "李调解")
    services.record_failure(waiting_case, OutcomeCode.POSITIONS_TOO_FAR_APART, FailureReport(reason="当事人撤回"))
    run = register_pending(w.uow, partner="spc", rules=w.rules, actor="job", now=w.now)
    assert list(run.opened) == [case_id] and list(run.waiting) == [waiting_case]
    assert register_pending(w.uow, partner="spc", rules=w.rules, actor="job", now=w.now).opened == {}
    registration = run.opened[case_id]
    (due,) = [d for d in ROSTER.due_dates(w.record(registration), [], _calendar(), w.now, w.rules)
              if d.name == "registration"]  # fmt: skip
    assert due.counting == "working" and due.state.value == "open" and due.due_at is not None
    assert due.due_at == _calendar().add_working_days(w.today(), w.rules.register_working_days).closes_at
    assert w.deliver()["delivered"] == 1
    w.poll()
    record = w.record(registration)
    assert record.status == "REGISTERED" and record.partner_ref.startswith("SPC-C")
    form = w.core.entries[registration].doc
    assert form["success_state"] == "failure" and form["mediator_id"] == w.record(mediators[0]).partner_ref


@pytest.mark.parametrize(("faults", "expected"), [((), {}), (("stats_differ",), {"registered": (0, 1)})])
def test_statistics_reconciled_and_a_difference_reported(faulty: Any, faults: tuple[str, ...], expected: Any) -> None:
    w = faulty(*faults)
    certified_org(w)
    report = reconcile_statistics(w.uow, w.port, w.now.strftime("%Y-%m"))
    assert report.ours == {"organisations": 1, "mediators": 3, "registered": 0}
    assert report.differences == expected


@pytest.mark.parametrize(
    ("faults", "expected"), [((), []), (("stats_differ",), [("registered", 0, 1)])], ids=["in_step", "stats_differ"]
)
def test_partners_reconcile_month_counts_as_the_platform_does(faulty: Any, faults: tuple[str, ...],
                                                               expected: Any) -> None:  # fmt: skip
    """`docking partners reconcile --month` (the core's reconcile) counts the roster as `docking roster stats` does
    (organisations, mediators, registered — not record statuses): no drift, no difference; the sandbox's drift named
    per figure (#19 review)."""
    w = faulty(*faults)
    certified_org(w)
    report = reconcile.reconcile(w.uow, w.port, w.clock, month=w.now.strftime("%Y-%m"))
    assert report.figures_compared and report.differences == []
    assert [(f.name, f.ours, f.theirs) for f in report.figures] == expected


def test_reconciliation_repairs_a_lost_upsert(w: RosterWorld) -> None:
    _, mediators = certified_org(w)
    assert w.core.forget(mediators[1])  # the platform lost it
    found = reconcile.reconcile(w.uow, w.port, w.clock, repair=True)
    (difference,) = found.differences
    assert (difference.record_id, difference.theirs, difference.action) == (mediators[1], None, "repaired")
    assert w.deliver()["delivered"] == 1  # the upsert sent again
    w.poll()
    status = w.port.query_status([mediators[1]])[mediators[1]]
    assert status is not None and status.status == "certified"
    assert reconcile.reconcile(w.uow, w.port, w.clock).differences == []  # in step again


def _self_case(w: RosterWorld, ref: str) -> str:
    dispatch = samples.dispatch(Flow.SELF_RECEIVED, platform_case_id=ref)
    return w.services().register_self_received(dispatch)


def _calendar() -> Any:
    from adapter.deadlines import Deadlines

    return Deadlines().calendar
