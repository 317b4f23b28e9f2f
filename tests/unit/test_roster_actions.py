"""The roster's actions and the platform's answers walked through the machine as the core applies them (status via
the machine, facts merged): an organisation and a mediator from draft to retirement, a registration refused and
registered, and each refusal naming its field and rule — nothing sent."""

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.roster import actions as a
from adapter.partners.roster import lifecycle as lc
from adapter.partners.roster import registration as r
from adapter.partners.roster.guards import assignable, standing_of
from adapter.partners.roster.inbound import on_message
from adapter.partners.spec import Change, PartnerRecord
from schemas.clock import CHINA
from schemas.partner import PartnerEnvelope
from schemas.roster import Mediator, MediatorRetireBody, Organisation, RosterEntryStatus
from tests.support.roster_samples import (
    RULES,
    T0,
    form,
    mediator,
    mediator_record,
    org_record,
    organisation,
    registration_record,
    step,
)


def answer(record: PartnerRecord | None, type: str, body: dict[str, Any], at: datetime = T0) -> Change:
    envelope = PartnerEnvelope(
        message_id=f"in-{type}-{at.isoformat()}", kind="roster", partner="spc", record_id=None if record is None
        else record.record_id, type=type, sent_at=at, body=body,
    )  # fmt: skip
    return on_message(record, envelope, at, RULES)


CERTIFIED = {"platform_id": "SPC-O-77", "certified_at": "2026-03-04T10:00:00+08:00"}


def test_an_organisation_from_draft_to_retirement() -> None:
    org = step(None, a.upsert_org(None, a.OrgInput(organisation=organisation()), T0, RULES))
    assert (org.status, org.subject) == ("DRAFT", organisation().uscc)
    two = [standing_of(mediator_record("DRAFT", mediator(n))) for n in (1, 2)]
    with pytest.raises(InvalidRequest) as refused:
        a.submit(org, a.SubmitInput(mediators=tuple(two)), T0, RULES)
    assert refused.value.rule == "min_qualifying_mediators"
    three = (*two, standing_of(mediator_record("DRAFT", mediator(3))))
    change = a.submit(org, a.SubmitInput(mediators=three), T0, RULES)
    (out,) = change.outgoing
    assert out.type == "roster.org_upsert" and out.body == organisation()
    org = step(org, change)
    org = step(org, answer(org, "roster.certified", CERTIFIED))
    assert (org.status, org.partner_ref) == ("CERTIFIED", "SPC-O-77")
    dup = answer(org, "roster.certified", CERTIFIED)
    assert (dup.event, dup.note) == (None, "duplicate")
    org = step(org, a.activate(org, a.NoInput(), T0, RULES))
    later = T0 + timedelta(days=7)
    edited = organisation(specialties=("金融借款", "保险理赔", "证券"))
    change = a.edit_org(org, a.OrgInput(organisation=edited), later, RULES)
    assert change.event == "update" and change.outgoing[0].body == edited
    org = step(org, change, later)
    recertified = answer(org, "roster.certified", {**CERTIFIED, "certified_at": "2026-03-10T10:00:00+08:00"}, later)
    assert recertified.note == "recertified"
    org = step(org, lc.suspend(org, a.ReasonInput(reason="整改"), later, RULES), later)
    assert org.status == "SUSPENDED" and org.facts["organisation"]["status"] == "suspended"
    org = step(org, lc.resume(org, a.ChangedInput(), later, RULES), later)
    change = lc.retire(org, a.ReasonInput(reason="停止合作"), later, RULES)
    assert (
        isinstance(change.outgoing[0].body, Organisation)
        and change.outgoing[0].body.status is RosterEntryStatus.RETIRED
    )
    assert step(org, change, later).status == "RETIRED"


