"""Applying one Change (adapter/partners/spec.py) to a record inside the caller's transaction — the one place the
core writes what a kind decided, for the centre's actions (service.py) and the partners' messages (inbound.py):

1. the status through the kind's Machine (IllegalPartnerTransition before anything is written);
2. facts merged (top-level keys replaced), the list columns the Change sets, the match key (a blind index of
   Change.match_id, adapter/partners/match.py — never the number), closed_at once a final status is reached;
3. a new record at version 1, or the version raised by one (StalePartnerRecord if `expected_version` is stale);
4. one history line (masked text);
5. each Outgoing wrapped in a PartnerEnvelope and queued in partner_outbox.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from adapter.errors import InvalidRequest
from adapter.partners import match
from adapter.partners.spec import Change, Outgoing, PartnerSpec
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerRecordRow
from adapter.persistence.sealed_types import engine_vault
from schemas.clock import to_utc
from schemas.partner import PartnerEnvelope


@dataclass(frozen=True)
class Applied:
    """What a change did: the row as written, its status before, and the envelopes it queued."""

    row: PartnerRecordRow
    before: str
    queued: tuple[PartnerEnvelope, ...]


def new_message_id() -> str:
    """Our message ids: "PM-" + 32 hex digits (unique; a partner dedupes by it)."""
    return f"PM-{uuid.uuid4().hex}"


def apply_change(
    session: Session,
    spec: PartnerSpec,
    row: PartnerRecordRow | None,
    change: Change,
    *,
    partner: str,
    actor: str,
    now: datetime,
    label: str,
    expected_version: int | None = None,
) -> Applied:
    """Write `change` to `row` (None: open a new record of `spec.kind` for `partner`). `label` names the history
    line when the change moves nothing and names no note (the action or message type). Raises
    IllegalPartnerTransition, StalePartnerRecord, InvalidRequest (an Outgoing whose body is not the kind's model for
    its type), or the database's IntegrityError (a second record under the same partner_ref) — the caller's
    transaction then writes nothing."""
    initial = spec.machine.initial.value
    before = row.status if row is not None else initial
    after = spec.machine.advance(before, change.event) if change.event is not None else before
    bodies = [_body(spec, out) for out in change.outgoing]
    facts: dict[str, Any] = json.loads(row.facts_json) if row is not None else {}
    facts.update(change.facts)
    columns: dict[str, Any] = {"status": after, "facts_json": store.facts_text(facts)}
    for name in ("subject", "amount", "partner_ref", "case_id"):
        value = getattr(change, name)
        if value is not None:
            columns[name] = value
    if change.match_id is not None:
        columns["match_key"] = match.index_value(change.match_id, engine_vault(session.get_bind()))  # type: ignore[arg-type]
        columns["match_json"] = json.dumps({"id_number": change.match_id})  # sealed: for re-keying only
    if spec.machine.is_final(after) and (row is None or row.closed_at is None):
        columns["closed_at"] = to_utc(now)
    if row is None:
        row = store.insert(
            session, record_id=store.new_record_id(spec.kind), kind=spec.kind, partner=partner, at=now, **columns
        )
    else:
        store.update(session, row, at=now, expected_version=expected_version, **columns)
        session.flush()  # a partner_ref another record holds fails here, before the history and the outbox
    line = store.HistoryLine(
        event=change.event,
        note=change.note if change.note is not None or change.event is not None else label,
        from_status=before,
        to_status=after,
        actor=actor,
        detail=change.detail,
    )
    store.add_history(session, row.record_id, line, now)
    queued = []
    for out, body in zip(change.outgoing, bodies, strict=True):
        envelope = PartnerEnvelope(
            message_id=new_message_id(),
            kind=spec.kind,
            partner=row.partner,
            record_id=row.record_id,
            partner_ref=row.partner_ref,
            type=out.type,
            sent_at=now,
            correlates_to=out.correlates_to,
            body=body,
        )
        store.enqueue(session, envelope)
        queued.append(envelope)
    return Applied(row, before, tuple(queued))


def _body(spec: PartnerSpec, out: Outgoing) -> dict[str, Any]:
    """The Outgoing's body as JSON, checked to be the kind's model for its type (a kind's bug — a body of the wrong
    model — refused before anything is queued, never sent)."""
    try:
        model = spec.body_model(out.type)
    except KeyError:
        raise InvalidRequest(f"{spec.kind.value} has no message type {out.type!r}", rule="message_type") from None
    if not isinstance(out.body, model):
        raise InvalidRequest(
            f"the body of {out.type} is a {type(out.body).__name__}, not {model.__name__}", rule="message_body"
        )
    body: dict[str, Any] = out.body.model_dump(mode="json")
    return body
