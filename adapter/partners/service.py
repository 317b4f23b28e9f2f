"""The centre's actions on partner records (accept a traffic offer, submit an arbitration application, upsert a
mediator …), whatever the kind: the kind's Action (adapter/partners/spec.py) decides, purely; this module validates
its input, loads and locks the record, and applies the Change in ONE transaction (adapter/partners/apply.py): the
status, facts, history line and queued messages commit together or not at all. The API, the CLI and the console all
call `run_action`.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError

from adapter.errors import InvalidRequest
from adapter.field_errors import read_model
from adapter.partners import case_link
from adapter.partners.apply import apply_change
from adapter.partners.duplicates import refuse_duplicate
from adapter.partners.machine import a
from adapter.partners.spec import Action, PartnerRecord, PartnerSpec
from adapter.partners.specs import spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.tables import CaseRow
from adapter.services import CentreServices
from schemas.partner import PartnerEnvelope, PartnerKind


@dataclass(frozen=True)
class ActionResult:
    """The record after the action, and the messages it queued for the partner."""

    record: PartnerRecord
    queued: tuple[PartnerEnvelope, ...]


def run_action(
    uow: UnitOfWork,
    kind: PartnerKind | str,
    action_name: str,
    record_id: str | None,
    input_json: Mapping[str, Any] | str | bytes,
    *,
    partner: str | None,
    actor: str,
    now: datetime,
    rules: Any,
    expected_version: int | None = None,
    services: CentreServices | None = None,
) -> ActionResult:
    """Run the kind's action `action_name` on `record_id` (None for an action that opens a record; `partner` then
    names the partner it is for — for an existing record it is optional and, if given, must be the record's).
    `input_json` is the action's input (a dict or JSON text), validated by the Action's model; `rules` the
    partner's rules (an instance of spec.rules_model). Raises, with nothing written:
    InvalidRequest — field "kind" / "action" (unknown), a dotted input field (the model's rule), "record_id"
    (rule opens: given to an opening action, or missing otherwise), "partner" (rule required / wrong_partner), the
    action's own guards; field case_id, rule unknown_case (the linked case does not exist); rule
    partner_ref_taken (another record holds the partner reference); DuplicatePartnerRecord (409) when an open
    record of the kind and partner already is what an opening action would open (adapter/partners/duplicates.py);
    PartnerRecordNotFound (404); StalePartnerRecord when `expected_version` is not the record's (412);
    IllegalPartnerTransition (409). `services`: the centre's configured use cases (court platforms, deadline engine),
    for an action that opens and links a court case (Action.links_case, adapter/partners/case_link.py); without
    them such an action refuses to open one (field platform, rule court_flows)."""
    spec, action = _action(kind, action_name)
    data = read_model(action.input, input_json, root="input", named=True)
    if action.opens and record_id is not None:
        raise InvalidRequest(f"{action.name} opens a new record: give no record id", field="record_id", rule="opens")
    if not action.opens and record_id is None:
        raise InvalidRequest(f"{action.name} acts on a record: give its id", field="record_id", rule="opens")
    if action.opens and not partner:
        raise InvalidRequest(f"{action.name} opens a record: name its partner", field="partner", rule="required")
    try:
        with uow.begin() as session:
            row = None
            if record_id is not None:
                row = store.get(session, record_id, version=expected_version)
                _same_scope(row.record_id, row.kind, row.partner, spec.kind, partner)
            change = action.run(store.view(row) if row is not None else None, data, now, rules)
            if row is None:
                refuse_duplicate(session, spec, action, str(partner), change)
            elif action.links_case and change.event is not None:
                # The core's half of the action (case_link.py): a court case opened and linked in this transaction.
                spec.machine.advance(row.status, change.event)  # an illegal move is refused before a case is opened
                opened = case_link.open_case(session, store.view(row), data, services, actor=actor, now=now)
                change = change if opened is None else case_link.with_case(change, opened)
            if change.case_id is not None and session.get(CaseRow, change.case_id) is None:
                # Checked here, not left to the foreign key: its IntegrityError would read as a taken reference.
                raise InvalidRequest(
                    f"{action.name}: no case {change.case_id} here to link the record to",
                    field="case_id",
                    rule="unknown_case",
                )
            applied = apply_change(
                session, spec, row, change, partner=row.partner if row is not None else str(partner),
                actor=actor, now=now, label=action.name, expected_version=expected_version,
            )  # fmt: skip
            return ActionResult(store.view(applied.row), applied.queued)
    except IntegrityError:  # (partner, partner_ref) is unique: the change gave a reference another record holds
        raise InvalidRequest(
            f"{action.name}: the partner reference it sets is already another record's", rule="partner_ref_taken"
        ) from None


def _action(kind: PartnerKind | str, name: str) -> tuple[PartnerSpec, Action]:
    try:
        spec = spec_for(kind)
    except KeyError as exc:
        raise InvalidRequest(str(exc.args[0]), field="kind", rule="unknown_kind") from None
    action = spec.actions.get(name)
    if action is None:
        known = ", ".join(sorted(spec.actions)) or "none"
        raise InvalidRequest(
            f"{spec.kind.value} has no action {name!r}; known: {known}", field="action", rule="unknown_action"
        )
    return spec, action


def _same_scope(record_id: str, kind: str, partner: str, want_kind: str, want_partner: str | None) -> None:
    """A record is acted on only as its own kind and, when a partner is named, as that partner's."""
    if kind != want_kind:
        raise InvalidRequest(
            f"record {record_id} is {a(kind)} record, not {want_kind}", field="kind", rule="wrong_kind"
        )
    if want_partner is not None and partner != want_partner:
        raise InvalidRequest(
            f"record {record_id} is with partner {partner}, not {want_partner}", field="partner", rule="wrong_partner"
        )
