"""The traffic kind after the #19 review, table-driven: the offer-answer clock from our receipt, not the platform's
`offered_at` [P44 Art 12]; the insurer's 30-day clock from its receipt of the claim when acknowledged, from our
request until then (保险法 Art 23, the strict side); repair never asks again for a claim the insurer answered; a JC
application the court never rules on falls due and can be withdrawn or closed; and the platform's every status
against ours through the status-equivalence table (AGREES) — "mediating" for our ACCEPTED is no difference."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.deadlines.compute import DueState
from adapter.partners.spec import PartnerDue, PartnerRecord
from adapter.partners.traffic.actions import ACTIONS
from adapter.partners.traffic.deadlines import due_dates
from adapter.partners.traffic.inbound import on_message
from adapter.partners.traffic.rules import TrafficRules
from adapter.partners.traffic.spec import AGREES, TRAFFIC
from adapter.partners.traffic.states import MACHINE, TrafficStatus
from schemas.traffic import TrafficPartnerStatus
from tests.support.traffic_records import envelope, partner_record, record
from tests.support.traffic_samples import CST, offer_data

D, S, P = DueState, TrafficStatus, TrafficPartnerStatus
RULES = TrafficRules()


def at(text: str) -> datetime:
    """'2026-09-18 10:00' China time."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=CST)


def closes(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day) + timedelta(days=1), datetime.min.time(), tzinfo=CST)


def due(rec: PartnerRecord, name: str, now: str, history: list[tuple[str, str]] | None = None) -> PartnerDue:
    found = due_dates(rec, [(at(t), e) for t, e in history or []], WorkCalendar(), at(now), RULES)
    return next(d for d in found if d.name == name)


# ---- 2. the offer answer runs from our receipt ----------------------------------------------------------------------

RECEIPT_ROWS = {
    # (the platform's offered_at, our receipt, last day): 3 working days from the receipt's day
    "received_days_later": ("2026-11-23 10:00", "2026-11-27 17:30", "2026-12-02"),  # Fri → Mon, Tue, Wed
    "received_the_same_day": ("2026-11-23 10:00", "2026-11-23 10:05", "2026-11-26"),
    "received_across_national_day": ("2026-09-28 10:00", "2026-09-30 16:00", "2026-10-10"),  # the Sat make-up day
}


@pytest.mark.parametrize(("offered", "received", "last_day"), RECEIPT_ROWS.values(), ids=RECEIPT_ROWS)
def test_the_offer_answer_runs_from_our_receipt(offered: str, received: str, last_day: str) -> None:
    body = offer_data(offered_at=at(offered).isoformat())
    change = on_message(None, envelope("traffic.case_offered", body, record_id=None), at(received), RULES)
    assert change.facts["offered_at"] == at(offered).isoformat()  # kept and shown
    assert change.facts["received_at"] == at(received).isoformat()
    rec = partner_record("OFFERED", dict(change.facts), opened_at=at(received))
    answer = due(rec, "offer_answer", received)
    assert (answer.counting, answer.due_at) == ("working", closes(last_day))
    assert "working days of our receipt" in answer.rule and "[P44 Art 12]" in answer.rule


# ---- 3. the insurer's 30 days from its receipt; the strict side until acknowledged ---------------------------------

ASSESS_ROWS = {
    # (claim facts beyond requested_at 2026-11-02 10:00, last day, what the rule says it runs from)
    "not_acknowledged_runs_from_our_request": ({"status": "requested"}, "2026-12-02", "our request"),
    "acknowledged_runs_from_its_receipt": (
        {"status": "received", "received_at": "2026-11-06 09:00"},
        "2026-12-07",  # 12-06 is a Sunday: the period runs to the next working day
        "the insurer's receipt",
    ),
    "acknowledged_then_assessing": (
        {"status": "assessing", "received_at": "2026-11-04 09:00"},
        "2026-12-04",
        "the insurer's receipt",
    ),
}


