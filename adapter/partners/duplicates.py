"""A second opening of what an open record already is — the same arbitration application for one mediation case,
a second roster entry for one organisation (its USCC) or for one mediator in one organisation (their ID, by its
blind index) — refused before anything is stored or sent, as a case's second registration is (409 duplicate-case):
the kind's Action.unique says what identifies it; this module finds the open records (not in a final status) of
the same kind and partner with the change's subject or match key and asks it. Traffic records have no opening
action: a second offer under one platform reference is the (partner, partner_ref) unique index's."""

from sqlalchemy import ColumnElement, or_, text
from sqlmodel import Session, col, select

from adapter.errors import DockingError
from adapter.partners import match
from adapter.partners.spec import Action, Change, PartnerSpec
from adapter.persistence import partner_store as store
from adapter.persistence.partner_tables import PartnerRecordRow
from adapter.persistence.sealed_types import engine_vault


class DuplicatePartnerRecord(DockingError):
    """The opening action would open again what `existing_record_id` (open) is: `field` the input it is known by."""

    def __init__(self, action: str, field: str, existing_record_id: str) -> None:
        super().__init__(
            f"{action}: {field} is already that of the open record {existing_record_id}; act on it (GET "
            f"/api/centre/v1/partners/records/{existing_record_id}, `docking partners show {existing_record_id}`) "
            "or close it before opening another"
        )
        self.action, self.field, self.existing_record_id = action, field, existing_record_id


def refuse_duplicate(session: Session, spec: PartnerSpec, action: Action, partner: str, change: Change) -> None:
    """DuplicatePartnerRecord when an open record of the kind and partner is what `change` would open again."""
    if action.unique is None:
        return
    same: list[ColumnElement[bool]] = []
    keys: list[str] = []
    if change.subject is not None:
        same.append(col(PartnerRecordRow.subject) == change.subject)
    if change.match_id is not None:
        keys = match.search_values(change.match_id, engine_vault(session.get_bind()))  # type: ignore[arg-type]
        same.append(col(PartnerRecordRow.match_key).in_(keys))
    if not same:
        return
    _serialise(session, f"{spec.kind.value}:{partner}:{keys[0] if keys else change.subject}")  # the person, or it
    rows = session.exec(
        select(PartnerRecordRow)
        .where(PartnerRecordRow.kind == spec.kind.value, PartnerRecordRow.partner == partner, or_(*same))
        .order_by(col(PartnerRecordRow.record_id))
    ).all()
    for row in rows:
        if not spec.machine.is_final(row.status) and action.unique.same(store.view(row), change):
            raise DuplicatePartnerRecord(action.name, action.unique.field, row.record_id)


def _serialise(session: Session, identity: str) -> None:
    """PostgreSQL: two openings of one identity at once queue here (a transaction-scoped advisory lock on its hash)
    so the second sees the first's record — no unique index can say "one OPEN record" (no migration this round).
    SQLite: every write transaction begins IMMEDIATE (adapter/persistence/engine.py), so the second already queued
    at BEGIN and sees the first's record too."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:identity, 19))"), {"identity": identity})
