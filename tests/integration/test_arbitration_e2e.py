"""Every path of an arbitration application through the sandbox commission, end to end: the partner core
(adapter/partners/: the kind's actions, the outbox delivered, the commission's feed read, its messages applied) on
SQLite and PostgreSQL, the commission a real server on loopback behind the generic partner REST connector with the
arb-commission wire, read (pull) or pushing its items (push), signed both ways (tests/support/arbitration_world.py:
one clock for both sides, the commission's days stepped).

Paths (partners.md §3 "Sandbox", issue #19 "What it must show"): application → receipt → accepted with a fee notice
within 5 days → fee paid → tribunal → hearing → 调解书 → served on each party → effective when the last signs; an
award on agreed terms; refusal (no agreement, pre-dispute confirmation); fee unpaid → withdrawn; a party backs out →
award; a correction; a set-aside filed in month five; mediation entrusted by the commission; the guard refusing each
of its cases locally with nothing sent; duplicates applied once; a bad signature quarantined with its bytes;
reconciliation finding drift injected in the commission (a lost application, a status edited) and repairing it;
a commission late to decide (past Art 24's 5 calendar days) raising the acceptance alert once.

The matrix (tests/support/e2e_matrix.py): every path on SQLite pulled and on PostgreSQL pushed; the main path and
the misbehaviours that differ between reading and being pushed to (duplicates, a bad signature) on SQLite pushed
and PostgreSQL pulled too.
"""

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.errors import InvalidRequest
from adapter.partners import reconcile, sweep
from sandbox.arbitration import CommissionConfig
from tests.support import e2e_matrix
from tests.support.arbitration_wire_samples import application
from tests.support.arbitration_world import ArbWorld, arb_world

pytestmark = pytest.mark.integration
CASE_NO = "（2026）穗仲案字第123号"


