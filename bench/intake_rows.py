"""The rows bench/intake_raw.py's raw pass writes for a dispatch: the six the adapter writes
(adapter/inbox/page_rows.py) — its case, history line, inbox row, centre event and two audit-chain entries — as
plain values built from the verified item's JSON (the sandbox feed's fields), for plain SQL inserts."""

import hashlib
import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from adapter.events.kinds import dispatch_received
from connectors.port import RawInbound

# (table, columns, what a second row of the same key does), in this order: the rest refer to the case
TABLES = (
    ("cases", "id platform platform_case_id case_number court_code flow procedure cause amount status mediator"
     " dispatch_json agreement_json agreement_effective_at court_dispatched_at created_at updated_at", ""),
    ("case_events", "case_id at event from_status to_status actor detail", ""),
    ("inbox", "platform message_id type case_id received_at body_sha256 raw raw_headers_json",
     " ON CONFLICT (platform, message_id) DO NOTHING"),
    ("centre_events", "status attempts next_attempt_at claimed_by claimed_until last_error queued_at delivered_at"
     " event_id type case_id at data_json", ""),
    ("audit_chain", "seq at kind subject case_id actor alg digest content_json prev_hash entry_hash", ""),
)  # fmt: skip

Rows = tuple[list[tuple[Any, ...]], ...]  # a page's rows, one list per table of TABLES

# built once: json.dumps with options makes an encoder a call
_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
_HEADERS = json.JSONEncoder(ensure_ascii=False, sort_keys=True).encode


class Chain:
    """Sequence numbers and hashes for audit entries: each entry's digest the SHA-256 of its content, its hash that
    of the previous hash and its digest (the sizes of the adapter's; its canonical form and checks are its own)."""

    def __init__(self, seq: int) -> None:
        self.seq, self.prev = seq, "0" * 64

    def entry(self, stamp: Any, kind: str, subject: str, case_id: str, actor: str, content: dict[str, Any]) -> tuple:
        content_json = _SORTED(content)
        digest = hashlib.sha256(content_json.encode()).hexdigest()
        entry_hash = hashlib.sha256((self.prev + digest).encode()).hexdigest()
        self.seq += 1
        row = (self.seq, stamp, kind, subject, case_id, actor, "sha256", digest, content_json, self.prev, entry_hash)
        self.prev = entry_hash
        return row


def add_dispatch(rows: Rows, stamp: Callable[[datetime], Any], chain: Chain, message_id: str, item: RawInbound) -> None:
    """Add the six rows of a new dispatch (module doc) to `rows`; `stamp`: a time as its columns take it."""
    cases, history, inbox, events, audit = rows
    body = json.loads(item.body)
    dispatch = body["ajxx"]
    now = datetime.now(UTC)
    at = stamp(now)
    case_id = f"MC-{uuid.uuid4().hex[:20]}"
    actor, status, detail = "court:court", "PENDING_ACCEPTANCE", f"message {message_id}"
    dispatched = stamp(datetime.fromisoformat(dispatch["pqsj"]).astimezone(UTC))
    case_number, court_code, flow, procedure = dispatch["ah"], dispatch["fydm"], dispatch["tjlx"], dispatch["cxlx"]
    cause, amount = dispatch["ay"], dispatch["bdje"]
    dispatch_json = _COMPACT(dispatch)
    cases.append(
        (case_id, "court", body["ajbs"], case_number, court_code, flow, procedure, cause, amount, status, None,
         dispatch_json, None, None, dispatched, at, at)
    )  # fmt: skip
    history.append((case_id, at, "register", "RECEIVED", status, actor, detail))
    body_sha256 = hashlib.sha256(item.body).hexdigest()
    headers_json = _HEADERS(dict(item.headers))
    inbox.append(("court", message_id, "dispatch", case_id, at, body_sha256, item.body, headers_json))
    data = dispatch_received(  # the event's fields as the adapter writes them (a plain dict: no model, no sealing)
        platform="court",
        platform_case_id=body["ajbs"],
        case_number=case_number,
        court_code=court_code,
        flow=flow,
        procedure=procedure,
        cause=cause,
        amount=amount,
        status=status,
        message_id=message_id,
        flags=[],
    )
    data_json = _COMPACT(data)
    events.append(
        ("pending", 0, at, None, None, None, at, None, f"evt_{uuid.uuid4().hex}", "case.dispatch_received", case_id,
         at, data_json)
    )  # fmt: skip
    content = {"at": now.isoformat(), "detail": detail, "from": "RECEIVED", "to": status}
    audit.append(chain.entry(at, "case.register", case_id, case_id, actor, content))
    content = {"envelope_sha256": body_sha256, "platform": "court", "raw_sha256": body_sha256, "type": "dispatch"}
    audit.append(chain.entry(at, "inbound.applied", message_id, case_id, "court", content))
