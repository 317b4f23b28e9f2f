"""Reading partner records for people (the CLI; the console and the API may use it too): a filtered, cursor-paged
list, and one record with its history and messages — personal numbers masked (adapter/masking.py: ID and phone
numbers, and card, account and phone numbers in any text), never a sealed value nor the match key."""

from typing import Any

from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_fields
from adapter.partners.machine import a
from adapter.partners.specs import SPECS, spec_for
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork

LIST_COLUMNS = ["record_id", "kind", "partner", "status", "version", "subject", "amount", "partner_ref", "case_id",
                "opened_at", "updated_at"]  # fmt: skip


def listed(
    uow: UnitOfWork, *, kind: str | None = None, partner: str | None = None, status: str | None = None,
    after: str | None = None, limit: int = 50,
) -> tuple[list[dict[str, Any]], str | None]:  # fmt: skip
    """Records oldest first from the cursor `after`, filters combined; (rows, next cursor or None). The columns hold
    no personal data, the subject masked all the same (a kind's bug must not show an ID number)."""
    check_status(kind, status)
    with uow.begin() as session:
        rows, cursor = store.list_records(session, kind=kind, partner=partner, status=status, after=after, limit=limit)
    listed = [{**{c: getattr(r, c) for c in LIST_COLUMNS}, "subject": mask_document(r.subject, keep_uscc=True)}
              for r in rows]  # fmt: skip
    return listed, cursor


def check_status(kind: str | None, status: str | None) -> None:
    """A status filter must be one of the kind's statuses (its Machine's), or of any kind's when no kind is named;
    else InvalidRequest(field="status", rule="unknown_status") naming the allowed values — a typo would otherwise
    list nothing, as if there were no such records. Raises KeyError for an unknown kind (spec_for)."""
    if status is None:
        return
    specs = [spec_for(kind)] if kind is not None else list(SPECS.values())
    allowed = sorted({s for spec in specs for s in spec.machine.statuses()})
    if status not in allowed:
        whose = f"{a(kind)} record" if kind else "a partner record"
        raise InvalidRequest(
            f"status {status!r} is no status of {whose}; one of: {', '.join(allowed)}", field="status",
            rule="unknown_status",
        )  # fmt: skip


def masked(doc: Any) -> Any:
    """A JSON document with ID and phone fields masked and every text masked of card, account and phone numbers;
    an organisation's USCC shown whole (a public code, adapter/masking.py keep_uscc)."""
    doc = mask_fields(doc)
    if isinstance(doc, dict):
        return {k: masked(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [masked(v) for v in doc]
    return mask_document(doc, keep_uscc=True) if isinstance(doc, str) else doc


def shown(uow: UnitOfWork, record_id: str) -> dict[str, Any]:
    """One record: its columns, its facts (masked), its history and its messages to the partner (bodies masked);
    PartnerRecordNotFound."""
    with uow.begin() as session:
        row = store.get(session, record_id, lock=False)
        record = store.view(row)
        history = store.history(session, record_id)
        messages = store.outbox(session, record_id)
    return {
        "record_id": record.record_id, "kind": record.kind.value, "partner": record.partner,
        "partner_ref": record.partner_ref, "status": record.status, "version": record.version,
        "subject": mask_document(record.subject, keep_uscc=True), "amount": record.amount, "case_id": record.case_id,
        "opened_at": record.opened_at, "updated_at": record.updated_at, "closed_at": record.closed_at,
        "facts": masked(dict(record.facts)),
        "history": [
            {"at": e.at, "event": e.event or "", "note": e.note or "", "from": e.from_status, "to": e.to_status,
             "actor": e.actor, "detail": mask_document(e.detail, keep_uscc=True)}
            for e in history
        ],
        "messages": [
            {"message_id": m.message_id, "type": m.type, "status": m.status, "attempts": m.attempts,
             "last_error": mask_document(m.last_error or "")}
            for m in messages
        ],
    }  # fmt: skip