@pytest.mark.parametrize(("claim", "last_day", "since"), ASSESS_ROWS.values(), ids=ASSESS_ROWS)
def test_the_insurer_assesses_within_30_days_of_its_receipt(claim: dict[str, str], last_day: str, since: str) -> None:
    stored = {k: at(v).isoformat() if k.endswith("_at") else v for k, v in claim.items()}
    stored["requested_at"] = at("2026-11-02 10:00").isoformat()
    rec = partner_record("CLAIM_ASSESSING", {"claims": {"C1": stored}}, at("2026-09-01 10:00"))
    assess = due(rec, "claim_assess:C1", "2026-11-10 10:00")
    assert (assess.counting, assess.due_at, assess.state) == ("calendar", closes(last_day), D.OPEN)
    assert since in assess.rule and "30 calendar days" in assess.rule and "保险法 Art 23" in assess.rule


def test_the_insurers_acknowledgement_is_kept_as_the_receipt_once() -> None:
    claims = {"TR-1-C1": {"status": "requested", "requested_at": "2026-11-02T10:00:00+08:00"}}
    body = {"claim_id": "TR-1-C1", "status": "received", "at": "2026-11-06T09:00:00+08:00"}
    change = on_message(record("CLAIM_REQUESTED", claims=claims), envelope("traffic.claim_update", body), at(
        "2026-11-06 09:01"), RULES)  # fmt: skip
    assert change.facts["claims"]["TR-1-C1"]["received_at"] == "2026-11-06T09:00:00+08:00"


# ---- 4. repair resends only the claims the platform never had -------------------------------------------------------

REQUEST = {
    "claim_id": "TR-1-C1",
    "basis": "judgment",
    "basis_ref": "（2026）粤0104民初456号",
    "policy": {"insurer_uscc": "91310000MA1FL0000N", "policy_no": "JQ-A-001"},
    "payee": {"name": "王五", "account": "6222020200112233445"},
    "amount": "1.00",
    "requested_at": "2026-11-02T10:00:00+08:00",
}


@pytest.mark.parametrize(
    ("statuses", "resent"),
    [
        (("requested",), ["TR-1-C1"]),
        (("refused",), []),  # refused: never asked again by a repair
        (("refused", "requested"), ["TR-1-C2"]),
        (("received", "assessing", "agreed"), []),  # answered: it reached the insurer
        (("paid", "requested", "part_paid"), ["TR-1-C2"]),
    ],
)
def test_repair_resends_only_unanswered_claims(statuses: tuple[str, ...], resent: list[str]) -> None:
    claims = {
        f"TR-1-C{n}": {"request": {**REQUEST, "claim_id": f"TR-1-C{n}"}, "status": s} for n, s in enumerate(statuses, 1)
    }
    out = TRAFFIC.repair(record("CLAIM_REQUESTED", claims=claims), "agreed", at("2026-11-20 10:00"))
    assert [o.body.claim_id for o in out] == resent  # type: ignore[attr-defined]
    assert all(o.type == "traffic.claim_request" for o in out)


# ---- 5. a JC application the court never rules on --------------------------------------------------------------------

_APPLIED = [("2026-10-12 10:00", "apply_jc")]  # the ruling due 30 calendar days on: Wed 11-11

JC_ROWS = {
    "waiting": ("JC_APPLIED", [], "2026-11-01 10:00", D.OPEN),
    "closing_soon": ("JC_APPLIED", [], "2026-11-10 10:00", D.DUE_SOON),
    "the_court_never_ruled": ("JC_APPLIED", [], "2026-11-12 00:00", D.OVERDUE),
    "ruled_in_time": ("JC_CONFIRMED", [("2026-11-05 10:00", "jc_confirm")], "2026-11-20 10:00", D.MET),
    "ruled_late": ("JC_REJECTED", [("2026-11-13 10:00", "jc_reject")], "2026-11-20 10:00", D.LATE),
    "withdrawn": ("AGREEMENT_EFFECTIVE", [("2026-11-20 10:00", "jc_withdraw")], "2026-11-21 10:00", D.LATE),
    "closed_unruled": ("CLOSED", [("2026-11-03 10:00", "close")], "2026-11-21 10:00", D.MET),
}


