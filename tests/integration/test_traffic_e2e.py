"""Every path of a traffic-accident case through the sandbox platform, end to end: the adapter's runtime built from
the settings (`[partners.gd-traffic]`, the generic REST connector with the traffic-platform wire, signed), its own
delivery, polling, reconciliation and deadline sweep, the platform a real server on loopback, read by the adapter
(pull) or pushing to the served API (push) — on SQLite and PostgreSQL, compressed time (tests/support/traffic_world.py).

The matrix (tests/support/e2e_matrix.py): every path on SQLite pulled and on PostgreSQL pushed; the main path and
the misbehaviours that differ between reading and being pushed to (duplicates and out-of-order, a bad signature)
on SQLite pushed and PostgreSQL pulled too.
"""

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from adapter.config.settings import EncryptionSettings, Settings
from adapter.persistence import partner_store as store
from mappings.times import CHINA
from tests.support import e2e_matrix
from tests.support.traffic_world import NAME, Make, TrafficWorld, traffic_world

pytestmark = pytest.mark.integration
PAYEE = {"name": "王五", "account": "6222020200112233445", "bank": "中国工商银行广州分行"}


CROSSED = {
    "test_an_offer_is_mediated_with_an_appraisal_confirmed_claimed_and_paid",
    "test_duplicate_and_out_of_order_messages_are_applied_once",
    "test_a_bad_signature_is_quarantined_with_its_bytes",
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    e2e_matrix.parametrize(metafunc, CROSSED)


@pytest.fixture
def settings(database_url: str, encryption: EncryptionSettings) -> Settings:
    """The integration database, sealed; no court (the world adds the platform as its one partner)."""
    return Settings(database_url=database_url, encryption=encryption)


@pytest.fixture
def world(tmp_path: Path, settings: Settings, mode: str) -> Iterator[Make]:
    yield from traffic_world(tmp_path, settings, mode)


def _mediating(w: TrafficWorld, **offer: Any) -> str:
    record = w.offer(**offer)
    assert w.status(record) == "OFFERED"
    w.act(record, "accept")
    w.act(record, "start_mediation", {"mediator": "调解员 李四"})
    assert (w.status(record), w.theirs(record)) == ("MEDIATING", "mediating")
    return record


def _agreed_and_confirmed(w: TrafficWorld, record: str) -> str:
    """Agreement on the recalculated figures, JC applied and ruled on; the ruling number."""
    w.act(record, "record_outcome", {"result": "agreement"})
    assert (w.status(record), w.theirs(record)) == ("AGREEMENT_EFFECTIVE", "agreed")
    w.act(record, "apply_jc", {"court_code": "粤0104"})
    w.days(3)  # the platform reports the court's ruling
    return str(w.row(record).facts["jc"]["ruling_no"])


def _claim(w: TrafficWorld, record: str, ruling: str) -> dict[str, Any]:
    """The claim on the claimant's compulsory policy with the liable driver's insurer, within its limit."""
    facts = w.row(record).facts
    offer = facts["offer"]
    liable = next(p["party_ref"] for p in offer["parties"] if p["role"] == "liable")
    policy = next(p for p in offer["policies"] if p["insured_ref"] == liable and p["cover"] == "compulsory")
    claim = {"basis": "agreement_jc", "basis_ref": ruling, "insurer_uscc": policy["insurer_uscc"],
             "policy_no": policy["policy_no"], "payee": PAYEE, "amount": "18000.00"}  # fmt: skip
    w.act(record, "request_claim", claim)
    return claim


def _mediation_due(w: TrafficWorld, record: str) -> date | None:
    rows = w.partners.deadlines(timedelta(days=400))
    days = [r["due_day"] for r in rows if r["record"] == record and r["due"] == "mediation"]
    return date.fromisoformat(days[0]) if days else None


def test_an_offer_is_mediated_with_an_appraisal_confirmed_claimed_and_paid(world: Make) -> None:
    w = world()
    calendar, days = w.partners.calendar, w.partners.rules[NAME].mediation_days
    accepted = w.clock().astimezone(CHINA).date()  # the world's START: accepted before its clock moves
    record = _mediating(w)
    before = _mediation_due(w, record)
    assert before == calendar.calendar_days(accepted, days).last_day  # 2 December from the world's START
    w.act(record, "request_appraisal", {"matters": "伤残等级、误工期", "party_ref": "P1"})
    assert (w.status(record), w.theirs(record)) == ("APPRAISAL_PENDING", "suspended")
    assert _mediation_due(w, record) is None  # the mediation clock stands still [P44 Art 26]
    w.days(10)  # five working days, weekends between
    assert (w.status(record), w.theirs(record)) == ("MEDIATING", "mediating")
    # The pause excluded: the period counted on from 10 days later — 12 December, a Saturday, rolled to Monday the
    # 14th [S3 Art 85]. (The world starts at a fixed instant: from the real date a holiday could roll `before`.)
    assert _mediation_due(w, record) == calendar.calendar_days(accepted + timedelta(days=10), days).last_day
    ruling = _agreed_and_confirmed(w, record)
    assert w.status(record) == "JC_CONFIRMED"
    _claim(w, record, ruling)
    assert w.theirs(record) == "claiming"
    w.days(10)
    assert (w.status(record), w.theirs(record)) == ("PAID", "settled")
    assert w.partners.reconcile(NAME)[NAME].differences == []
    assert w.kept() == []
    (claim,) = w.row(record).facts["claims"].values()
    assert claim["request"]["payee"]["account"] == PAYEE["account"]  # opened for us …
    with w.runtime.uow.engine.connect() as connection:  # … and sealed at rest, in the record and the outbox alike
        stored = [row[0] for row in connection.execute(text("SELECT facts_json FROM partner_records"))]
        stored += [row[0] for row in connection.execute(text("SELECT envelope_json FROM partner_outbox"))]
    assert stored and not any(PAYEE["account"] in value for value in stored)


@pytest.mark.parametrize("form", ["yyyyMMddHHmmss", "epoch_millis"])
def test_the_agreed_time_form_travels_both_ways(world: Make, form: str) -> None:
    """The partner's timestamp_format is the platform's: its offer read, our answers and requests understood."""
    w = world(timestamp_format=form)
    record = _mediating(w)
    w.act(record, "request_appraisal", {"matters": "伤残等级"})
    w.days(10)
    assert w.status(record) == "MEDIATING" and w.kept() == []
    sent = w.core.received[-1]
    (ours,) = w.row(record).facts["appraisals"].values()
    stored = datetime.fromisoformat(ours["request"]["requested_at"])
    # read back by the platform in the agreed form: whole seconds (or milliseconds), China time
    assert sent.type == "traffic.appraisal_request"
    assert datetime.fromisoformat(sent.body["requested_at"]) == stored.replace(
        microsecond=stored.microsecond // 1000 * 1000 if form == "epoch_millis" else 0
    )


def test_a_declined_offer_is_final_on_both_sides(world: Make) -> None:
    w = world()
    record = w.offer()
    w.act(record, "decline", {"reason": "事故发生地不属本中心管辖"})
    assert (w.status(record), w.theirs(record)) == ("DECLINED", "declined")


def test_an_unanswered_offer_is_alerted_overdue_and_a_late_answer_still_counts(world: Make) -> None:
    w = world()
    record = w.offer()
    w.days(7)  # three working days [P44 Art 12], a weekend between
    w.partners.sweep()
    alerts = [e.detail for e in w.history(record) if e.note == "deadline_alert"]
    assert len(alerts) == 1 and '"offer_answer"' in alerts[0] and '"overdue"' in alerts[0]
    w.partners.sweep()
    assert len([e for e in w.history(record) if e.note == "deadline_alert"]) == 1  # alerted once
    w.act(record, "offer_overdue")
    w.act(record, "accept")
    assert (w.status(record), w.theirs(record)) == ("ACCEPTED", "mediating")


def test_a_failed_mediation_advises_litigation(world: Make) -> None:
    w = world()
    record = _mediating(w)
    w.act(record, "record_outcome", {"result": "failure", "failure_code": 4})
    assert (w.status(record), w.theirs(record)) == ("TERMINATED", "failed")
    w.act(record, "advise_litigation")
    assert w.status(record) == "LITIGATION_ADVISED"


def test_a_review_mid_mediation_replaces_the_certificate_and_the_figures_are_recalculated(world: Make) -> None:
    w = world("review_liability")
    record = _mediating(w, levels=("main", "secondary"))
    first = w.row(record).facts["certificate"]
    w.days(3)  # the review is requested: the case pauses
    assert (w.status(record), w.theirs(record)) == ("LIABILITY_UNDER_REVIEW", "suspended")
    w.days(4)  # redo decided, the new certificate issued
    assert (w.status(record), w.theirs(record)) == ("MEDIATING", "mediating")
    now = w.row(record).facts["certificate"]
    assert now["supersedes"] == first["cert_no"] != now["cert_no"]
    assert [x["level"] for x in now["liability"]] == ["secondary", "main"]
    assert w.events(record)[-3:] == ["review_requested", "note:review_redo", "review_closed"]
    w.act(record, "record_outcome", {"result": "agreement"})  # on the figures under the new certificate
    assert now["cert_no"] in w.history(record)[-1].detail


def test_a_superseded_certificate_takes_the_offers_place(world: Make) -> None:
    w = world("superseded")
    record = w.offer()
    w.days(1)
    certificate = w.row(record).facts["certificate"]
    assert certificate["supersedes"] and w.row(record).subject == certificate["cert_no"]
    assert w.status(record) == "OFFERED" and "note:certificate_replaced" in w.events(record)


def test_a_reappraisal_replaces_the_first_result(world: Make) -> None:
    w = world("reappraisal")
    record = _mediating(w)
    w.act(record, "request_appraisal", {"matters": "伤残等级"})
    w.days(14)
    assert w.status(record) == "MEDIATING"
    (entry,) = w.row(record).facts["appraisals"].values()
    assert "九级伤残" in entry["result"]["conclusion"]  # the second opinion is the one that counts
    assert "note:appraisal_result" in w.events(record)


@pytest.mark.parametrize(
    ("fault", "paid", "then"),
    [("part_paid", "PART_PAID", "ESCALATED"), ("refused", "CLAIM_REFUSED", "ESCALATED")],
)
def test_a_short_or_refused_claim_is_escalated(world: Make, fault: str, paid: str, then: str) -> None:
    w = world(fault)
    record = _mediating(w)
    _claim(w, record, _agreed_and_confirmed(w, record))
    w.days(12)
    assert (w.status(record), w.theirs(record)) == (paid, "settled" if fault == "part_paid" else "claiming")
    w.act(record, "escalate", {"to": "court", "note": "保险公司拒赔，建议法院发送司法建议"})
    assert w.status(record) == then


def test_a_claim_paid_after_day_30_is_alerted(world: Make) -> None:
    w = world("paid_late")
    record = _mediating(w)
    _claim(w, record, _agreed_and_confirmed(w, record))
    w.days(20)  # agreed on day 5: payment was due within 10 days (保险法 Art 23)
    assert w.status(record) == "CLAIM_AGREED"
    w.partners.sweep()
    alerts = [e.detail for e in w.history(record) if e.note == "deadline_alert"]
    assert any('"claim_pay:' in a and '"overdue"' in a for a in alerts)
    w.days(20)
    assert w.status(record) == "PAID"


def test_duplicate_and_out_of_order_messages_are_applied_once(world: Make) -> None:
    w = world("duplicate_push", "out_of_order")
    record = _mediating(w)
    _claim(w, record, _agreed_and_confirmed(w, record))
    w.days(10)
    assert w.status(record) == "PAID"
    events = w.events(record)
    assert events.count("accept") == 1 and events.count("pay") == 1
    assert "note:out_of_order" in events  # `received` after `assessing`: kept, nothing moved back
    assert w.kept() == []  # duplicates are the inbox's, never quarantined
    if w.push:  # each push answered 200 by the API: the second copy of every item as a duplicate
        results = [(a["status"], a["result"]) for a in w.answers]
        assert set(results) == {(200, "accepted"), (200, "duplicate")}
        assert results.count((200, "duplicate")) == len(results) // 2


def test_a_rejected_jc_advises_litigation(world: Make) -> None:
    w = world("jc_rejected")
    record = _mediating(w)
    _agreed_and_confirmed(w, record)
    assert (w.status(record), w.theirs(record)) == ("JC_REJECTED", "agreed")
    w.act(record, "advise_litigation")
    assert w.status(record) == "LITIGATION_ADVISED"


def test_a_bad_signature_is_quarantined_with_its_bytes(world: Make) -> None:
    w = world("bad_signature")
    (serial,) = w.core.offer()
    w.exchange()
    (kept,) = w.kept()
    assert (kept.platform, kept.feed, kept.reason) == (NAME, "partners", "bad_signature")
    assert kept.raw == w.core.items[0].body.encode() and serial in kept.raw.decode()  # the bytes as they came
    with w.runtime.uow.begin() as session:
        assert store.find_by_ref(session, NAME, serial, lock=False) is None  # nothing opened
    if w.push:
        assert [(a["status"], a["result"], a["reason"]) for a in w.answers] == [(422, "rejected", "bad_signature")]


def test_reconciliation_finds_and_repairs_a_lost_message(world: Make) -> None:
    w = world()
    record = _mediating(w)
    w.act(record, "record_outcome", {"result": "agreement"})
    assert w.core.forget_last(record)  # the platform lost the outcome
    assert w.theirs(record) == "mediating"
    found = w.partners.reconcile(NAME)[NAME]
    assert [(d.record_id, d.expected, d.theirs, d.action) for d in found.differences] == [
        (record, "agreed", "mediating", "report")
    ]
    repaired = w.partners.reconcile(NAME, repair=True)[NAME]
    assert [d.action for d in repaired.differences] == ["repaired"]
    w.exchange()  # the outcome delivered again
    assert w.theirs(record) == "agreed"
    month = f"{w.clock().astimezone(CHINA):%Y-%m}"
    again = w.partners.reconcile(NAME, month=month)[NAME]
    assert again.differences == [] and again.figures_compared and again.figures == []
    w.core.published_statistics = {month: {"agreed": 3}}  # the platform's figures drift
    assert [(f.name, f.ours, f.theirs) for f in w.partners.reconcile(NAME, month=month)[NAME].figures] == [
        ("agreed", 1, 3)
    ]


def test_reconciliation_agrees_with_the_platforms_words_and_never_claims_a_refusal_again(world: Make) -> None:
    """#19 review: the platform says "mediating" (调解中) for a case we accepted — no difference; a refused claim the
    platform has lost is reported, never requested again by repair."""
    w = world("refused")
    record = w.offer()
    w.act(record, "accept")
    assert (w.status(record), w.theirs(record)) == ("ACCEPTED", "mediating")
    assert w.partners.reconcile(NAME)[NAME].differences == []
    w.act(record, "start_mediation", {"mediator": "调解员 李四"})
    _claim(w, record, _agreed_and_confirmed(w, record))
    w.days(12)
    assert (w.status(record), w.theirs(record)) == ("CLAIM_REFUSED", "claiming")
    assert w.partners.reconcile(NAME)[NAME].differences == []  # a refusal leaves the platform's claim open
    assert w.core.forget_last(record)  # the platform loses our claim request
    claims_sent = sum(e.type == "traffic.claim_request" for e in w.core.received)
    found = w.partners.reconcile(NAME, repair=True)[NAME]
    assert [(d.expected, d.theirs, d.action) for d in found.differences] == [("claiming", "agreed", "report")]
    w.exchange()
    assert sum(e.type == "traffic.claim_request" for e in w.core.received) == claims_sent  # nothing asked again


@pytest.mark.parametrize("way_out", ["withdraw_jc", "close"])
def test_a_jc_the_court_never_rules_on_falls_due_and_the_clerk_takes_it_back(world: Make, way_out: str) -> None:
    """#19 review: JC_APPLIED had no way out. The court's ruling is due 30 calendar days after the application
    ([S3 Art 187]); past it the sweep alerts, and the clerk withdraws it (back to the agreement) or closes the case."""
    w = world("jc_silent")
    record = _mediating(w)
    w.act(record, "record_outcome", {"result": "agreement"})
    w.act(record, "apply_jc", {"court_code": "粤0104"})
    w.days(31)  # past the 30 days: the 30th (from the world's fixed START) a working day, no holiday roll
    assert (w.status(record), w.theirs(record)) == ("JC_APPLIED", "agreed")
    w.partners.sweep()
    alerts = [e.detail for e in w.history(record) if e.note == "deadline_alert"]
    assert any('"jc_ruling"' in a and '"overdue"' in a for a in alerts)
    assert [r["state"] for r in _jc_ruling_rows(w, record)] == ["overdue"]
    if way_out == "withdraw_jc":
        w.act(record, "withdraw_jc", {"outcome": "withdrawn", "reason": "法院逾期未作出裁定，当事人撤回申请"})
        assert w.status(record) == "AGREEMENT_EFFECTIVE"
    else:
        w.act(record, "close", {"note": "法院未裁定，当事人自行履行"})
        assert w.status(record) == "CLOSED"
    assert w.partners.reconcile(NAME)[NAME].differences == []
    assert _jc_ruling_rows(w, record) == []  # answered (late): nothing left to chase


def _jc_ruling_rows(w: TrafficWorld, record: str) -> list[dict[str, Any]]:
    return [r for r in w.partners.deadlines(timedelta(days=400)) if r["record"] == record and r["due"] == "jc_ruling"]