CROSSED = {
    "test_a_mediation_statement_takes_effect_when_the_last_party_signs",
    "test_duplicates_are_applied_once",
    "test_a_bad_signature_is_quarantined_with_its_bytes",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    e2e_matrix.parametrize(metafunc, CROSSED)


@pytest.fixture
def w(database_url: str, tmp_path: Path, mode: str) -> Iterator[ArbWorld]:
    yield from arb_world(database_url, tmp_path / "keys", mode=mode)


def submit(w: ArbWorld, **changes: Any) -> str:
    data = {"application": application(**changes).model_dump(mode="json")}
    record_id = w.act("submit_application", None, data).record.record_id
    w.exchange()  # handed over the same day: the commission has it before its clock moves
    return record_id


def test_a_mediation_statement_takes_effect_when_the_last_party_signs(w: ArbWorld) -> None:
    rid = submit(w)
    assert w.row(rid).status == "SUBMITTED" and w.history(rid)[-1] == "receipt"
    assert w.core.by_record(rid) is not None and w.core.applications  # applied at the commission, once
    w.days(3)  # accepted on day 3: within the 5 days of Art 24
    row = w.row(rid)
    assert row.status == "ACCEPTED" and row.partner_ref == CASE_NO
    assert w.facts(rid)["fee_notice"]["amount"] == "1200.00"
    w.act("pay_fee", rid)
    w.days(0)
    assert w.core.status([rid])[rid] == {"status": "in_proceedings", "partner_ref": CASE_NO}  # at the commission too
    w.days(5)
    assert w.row(rid).status == "TRIBUNAL_FORMED"
    w.days(1)
    assert w.row(rid).status == "IN_PROCEEDINGS"
    w.days(9)
    assert w.row(rid).status == "INSTRUMENT_ISSUED"
    w.days(1)
    assert w.row(rid).status == "SERVING"  # one party signed for the 调解书
    w.days(1)
    assert w.row(rid).status == "EFFECTIVE"  # the last party signed [P21 Art 52]
    assert w.history(rid) == [
        "submit", "receipt", "accept", "pay_fee", "form_tribunal", "hold_hearing", "issue_statement", "serve",
        "all_signed",
    ]  # fmt: skip
    assert w.counts["quarantined"] == 0 and w.quarantine() == []


def run_out(w: ArbWorld, rid: str, *, pay: bool = True, rounds: int = 30) -> None:
    """Step from one scripted answer of the commission to the next until it has nothing left to say about `rid`
    (bounded), paying the fee when it is due."""
    for _ in range(rounds):
        case = w.core.by_record(rid)
        assert case is not None
        if pay and w.row(rid).status == "ACCEPTED":
            w.act("pay_fee", rid)
            w.exchange()
        if not case.pending:
            return
        w.days(max(case.pending[0][0] - w.core.elapsed(case), 0.0) + 0.01)
    raise AssertionError(f"the commission still had {case.pending} after {rounds} rounds")


@pytest.mark.parametrize(
    "requested,faults,pay,final,path",
    [
        ("award_on_agreed_terms", (), True, "EFFECTIVE", ["issue_award"]),
        ("mediation_statement", ("party_repents",), True, "AWARD_ISSUED", ["issue_statement", "serve", "repent",
                                                                          "issue_award"]),
        ("award_on_agreed_terms", ("correction",), True, "EFFECTIVE", ["issue_award", "corrected"]),
        ("award_on_agreed_terms", ("set_aside",), True, "SET_ASIDE_PENDING", ["issue_award", "file_set_aside"]),
        ("mediation_statement", ("refuse_no_agreement",), True, "REFUSED", ["refuse"]),
        ("mediation_statement", ("refuse_pre_dispute",), True, "REFUSED", ["refuse"]),
        ("mediation_statement", (), False, "WITHDRAWN", ["accept", "withdraw"]),  # the fee never paid
        ("mediation_statement", ("fee_unpaid",), True, "WITHDRAWN", ["pay_fee", "withdraw"]),  # paid, never arrived
    ],
    ids=["award", "party-repents", "correction", "set-aside-month-five", "refused-no-agreement",
         "refused-pre-dispute", "fee-unpaid", "fee-lost"],
)  # fmt: skip
def test_every_path_through_the_sandbox_commission(
    w: ArbWorld, requested: str, faults: tuple[str, ...], pay: bool, final: str, path: list[str]
) -> None:
    w.core.config.faults = faults  # every application the commission receives misbehaves so
    rid = submit(w, requested=requested)
    run_out(w, rid, pay=pay)
    assert w.row(rid).status == final
    history = w.history(rid)
    assert [h for h in history if h in path] == path, history
    assert w.quarantine() == [] and w.core.applications and max(w.core.applications.values()) == 1
    theirs = w.port.query_status([rid])[rid]
    assert theirs is not None and theirs.status == {
        "EFFECTIVE": "effective", "AWARD_ISSUED": "effective", "SET_ASIDE_PENDING": "set_aside_pending",
        "REFUSED": "refused", "WITHDRAWN": "withdrawn",
    }[final]  # fmt: skip
    if "set_aside" in faults:  # filed in month five after the award took effect: inside the 6 months of Art 59
        filed = w.facts(rid)["set_aside"]["filed_at"]
        effective = w.facts(rid)["effective_at"]
        assert 120 <= (_at(filed) - _at(effective)).days <= 150
    if "refuse_pre_dispute" in faults:
        assert w.facts(rid)["refused"]["reason"] == "pre_dispute_confirmation"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_mediation_entrusted_by_the_commission_opens_a_record_and_its_result_goes_back(w: ArbWorld) -> None:
    case_no = w.core.entrust("请求支付物业服务费", "5000.00")
    w.exchange()
    (record,) = w.records()
    assert record.status == "ENTRUSTED" and record.partner_ref == case_no and record.partner == "gzac"
    w.act("start_mediation", record.record_id)
    w.act("send_mediation_result", record.record_id, {"outcome": "failed", "text": "调解不成"})
    w.exchange()
    assert w.row(record.record_id).status == "RESULT_SENT"
    assert w.port.query_status([record.record_id])[record.record_id].status == "result_received"  # type: ignore[union-attr]


FEB_12 = "2026-02-12T09:00:00+08:00"
GUARDED = {  # rule → what the application says (partners.md §3 Guards; SPC reply 2018 [P26])
    "arbitration_agreement_missing": {"arbitration_agreement": None},
    "arbitration_agreement_incomplete": {"arbitration_agreement": {"commission": ""}},
    "arbitration_agreement_other_commission": {"arbitration_agreement": {"commission": "深圳国际仲裁院"}},
    "dispute_time_in_future": {"dispute_arose_at": "2099-01-01T00:00:00+08:00"},
    "mediation_agreement_missing": {"mediation_agreement": None},
    "settlement_before_dispute": {"dispute_arose_at": "2026-02-20T00:00:00+08:00"},
    "confirmation_before_dispute": {  # the agreement confirming the settlement signed 02-10, the dispute 02-11
        "dispute_arose_at": "2026-02-11T00:00:00+08:00",
        "mediation_agreement": {"concluded_at": FEB_12, "effective_at": FEB_12},
    },
    "mediation_agreement_not_effective": {"mediation_agreement": {"effective_at": None}},
    "recusal_waived": {"waivers": {"recusal": [{"party": "R1"}]}},
    "evidence_waived": {"waivers": {"evidence": [{"party": "R1", "text": "放弃举证质证"}]}},
    "defence_waived": {"waivers": {"defence": [{"party": "R1"}]}},
}  # fmt: skip


def _merged(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        out[key] = _merged(base[key], value) if isinstance(value, dict) and isinstance(base.get(key), dict) else value
    return out


@pytest.mark.parametrize("rule", sorted(GUARDED))
def test_the_guard_refuses_each_case_locally_and_nothing_is_sent(w: ArbWorld, rule: str) -> None:
    w.rules = w.rules.model_copy(update={"commission_name": "广州仲裁委员会"})
    data = _merged(application().model_dump(mode="json"), GUARDED[rule])
    with pytest.raises(InvalidRequest) as refused:
        w.act("submit_application", None, {"application": data})
    assert refused.value.rule == rule and refused.value.field
    w.exchange()
    assert w.records() == [] and w.outbox() == []  # nothing stored, nothing queued …
    assert [r for r in w.core.requests if not r.startswith("GET ")] == []  # … nor sent (pull: a feed read, no more)
    assert w.core.received == [] and w.core.cases == {}


def test_duplicates_are_applied_once(tmp_path: Path, database_url: str, mode: str) -> None:
    config = CommissionConfig(seconds_per_day=1.0, faults=("duplicate",))
    for w in arb_world(database_url, tmp_path / "keys", config, mode):
        rid = submit(w, requested="award_on_agreed_terms")
        run_out(w, rid)
        assert w.row(rid).status == "EFFECTIVE"
        published = len(w.core.items)
        assert w.counts["applied"] == published // 2 and w.counts["duplicate"] == published // 2
        assert w.history(rid).count("accept") == 1 and w.quarantine() == []


def test_a_bad_signature_is_quarantined_with_its_bytes(tmp_path: Path, database_url: str, mode: str) -> None:
    config = CommissionConfig(seconds_per_day=1.0, faults=("bad_signature",))
    for w in arb_world(database_url, tmp_path / "keys", config, mode):
        rid = submit(w)
        w.days(3)
        assert w.row(rid).status == "SUBMITTED"  # neither the receipt nor the acceptance applied
        kept = w.quarantine()
        assert [q.reason for q in kept] == ["bad_signature", "bad_signature"]
        assert [q.raw for q in kept] == [i.body.encode() for i in w.core.items]  # the original bytes, sealed


def test_reconciliation_finds_drift_in_the_commission_and_repairs_it(w: ArbWorld) -> None:
    from tests.support.arbitration_wire_samples import pdf

    settled = application().mediation_agreement
    assert settled is not None
    another = settled.model_copy(update={"pdf": pdf("另一份调解协议.pdf").model_copy(update={"sha256": "cd" * 32})})
    lost, kept = submit(w), submit(w, mediation_agreement=another)  # two settlements (one is refused twice)
    w.core.forget(lost)  # drift: the commission lost the first application
    w.core.set_status(kept, "withdrawn")  # and says the second was withdrawn, which nobody asked
    found = reconcile.reconcile(w.uow, w.port, w.clock, repair=True)
    assert found.checked == 2
    differences = {d.record_id: (d.expected, d.theirs, d.action) for d in found.differences}
    assert differences == {lost: ("received", None, "repaired"), kept: ("received", "withdrawn", "report")}
    assert w.history(lost)[-1] == "reconcile_repair" and len(w.outbox()) == 3  # the application again, queued
    w.exchange()  # delivered: the commission has it again, as a new case
    w.core.set_status(kept, None)
    again = reconcile.reconcile(w.uow, w.port, w.clock, repair=True)
    assert again.differences == [] and again.checked == 2
    w.days(3)
    assert w.row(lost).status == "ACCEPTED" and w.row(kept).status == "ACCEPTED"
    assert w.row(lost).partner_ref != w.row(kept).partner_ref  # the resent application got a case number of its own
    assert w.quarantine() == []


def test_a_commission_late_to_decide_raises_the_acceptance_alert(tmp_path: Path, database_url: str, mode: str) -> None:
    config = CommissionConfig(seconds_per_day=1.0, faults=("late_decision",))
    for w in arb_world(database_url, tmp_path / "keys", config, mode):
        rid = submit(w)
        rules = sweep.rules_lookup({"gzac": w.rules})
        w.days(9.5)  # past the 5 calendar days of Art 24, moved off any rest day
        assert w.row(rid).status == "SUBMITTED"
        assert sweep.sweep(w.uow, w.clock, WorkCalendar(), rules) == {"records": 1, "alert_overdue": 1}
        (alert,) = [e for e in w.events(rid) if e.note == "deadline_alert"]
        assert json.loads(alert.detail)["kind"] == "acceptance" and json.loads(alert.detail)["counting"] == "calendar"
        assert sweep.sweep(w.uow, w.clock, WorkCalendar(), rules) == {"records": 1}  # once
        w.days(1)
        assert w.row(rid).status == "ACCEPTED"  # late, but accepted: the alert was for the centre's staff