@pytest.mark.parametrize(("status", "after", "now", "state"), JC_ROWS.values(), ids=JC_ROWS)
def test_the_courts_ruling_falls_due_30_calendar_days_after_the_application(
    status: str, after: list[tuple[str, str]], now: str, state: DueState
) -> None:
    ruling = due(partner_record(status, {}, at("2026-09-01 10:00")), "jc_ruling", now, [*_APPLIED, *after])
    assert (ruling.counting, ruling.due_at, ruling.state) == ("calendar", closes("2026-11-11"), state)
    assert "[S3 Art 187]" in ruling.rule and "30 calendar days" in ruling.rule


def test_no_ruling_due_before_an_application() -> None:
    found = due_dates(partner_record("AGREEMENT_EFFECTIVE", {}), [], WorkCalendar(), at("2026-11-01 10:00"), RULES)
    assert "jc_ruling" not in {d.name for d in found}


@pytest.mark.parametrize(("outcome", "said"), [("withdrawn", "withdrawn"), ("not_accepted", "not accepted")])
def test_withdraw_jc_takes_the_case_back_to_its_agreement(outcome: str, said: str) -> None:
    action = ACTIONS["withdraw_jc"]
    given = action.input.model_validate({"outcome": outcome, "reason": "法院逾期未作出裁定，当事人撤回申请"})
    rec = record("JC_APPLIED", jc={"applied_at": "2026-10-12T10:00:00+08:00", "court_code": "2101"})
    change = action.run(rec, given, at("2026-11-20 10:00"), RULES)
    assert MACHINE.advance("JC_APPLIED", str(change.event)) == "AGREEMENT_EFFECTIVE"
    assert change.facts["jc"]["ended"] == outcome and change.facts["jc"]["court_code"] == "2101"
    assert said in change.detail


# ---- 6. the platform's every status against ours ---------------------------------------------------------------------


def test_every_platform_status_has_its_row_and_every_status_of_ours_agrees_with_its_expected_word() -> None:
    assert set(AGREES) == set(TrafficPartnerStatus)
    for status in TrafficStatus:
        expected = TRAFFIC.partner_status(partner_record(status, {}))
        assert expected is not None and status in AGREES[P(expected)], status


# (the platform's word, the statuses of ours it agrees with) — written from partners.md §2 and the sandbox's
# behaviour (sandbox/traffic/bodies.py), not read from AGREES.
AGREEMENT_ROWS: dict[TrafficPartnerStatus, set[TrafficStatus]] = {
    P.OFFERED: {S.OFFERED, S.OFFER_OVERDUE},
    P.DECLINED: {S.DECLINED},
    P.ACCEPTED: {S.ACCEPTED, S.MEDIATING},
    P.MEDIATING: {S.ACCEPTED, S.MEDIATING},  # the review finding: accepted is 调解中 for the platform
    P.SUSPENDED: {S.APPRAISAL_PENDING, S.LIABILITY_UNDER_REVIEW},
    P.AGREED: {S.AGREEMENT_EFFECTIVE, S.JC_APPLIED, S.JC_CONFIRMED, S.JC_REJECTED, S.LITIGATION_ADVISED},
    P.FAILED: {S.TERMINATED, S.LITIGATION_ADVISED},
    P.CLAIMING: {S.CLAIM_REQUESTED, S.CLAIM_ASSESSING, S.CLAIM_AGREED, S.CLAIM_REFUSED, S.ESCALATED},
    P.SETTLED: {S.PAID, S.PART_PAID, S.ESCALATED},
    P.CLOSED: {S.CLOSED},
}
PAIRS = [(theirs, ours) for theirs in TrafficPartnerStatus for ours in TrafficStatus]


@pytest.mark.parametrize(("theirs", "ours"), PAIRS, ids=[f"{t.value}-{o.value}" for t, o in PAIRS])
def test_the_platforms_status_against_ours(theirs: TrafficPartnerStatus, ours: TrafficStatus) -> None:
    rec = partner_record(ours, {})
    assert TRAFFIC.agrees(rec, theirs.value) is (ours in AGREEMENT_ROWS[theirs])


@pytest.mark.parametrize("theirs", [None, "unknown", ""])
def test_a_lost_case_or_a_word_outside_the_vocabulary_never_agrees(theirs: Any) -> None:
    assert not any(TRAFFIC.agrees(partner_record(s, {}), theirs) for s in TrafficStatus)
