"""A feed page's new dispatches as plain rows: one INSERT per table for the page, with their audit entries and
centre events, in the page's transaction (adapter/inbox/page.py).

The rows are exactly what applying one dispatch on its own writes (adapter/inbox/apply.py: the case registered,
its history line, the inbox row with the raw bytes and signature headers, the `dispatch.received` event, the
chain's entries for the history line and the inbox row) — built as column values rather than ORM objects, which
cost most of a page's time to make and flush (bench/intake.py --profile), and inserted at the driver
(adapter/persistence/bulk.py). The personal data is sealed by the columns' types on the way in
(adapter/persistence/sealed_types.py), whichever way a row is inserted — the dispatch's JSON sealed here already,
from the model, by the database's vault (adapter/persistence/presealed.py: the same text, without parsing back the
JSON just written), which its column then stores as it is.

A dispatch is taken here only when nothing can refuse it once its checks have passed: a new message id and a new
case, not flow C (adapter/inbox/page.py `_new_dispatch`); anything else goes through `record` in a savepoint.
"""

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlmodel import Session

from adapter.audit import sources
from adapter.audit.append import append_entries
from adapter.events import causes as events
from adapter.events.store import Batch
from adapter.persistence.bulk import insert_rows
from adapter.persistence.repository import history_fields, new_case_fields
from adapter.persistence.tables import CaseEventRow, CaseRow, InboxRow
from adapter.persistence.vault import Vault
from adapter.states import Event
from connectors.port import RawInbound, without_credentials
from schemas.clock import to_utc
from schemas.envelope import DispatchBody, Envelope

log = logging.getLogger("docking.ingest")

_CASES = CaseRow.__table__  # type: ignore[attr-defined]
_HISTORY = CaseEventRow.__table__  # type: ignore[attr-defined]
_INBOX = InboxRow.__table__  # type: ignore[attr-defined]
HEADERS_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # the inbox row's headers (built once)


@dataclass
class PageRows:
    """The rows of a page's new dispatches not yet written, in the order they were applied. `vault`: the
    database's (adapter/persistence/sealed_types.py engine_vault), which seals each dispatch from its model as its
    row is made (adapter/persistence/presealed.py); without it, the column seals what it is given."""

    vault: Vault | None = None
    cases: list[dict[str, Any]] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    inbox: list[dict[str, Any]] = field(default_factory=list)
    events: Batch = field(default_factory=Batch)
    audit: list[sources.Entry] = field(default_factory=list)

    def dispatch(self, platform: str, item: RawInbound, envelope: Envelope, digest: str, now: datetime) -> str:
        """Register the dispatch in `envelope` (checked, new, not flow C) as a case; returns the case id."""
        body = envelope.body
        assert isinstance(body, DispatchBody)  # the caller's check (module doc)
        actor, flags = f"court:{platform}", body.dispatch.flags  # a property that classifies every phone: once
        case = new_case_fields(body.dispatch, platform, now, vault=self.vault)
        case["court_dispatched_at"] = to_utc(court_dispatched_at(envelope))
        detail = register_detail(platform, envelope, flags)
        history = history_fields(case["id"], case["status"], Event.REGISTER, actor=actor, at=now, detail=detail)
        case["status"], case["updated_at"] = history["to_status"], history["at"]
        inbox = {
            "platform": platform,
            "message_id": envelope.message_id,
            "type": envelope.type.value,
            "case_id": case["id"],
            "received_at": to_utc(now),
            "body_sha256": digest,
            "raw": item.body,  # as received, with the headers carrying the court's signature: the evidence bundle's
            "raw_headers_json": HEADERS_JSON.encode(without_credentials(item.headers)),  # a key is no evidence,
        }
        events.dispatch_received(
            self.events,
            SimpleNamespace(**case),
            platform=platform,
            message_id=envelope.message_id,
            flags=flags,
            at=now,
        )
        raw_sha256 = hashlib.sha256(item.body).hexdigest()  # the chain keeps the digest of the bytes received
        self.audit.append(sources.case_history(history))
        self.audit.append(sources.inbound(platform, envelope.message_id, inbox["type"], case["id"], digest, raw_sha256))
        self.cases.append(case)
        self.history.append(history)
        self.inbox.append(inbox)
        return str(case["id"])

    def write(self, session: Session) -> None:
        """Insert what was added since the last write — the cases first: the rest refer to them — and queue its
        audit entries after those of the rows flushed before (the chain's order is the order applied)."""
        connection = session.connection()
        for table, rows in ((_CASES, self.cases), (_HISTORY, self.history), (_INBOX, self.inbox)):
            if rows:
                insert_rows(connection, table, rows)
                rows.clear()
        self.events.write(connection)
        append_entries(session, self.audit)
        self.audit.clear()


def court_dispatched_at(envelope: Envelope) -> datetime:
    """When the case reached the centre's platform inbox: when the court published it — not before its dispatch
    time, nor before the feed item carrying it was issued (domain.md §3, e-service [S3 Art 90])."""
    body = envelope.body
    assert isinstance(body, DispatchBody)
    return max(body.dispatch.dispatched_at, envelope.created_at)


def register_detail(platform: str, envelope: Envelope, flags: list[str]) -> str:
    """The history line of a registered dispatch; its `flags` (CaseDispatch.flags: an unknown court or type code, an
    odd phone — flagged, not refused) said in it and logged; `docking cases show` reads them from the stored
    dispatch."""
    detail = f"message {envelope.message_id}"
    if flags:
        detail += "; flagged: " + "; ".join(flags)
        log.warning("%s case %s flagged: %s", platform, envelope.platform_case_id, "; ".join(flags))
    return detail
