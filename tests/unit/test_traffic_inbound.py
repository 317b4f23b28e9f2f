"""Inbound platform messages (adapter/partners/traffic/inbound.py) and reconciliation (spec.py): the offer opens
the case; a review pauses it; a replacing certificate recalculates the figures; an appraisal result resumes it;
claim updates aggregate over insurers; duplicates and out-of-order messages are notes, never crashes; a message
that cannot apply raises InvalidRequest naming the field and rule (the core quarantines it)."""

from typing import Any

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.specs import spec_for
from adapter.partners.traffic.claim_updates import aggregate
from adapter.partners.traffic.inbound import on_message
from adapter.partners.traffic.rules import TrafficRules
from schemas.traffic import OfferAnswer
from tests.support.traffic_records import after, envelope, opening, record
from tests.support.traffic_samples import OFFERED_AT, certificate_data, offer_data, pdf

CERT = "粤公交认字〔2026〕第0001号"
NEW_CERT = "粤公交认字〔2026〕第0009号"
TRAFFIC = spec_for("traffic")


def receive(rec: Any, type: str, body: dict[str, Any]) -> Any:
    return on_message(rec, envelope(f"traffic.{type}", body), OFFERED_AT, TrafficRules())


def replacement(**levels: str) -> dict[str, Any]:
    new = certificate_data(NEW_CERT, **(levels or {"P1": "none", "P2": "equal", "P3": "equal"}))
    return {"certificate": {**new, "supersedes": CERT}, "at": "2026-10-05T09:00:00+08:00"}


def test_the_offer_opens_the_case_with_its_figures() -> None:
    change = opening()
    assert change.event is None and change.note == "offered"
    assert (change.partner_ref, change.subject, change.amount) == ("DJ2026092100017", CERT, "256000.00")
    assert change.facts["offer_message_id"] == "OFFER-1" and change.facts["figures"]["total"] == "256000.00"
    assert "110105198503071230" not in change.detail


def test_the_same_offer_again_is_a_duplicate() -> None:
    change = receive(record("MEDIATING"), "case_offered", offer_data())
    assert (change.event, change.note, dict(change.facts)) == (None, "duplicate", {})


@pytest.mark.parametrize("status", ["OFFERED", "MEDIATING", "CLOSED", "DECLINED"])
@pytest.mark.parametrize(
    "other",
    [{"source": "another unit"}, {"offered_at": "2020-01-01T09:00:00+08:00"}, {"claims": []}],
    ids=["source", "offered_at", "claims"],
)
def test_the_same_serial_with_other_content_is_a_conflict_whatever_the_status(
    status: str, other: dict[str, Any]
) -> None:
    """#19: not a duplicate note — refused (rule conflict, field body) so the core keeps it and alerts."""
    with pytest.raises(InvalidRequest) as caught:
        receive(record(status), "case_offered", {**offer_data(), **other})
    assert (caught.value.rule, caught.value.field) == ("conflict", "body")
    assert next(iter(other)) in str(caught.value)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (offer_data(claims=[{"head": "13", "amount": "1.00"}]), "body.claims[0].head"),
        (offer_data(claims=[{"head": "01", "amount": 1.5}]), "body.claims.0.amount"),
        (offer_data(accident=certificate_data(P1="full", P2="main")), "body.accident"),
        (
            offer_data(
                policies=[
                    {"insurer_uscc": "91310000MA1FL0000X", "policy_no": "X", "cover": "compulsory", "limit": "1.00"}
                ]
            ),
            "body.policies.0.insurer_uscc",
        ),
    ],
)
def test_an_offer_that_cannot_apply_is_refused_naming_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        on_message(None, envelope("traffic.case_offered", body, record_id=None), OFFERED_AT, TrafficRules())
    assert caught.value.field == field


def test_a_review_pauses_then_a_replacing_certificate_recalculates_and_resumes() -> None:
    mediating = record("MEDIATING")
    paused = receive(
        mediating, "liability_review", {"phase": "requested", "at": "2026-09-25T09:00:00+08:00", "cert_no": CERT}
    )
    assert paused.event == "review_requested"
    under_review = after(mediating, paused, "LIABILITY_UNDER_REVIEW")
    again = receive(
        under_review, "liability_review", {"phase": "requested", "at": "2026-09-25T09:00:00+08:00", "cert_no": CERT}
    )
    assert again.note == "duplicate" and again.event is None
    redo = receive(
        under_review, "liability_review", {"phase": "redo", "at": "2026-09-30T09:00:00+08:00", "cert_no": CERT}
    )
    assert redo.event is None and redo.note == "review_redo"
    replaced = receive(under_review, "certificate_replaced", replacement())
    assert replaced.event == "review_closed" and replaced.subject == NEW_CERT
    shares = {s["policy_no"]: s["amount"] for s in replaced.facts["figures"]["shares"]}
    # 交强险 as before (120,000 each); the medical beyond its sub-limits, 16,000, now shared equally.
    assert shares == {"JQ-A-001": "120000.00", "JQ-B-001": "120000.00", "SZ-A-001": "8000.00", "SZ-B-001": "8000.00"}
    assert replaced.facts["replaced"] == [CERT]
    resumed = after(under_review, replaced, "MEDIATING")
    assert receive(resumed, "certificate_replaced", replacement()).note == "duplicate"
    late = receive(resumed, "liability_review", {"phase": "upheld", "at": "2026-10-06T09:00:00+08:00", "cert_no": CERT})
    assert late.note == "out_of_order" and late.event is None


