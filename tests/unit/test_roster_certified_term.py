"""The term the court certified holds (#19 review): a `roster.certified` answer's `term_to` replaces the term we
asked for, and expiry, the term-end due date and the assignment check follow it; a term ending before it begins is
refused naming the field and rule. And every roster action on a record refuses a missing record with the project's
error, not an `assert` (which `python -O` strips)."""

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from adapter.deadlines.calendar import WorkCalendar
from adapter.errors import InvalidRequest
from adapter.partners.roster import lifecycle as lc
from adapter.partners.roster.facts import mediator_of
from adapter.partners.roster.guards import unassignable_reason
from adapter.partners.roster.inbound import on_message
from adapter.partners.roster.spec import ACTIONS, ROSTER
from adapter.partners.spec import Change, PartnerRecord
from schemas.clock import CHINA
from schemas.partner import PartnerEnvelope
from tests.support.roster_samples import RULES, T0, mediator, mediator_record, step

REQUESTED = date(2028, 12, 31)  # roster_samples.mediator's term_to


def certify(record: PartnerRecord, term_to: str | None, message_id: str = "cert-1") -> Change:
    body: dict[str, Any] = {"platform_id": "SPC-M-0001", "certified_at": "2026-03-04T10:00:00+08:00"}
    if term_to is not None:
        body["term_to"] = term_to
    envelope = PartnerEnvelope(message_id=message_id, kind="roster", partner="spc", record_id=record.record_id,
                               type="roster.certified", sent_at=T0, body=body)  # fmt: skip
    return on_message(record, envelope, T0, RULES)


def term_end(record: PartnerRecord) -> datetime | None:
    (due,) = [d for d in ROSTER.due_dates(record, [], WorkCalendar(), T0, RULES) if d.name == "term_end"]
    return due.due_at


def day_after(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=CHINA) + timedelta(days=1)


# (certified term_to, the term in force after, a day to assign on, the assignment rule then, expire allowed then)
CASES = [
    (None, REQUESTED, date(2027, 6, 1), None, False),  # no term in the answer: ours stands
    ("2028-12-31", REQUESTED, date(2027, 6, 1), None, False),  # the same term
    ("2026-12-31", date(2026, 12, 31), date(2027, 6, 1), "mediator_expired", True),  # shorter: ended by June 2027
    ("2026-12-31", date(2026, 12, 31), date(2026, 12, 31), None, False),  # its last day still in term
    ("2029-06-30", date(2029, 6, 30), date(2029, 3, 1), None, False),  # longer: in term past the requested end
]


@pytest.mark.parametrize(("certified", "in_force", "on_day", "rule", "expires"), CASES)
def test_the_certified_term_replaces_the_requested_one(
    certified: str | None, in_force: date, on_day: date, rule: str | None, expires: bool
) -> None:
    record = step(mediator_record("SUBMITTED", mediator()), certify(mediator_record("SUBMITTED"), certified))
    record = replace(record, status="ACTIVE")
    assert record.partner_ref == "SPC-M-0001" and mediator_of(record).term_to == in_force
    assert term_end(record) == day_after(in_force)  # the alert follows the certified end
    found = unassignable_reason(record, on_day)
    assert (found[0] if found else None) == rule
    now = datetime(on_day.year, on_day.month, on_day.day, 12, tzinfo=CHINA)
    if expires:
        assert lc.expire(record, lc.NoInput(), now, RULES).event == "expire"
    else:
        with pytest.raises(InvalidRequest) as refused:
            lc.expire(record, lc.NoInput(), now, RULES)
        assert refused.value.rule == "term_not_ended"
    if certified not in (None, REQUESTED.isoformat()):
        assert record.facts["requested_term_to"] == REQUESTED.isoformat()


@pytest.mark.parametrize("status", ["CERTIFIED", "ACTIVE", "SUSPENDED"])
def test_a_later_certification_with_another_term_is_applied_not_dropped_as_a_duplicate(status: str) -> None:
    record = mediator_record(status, sent_at=None, certified_at="2026-03-04T10:00:00+08:00")
    record = replace(record, partner_ref="SPC-M-0001")
    change = certify(record, "2027-03-31", "cert-2")
    assert change.note == "recertified" and change.event is None
    assert mediator_of(step(record, change)).term_to == date(2027, 3, 31)
    assert change.facts["requested_term_to"] == REQUESTED.isoformat()  # what we had asked for
    assert certify(record, None, "cert-3").note == "duplicate"


def test_a_certified_term_ending_before_it_begins_is_refused_naming_field_and_rule() -> None:
    with pytest.raises(InvalidRequest) as refused:
        certify(mediator_record("SUBMITTED"), "2025-12-31")  # term_from is 2026-01-01
    assert (refused.value.field, refused.value.rule) == ("body.term_to", "term_order")


@pytest.mark.parametrize("name", sorted(n for n, action in ACTIONS.items() if not action.opens))
def test_an_action_on_no_record_is_refused_with_the_projects_error(name: str) -> None:
    action = ACTIONS[name]
    with pytest.raises(InvalidRequest) as refused:
        action.run(None, action.input.model_construct(), T0, RULES)
    assert (refused.value.field, refused.value.rule) == ("record_id", "record")