def test_a_mediator_rejected_corrected_certified_expired_renewed_and_retired() -> None:
    med = mediator(1, term_from=date(2026, 4, 1), term_to=date(2026, 12, 31))
    change = a.upsert_mediator(None, a.MediatorInput(mediator=med), T0, RULES)
    assert change.match_id == med.id_number and change.subject == "M-0001"
    assert med.id_number not in change.detail
    rec = step(None, change)
    rec = step(rec, a.submit(rec, a.SubmitInput(), T0, RULES))
    rec = step(
        rec, answer(rec, "roster.rejected", {"reason": "缺少培训证明", "rejected_at": "2026-03-03T10:00:00+08:00"})
    )
    assert rec.status == "REJECTED" and rec.facts["reason"] == "缺少培训证明"
    fixed = mediator(1, term_from=date(2026, 4, 1), term_to=date(2026, 12, 31), specialties=("保险", "银行"))
    change = a.edit_mediator(rec, a.MediatorInput(mediator=fixed), T0, RULES)
    assert (change.event, change.note, change.outgoing) == (None, "edited", ())
    assert change.facts["changed_at"] == T0.isoformat()  # the correction restarts the sync clock
    rec = step(rec, change)
    change = a.submit(rec, a.SubmitInput(), T0, RULES)
    assert change.outgoing[0].body == fixed
    rec = step(rec, change)
    rec = step(rec, answer(rec, "roster.certified", {**CERTIFIED, "platform_id": "SPC-M-1"}))
    with pytest.raises(InvalidRequest) as early:
        a.activate(rec, a.NoInput(), T0, RULES)
    assert early.value.rule == "term_not_begun"
    april = datetime(2026, 4, 1, 9, 0, tzinfo=CHINA)
    rec = step(rec, a.activate(rec, a.NoInput(), april, RULES), april)
    assignable(rec, april.date())
    with pytest.raises(InvalidRequest) as running:
        lc.expire(rec, a.NoInput(), april, RULES)
    assert running.value.rule == "term_not_ended"
    new_year = datetime(2027, 1, 1, 9, 0, tzinfo=CHINA)
    rec = step(rec, lc.expire(rec, a.NoInput(), new_year, RULES), new_year)
    with pytest.raises(InvalidRequest) as refused:
        assignable(rec, new_year.date())
    assert refused.value.rule == "mediator_expired"
    change = lc.renew(rec, a.RenewInput(term_from=date(2027, 1, 1), term_to=date(2029, 12, 31)), new_year, RULES)
    assert isinstance(change.outgoing[0].body, Mediator) and change.outgoing[0].body.term_to == date(2029, 12, 31)
    rec = step(rec, change, new_year)
    assert rec.status == "SUBMITTED"
    rec = step(rec, answer(rec, "roster.certified", {**CERTIFIED, "platform_id": "SPC-M-1"}, new_year), new_year)
    rec = step(rec, a.activate(rec, a.NoInput(), new_year, RULES), new_year)
    change = lc.retire(rec, a.ReasonInput(reason="本人申请"), new_year, RULES)
    (out,) = change.outgoing
    assert out.type == "roster.mediator_retire" and isinstance(out.body, MediatorRetireBody)
    assert out.body.ref == "M-0001"


def test_a_court_removes_a_mediator_who_is_then_unassignable() -> None:
    rec = mediator_record("ACTIVE")
    change = answer(rec, "roster.removed", {"reason": "违规", "removed_at": "2026-03-05T10:00:00+08:00"})
    rec = step(rec, change)
    assert rec.status == "RETIRED"
    with pytest.raises(InvalidRequest) as refused:
        assignable(rec, date(2026, 3, 6))
    assert refused.value.rule == "mediator_removed"
    again = answer(rec, "roster.removed", {"reason": "违规", "removed_at": "2026-03-05T10:00:00+08:00"})
    assert again.note == "duplicate"


def test_a_draft_retired_sends_nothing_and_leaves_no_sync_clock() -> None:
    change = lc.retire(org_record("DRAFT"), a.ReasonInput(reason="不再申报"), T0, RULES)
    assert change.outgoing == () and change.facts["changed_at"] is None