def test_a_replacement_beyond_the_compulsory_cover_moves_the_commercial_shares() -> None:
    big = record("LIABILITY_UNDER_REVIEW", offer=offer_data(claims=[{"head": "08", "amount": "600000.00"}]))
    before = {s["policy_no"]: s["amount"] for s in big.facts["figures"]["shares"]}
    assert (before["SZ-A-001"], before["SZ-B-001"]) == ("11200.00", "4800.00")  # as stored from the sample offer
    change = receive(big, "certificate_replaced", replacement())
    shares = {s["policy_no"]: s["amount"] for s in change.facts["figures"]["shares"]}
    assert (shares["SZ-A-001"], shares["SZ-B-001"]) == ("120000.00", "120000.00")


def test_a_replacement_of_a_certificate_not_in_force_is_refused() -> None:
    body = replacement()
    body["certificate"]["supersedes"] = "粤公交认字〔2026〕第0777号"
    with pytest.raises(InvalidRequest) as caught:
        receive(record("MEDIATING"), "certificate_replaced", body)
    assert (caught.value.field, caught.value.rule) == ("body.certificate.supersedes", "supersedes")


def test_a_review_during_an_appraisal_returns_to_the_appraisal() -> None:
    appraisals = {"TR-1-A1": {"request": {"appraisal_id": "TR-1-A1"}}}
    change = receive(record("LIABILITY_UNDER_REVIEW", appraisals=appraisals), "certificate_replaced", replacement())
    assert change.event == "review_closed_appraisal_open"


def test_a_review_before_mediation_started_returns_to_accepted() -> None:
    """Reviewed while ACCEPTED (no mediator yet): upheld or replaced, the case goes back to ACCEPTED, not into a
    mediation nobody started."""
    accepted = record("ACCEPTED")
    requested = {"phase": "requested", "at": "2026-09-25T09:00:00+08:00", "cert_no": CERT}
    paused = receive(accepted, "liability_review", requested)
    assert paused.event == "review_requested" and paused.facts["review_from"] == "ACCEPTED"
    under_review = after(accepted, paused, "LIABILITY_UNDER_REVIEW")
    upheld = receive(under_review, "liability_review", {**requested, "phase": "upheld"})
    assert upheld.event == "review_closed_unstarted"
    assert receive(under_review, "certificate_replaced", replacement()).event == "review_closed_unstarted"
    from_mediation = record("LIABILITY_UNDER_REVIEW", review_from="MEDIATING")
    assert receive(from_mediation, "liability_review", {**requested, "phase": "upheld"}).event == "review_closed"


def _result(appraisal_id: str = "TR-1-A1") -> dict[str, Any]:
    return {
        "appraisal_id": appraisal_id,
        "conclusion": "十级伤残",
        "pdf": pdf("鉴定意见书.pdf"),
        "fee": "2800.00",
        "challenge_deadline": "2026-10-20T17:00:00+08:00",
        "delivered_at": "2026-10-09T10:00:00+08:00",
    }


def test_the_appraisal_result_ends_the_pause_and_again_is_a_duplicate() -> None:
    pending = record("APPRAISAL_PENDING", appraisals={"TR-1-A1": {"request": {"appraisal_id": "TR-1-A1"}}})
    change = receive(pending, "appraisal_result", _result())
    assert change.event == "appraisal_done" and change.facts["appraisals"]["TR-1-A1"]["result"]["fee"] == "2800.00"
    assert receive(after(pending, change, "MEDIATING"), "appraisal_result", _result()).note == "duplicate"
    with pytest.raises(InvalidRequest) as caught:
        receive(pending, "appraisal_result", _result("TR-1-A7"))
    assert (caught.value.field, caught.value.rule) == ("body.appraisal_id", "appraisal_id")


def test_a_jc_ruling_before_the_application_is_kept_out_of_order() -> None:
    body = {"confirmed": True, "ruling_no": "（2026）粤0104民特123号", "ruled_at": "2026-11-01T10:00:00+08:00"}
    early = receive(record("AGREEMENT_EFFECTIVE"), "jc_result", body)
    assert early.note == "out_of_order" and "jc" not in early.facts
    assert receive(record("JC_APPLIED"), "jc_result", body).event == "jc_confirm"


def _claims(*statuses: str) -> dict[str, Any]:
    return {f"TR-1-C{n}": {"status": s, "requested_at": "2026-11-02T10:00:00+08:00"} for n, s in enumerate(statuses, 1)}


