"""What the centre may do to a partner record now (adapter/partners/spec.py allowed_actions over each kind's Machine
and its actions' `events`/`available`), the statuses a list may filter on (adapter/partners/views.py check_status),
and the named rules of the project's validators (adapter/rule_names.py) — issue 19's review: a CLOSED traffic
record offered all 12 actions, `?status=BOGUS` listed nothing, a validator's refusal said only `value_error`."""

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.machine import IllegalPartnerTransition, a
from adapter.partners.spec import PartnerRecord, allowed_actions, fired
from adapter.partners.specs import SPECS, spec_for
from adapter.partners.views import check_status
from adapter.rule_names import rule_name
from schemas.money import InvalidAmount, parse_rmb
from schemas.partner import PartnerKind
from tests.support.roster_samples import mediator_record, org_record, registration_record

AT = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


def record(kind: PartnerKind, status: str, **facts: object) -> PartnerRecord:
    return PartnerRecord(
        record_id="R-1", kind=kind, partner="p", partner_ref=None, status=status, version=1, subject="S",
        amount=None, facts=facts, case_id=None, opened_at=AT, updated_at=AT, closed_at=None,
    )  # fmt: skip


@pytest.mark.parametrize("kind", list(PartnerKind))
def test_each_actions_events_are_its_machines_and_each_is_open_somewhere(kind: PartnerKind) -> None:
    spec = spec_for(kind)
    events = {e.value for (_, e) in spec.machine.transitions}
    for name, action in spec.actions.items():
        assert fired(action) <= events, f"{kind.value}.{name} fires {fired(action) - events}, no event of its machine"
    if kind is PartnerKind.ROSTER:  # the record decides (its entity): one of each
        records = [org_record(s) for s in spec.machine.statuses()] + [mediator_record(s) for s in
                   spec.machine.statuses()] + [registration_record(s) for s in spec.machine.statuses()]  # fmt: skip
    else:
        records = [record(kind, s) for s in spec.machine.statuses()]
    open_somewhere = {name for r in records for name in allowed_actions(spec, r)}
    assert open_somewhere == {n for n, act in spec.actions.items() if not act.opens}


@pytest.mark.parametrize("kind", list(PartnerKind))
def test_a_final_record_allows_no_action_and_a_listed_action_is_one_its_machine_allows(kind: PartnerKind) -> None:
    spec = spec_for(kind)
    for status in spec.machine.statuses():
        now = allowed_actions(spec, record(kind, status))
        if spec.machine.is_final(status):
            assert now == [], (kind, status, now)
        for name in now:  # listed → its event is one the status allows (guards may narrow it further)
            assert fired(spec.actions[name]) & set(spec.machine.allowed(status)), (kind, status, name)


def test_an_entrusted_arbitration_is_answered_by_its_result_not_withdrawn() -> None:
    spec = spec_for(PartnerKind.ARBITRATION)
    assert allowed_actions(spec, record(PartnerKind.ARBITRATION, "ENTRUSTED")) == ["send_mediation_result",
                                                                                    "start_mediation"]  # fmt: skip
    assert "withdraw" in allowed_actions(spec, record(PartnerKind.ARBITRATION, "SUBMITTED"))


def test_a_roster_entry_offers_only_its_own_entitys_edit() -> None:
    spec = spec_for(PartnerKind.ROSTER)
    assert "edit_org" in allowed_actions(spec, org_record("DRAFT"))
    assert "edit_mediator" not in allowed_actions(spec, org_record("DRAFT"))
    assert "edit_mediator" in allowed_actions(spec, mediator_record("ACTIVE"))
    assert not {"edit_org", "edit_mediator"} & set(allowed_actions(spec, registration_record("PENDING")))


@pytest.mark.parametrize(("kind", "status"), [(None, "BOGUS"), ("traffic", "bogus"), ("roster", "MEDIATING")])
def test_an_unknown_status_filter_is_refused_naming_the_allowed(kind: str | None, status: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        check_status(kind, status)
    assert (refused.value.field, refused.value.rule) == ("status", "unknown_status")
    specs = [spec_for(kind)] if kind else list(SPECS.values())
    for spec in specs:
        for known in spec.machine.statuses():
            assert known in str(refused.value)
            check_status(kind, known)  # every status of the kind (or of any kind) passes


@pytest.mark.parametrize("kind", list(PartnerKind))
def test_an_illegal_transition_reads_with_the_right_article(kind: PartnerKind) -> None:
    said = str(IllegalPartnerTransition(kind.value, "CLOSED", "close", []))
    assert f"cannot close {a(kind.value)} record" in said and " a arbitration" not in said
    assert a("arbitration") == "an arbitration" and a("traffic") == "a traffic"


def _validator_messages() -> list[str]:
    """The first text of every `raise ValueError(` / `raise InvalidAmount(` in schemas/ (placeholders filled)."""
    found = []
    for path in sorted(Path("schemas").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"raise (?:ValueError|InvalidAmount)\(\s*f?\"((?:[^\"\\]|\\.)*)\"", text):
            found.append(re.sub(r"\{[^}]*\}", "X", match.group(1)))
    return found


MESSAGES = _validator_messages()


@pytest.mark.parametrize("message", MESSAGES)
def test_every_project_validator_has_a_named_rule(message: str) -> None:
    assert len(MESSAGES) > 30  # the scan found the validators
    rule = rule_name("value_error", message, None)
    assert rule not in ("invalid", "value_error") and re.fullmatch(r"[a-z_]+", rule), (message, rule)


@pytest.mark.parametrize(
    ("value", "rule"),
    [(1.5, "amount_text"), ("lots", "amount_number"), ("-1", "amount_negative"), ("123456789012345", "amount_max"),
     ("1.234", "amount_decimals")],
)  # fmt: skip
def test_an_amounts_refusal_is_named_and_types_are_kept(value: object, rule: str) -> None:
    with pytest.raises(InvalidAmount) as refused:
        parse_rmb(value)
    assert rule_name("value_error", str(refused.value), refused.value) == rule
    assert rule_name("missing", "Field required", None) == "missing"  # pydantic's own types name their rule
    assert replace(record(PartnerKind.TRAFFIC, "OPEN"), status="CLOSED").status == "CLOSED"