REFUSALS = {
    "unknown court": (
        lambda: a.upsert_org(None, a.OrgInput(organisation=organisation(courts=("火星01",))), T0, RULES),
        "organisation.courts.0",
        "court_code",
    ),
    "change in the future": (
        lambda: a.upsert_mediator(
            None, a.MediatorInput(mediator=mediator(), changed_at=T0 + timedelta(hours=1)), T0, RULES
        ),
        "changed_at",
        "not_in_future",
    ),
    "edit to another USCC": (
        lambda: a.edit_org(
            org_record("ACTIVE"), a.OrgInput(organisation=organisation(uscc="91440101MA5CYQW4J4")), T0, RULES
        ),
        "organisation",
        "identity",
    ),
    "edit to another person": (
        lambda: a.edit_mediator(
            mediator_record("ACTIVE"), a.MediatorInput(mediator=mediator(1, id_number="440104198001010024")), T0, RULES
        ),
        "mediator",
        "identity",
    ),
    "status by edit": (
        lambda: a.edit_org(org_record("ACTIVE"), a.OrgInput(organisation=organisation(status="suspended")), T0, RULES),
        "organisation.status",
        "status_by_action",
    ),
    "edit a retired entry": (
        lambda: a.edit_org(org_record("RETIRED"), a.OrgInput(organisation=organisation()), T0, RULES),
        None,
        "entry_closed",
    ),
    "expire an organisation": (lambda: lc.expire(org_record("ACTIVE"), a.NoInput(), T0, RULES), "record_id", "entity"),
    "submit a mediator past their term": (
        lambda: a.submit(
            mediator_record("DRAFT", mediator(1, term_from=date(2024, 1, 1), term_to=date(2025, 12, 31))),
            a.SubmitInput(),
            T0,
            RULES,
        ),
        "mediator.term_to",
        "term_ended",
    ),
    "registration: unknown cause": (
        lambda: r.register_case(
            None, r.RegisterCaseInput(closed_at=T0, registration=form(cause_code="外星纠纷")), T0, RULES
        ),
        "registration.cause_code",
        "cause",
    ),
    "registration: closes in the future": (
        lambda: r.register_case(
            None, r.RegisterCaseInput(closed_at=T0 + timedelta(days=1), registration=form()), T0, RULES
        ),
        "closed_at",
        "not_in_future",
    ),
    "registration: ended after closing": (
        lambda: r.register_case(
            None, r.RegisterCaseInput(closed_at=datetime(2026, 2, 1, tzinfo=CHINA), registration=form()), T0, RULES
        ),
        "registration.end_time",
        "ended_after_closing",
    ),
    "registration: another case": (
        lambda: r.resubmit_registration(
            registration_record("REGISTRATION_REJECTED"),
            r.ResubmitInput(registration=form("MC-2026-999999")),
            T0,
            RULES,
        ),
        "registration.case_id",
        "identity",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_each_refusal_names_its_field_and_rule(case: str) -> None:
    run, field, rule = REFUSALS[case]
    with pytest.raises(InvalidRequest) as refused:
        run()
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_a_registration_refused_corrected_and_registered() -> None:
    change = r.register_case(None, r.RegisterCaseInput(closed_at=T0, registration=form()), T0, RULES)
    (out,) = change.outgoing
    assert out.type == "case.offline_register" and (change.case_id, change.amount) == ("MC-2026-000123", "12000.00")
    reg = step(None, change)
    assert reg.status == "PENDING"
    reg = step(reg, answer(reg, "case.offline_rejected", {"reason": "-1", "rejected_at": "2026-03-02T10:00:00+08:00"}))
    assert reg.status == "REGISTRATION_REJECTED"
    stale = answer(reg, "case.offline_registered", {"platform_case_id": "P1", "registered_at": T0.isoformat()})
    assert (stale.event, stale.note) == (None, "late_answer")  # "register" only from PENDING
    corrected = form(claim_money="16000.00")
    reg = step(reg, r.resubmit_registration(reg, r.ResubmitInput(registration=corrected), T0, RULES))
    assert reg.status == "PENDING" and reg.facts["registration"]["claim_money"] == "16000.00"
    body = {"platform_case_id": "SPC-C-9", "registered_at": "2026-03-03T10:00:00+08:00"}
    reg = step(reg, answer(reg, "case.offline_registered", body))
    assert (reg.status, reg.partner_ref) == ("REGISTERED", "SPC-C-9")
    assert answer(reg, "case.offline_registered", body).note == "duplicate"
    late = answer(reg, "case.offline_rejected", {"reason": "-1", "rejected_at": "2026-03-02T10:00:00+08:00"})
    assert late.note == "late_answer" and late.event is None
    with pytest.raises(InvalidRequest) as conflict:
        answer(reg, "case.offline_registered", {**body, "platform_case_id": "SPC-C-10"})
    assert conflict.value.rule == "platform_case_id_conflict"