CLAIM_ROWS = {
    # (record status, claims before, update, expected event, expected note)
    "assessing": ("CLAIM_REQUESTED", ("requested",), ("TR-1-C1", "assessing", None), "assess", None),
    "received_is_a_note": ("CLAIM_REQUESTED", ("requested",), ("TR-1-C1", "received", None), None, "claim_received"),
    "paid_without_assessing": ("CLAIM_REQUESTED", ("requested",), ("TR-1-C1", "paid", "128000.00"), "pay", None),
    "one_of_two_paid_waits_for_the_other": (
        "CLAIM_REQUESTED",
        ("requested", "requested"),
        ("TR-1-C1", "paid", "1.00"),
        None,
        "claim_progress",
    ),
    "the_other_part_paid": (
        "CLAIM_ASSESSING",
        ("paid", "assessing"),
        ("TR-1-C2", "part_paid", "1.00"),
        "part_pay",
        None,
    ),
    "refused": ("CLAIM_ASSESSING", ("assessing",), ("TR-1-C1", "refused", None), "refuse", None),
    "rest_paid_after_part": ("PART_PAID", ("part_paid",), ("TR-1-C1", "paid", "2.00"), "pay", None),
    "the_same_again": ("CLAIM_ASSESSING", ("assessing",), ("TR-1-C1", "assessing", None), None, "duplicate"),
    "an_earlier_status_late": ("CLAIM_AGREED", ("agreed",), ("TR-1-C1", "assessing", None), None, "out_of_order"),
    "paid_after_escalation": ("ESCALATED", ("agreed",), ("TR-1-C1", "paid", "3.00"), None, "out_of_order"),
}


@pytest.mark.parametrize(("status", "before", "update", "event", "note"), CLAIM_ROWS.values(), ids=CLAIM_ROWS)
def test_claim_updates(
    status: str, before: tuple[str, ...], update: tuple[str, str, str | None], event: str | None, note: str | None
) -> None:
    claim_id, new, amount = update
    body = {"claim_id": claim_id, "status": new, "amount": amount, "at": "2026-11-20T10:00:00+08:00"}
    change = receive(record(status, claims=_claims(*before)), "claim_update", body)
    assert (change.event, change.note) == (event, note)


def test_a_claim_update_for_no_claim_of_the_case_is_refused() -> None:
    body = {"claim_id": "TR-1-C9", "status": "assessing", "at": "2026-11-20T10:00:00+08:00"}
    with pytest.raises(InvalidRequest) as caught:
        receive(record("CLAIM_REQUESTED", claims=_claims("requested")), "claim_update", body)
    assert (caught.value.field, caught.value.rule) == ("body.claim_id", "claim_id")


def test_the_aggregate_follows_the_least_advanced_claim() -> None:
    assert aggregate(["agreed", "received"]) == "CLAIM_REQUESTED"
    assert aggregate(["paid", "refused"]) == "CLAIM_REFUSED"
    assert aggregate(["paid", "part_paid"]) == "PART_PAID"


@pytest.mark.parametrize("type", ["offer_answer", "appraisal_request", "outcome", "claim_request"])
def test_what_the_centre_sends_is_refused_inbound(type: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        receive(record("MEDIATING"), type, {})
    assert caught.value.rule == "direction"


def test_a_message_without_its_case_is_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        receive(None, "liability_review", {"phase": "requested", "at": "2026-09-25T09:00:00+08:00", "cert_no": CERT})
    assert caught.value.rule == "record"


@pytest.mark.parametrize(
    ("status", "theirs", "resent"),
    [
        ("MEDIATING", "offered", ["traffic.offer_answer"]),
        ("MEDIATING", "mediating", []),
        ("AGREEMENT_EFFECTIVE", "mediating", ["traffic.outcome"]),
        ("CLAIM_REQUESTED", "agreed", ["traffic.claim_request"]),
        ("CLOSED", "mediating", []),
    ],
)
def test_reconciliation_resends_what_the_platform_lacks(status: str, theirs: str, resent: list[str]) -> None:
    answer = OfferAnswer(accepted=True, answered_at=OFFERED_AT).model_dump(mode="json")
    outcome = {
        "result": "agreement",
        "at": "2026-10-25T10:00:00+08:00",
        "items": [{"head": "01", "amount": "1.00", "payer_ref": "P2"}],
    }
    request = {
        "claim_id": "TR-1-C1",
        "basis": "judgment",
        "basis_ref": "（2026）粤0104民初456号",
        "policy": {"insurer_uscc": "91310000MA1FL0000N", "policy_no": "JQ-A-001"},
        "payee": {"name": "王五", "account": "6222020200112233445"},
        "amount": "1.00",
        "requested_at": "2026-11-02T10:00:00+08:00",
    }
    rec = record(
        status, answer=answer, outcome=outcome, claims={"TR-1-C1": {"request": request, "status": "requested"}}
    )
    assert [out.type for out in TRAFFIC.repair(rec, theirs, OFFERED_AT)] == resent
    assert TRAFFIC.partner_status(rec) in {"mediating", "agreed", "claiming", "closed"}
