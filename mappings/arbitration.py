"""The arbitration-commission wire ("arb-commission" profile): canonical PartnerEnvelopes of kind arbitration
(schemas/partner.py, bodies typed in schemas/arbitration.py) as the JSON a commission's case system reads and
writes — pure translation, no I/O, no keys.

No commission publishes an interface (partners.md §0, §3); this is the profile agreed bilaterally with each
commission (the centre's is the Guangzhou Arbitration Commission [P67a]), in the style of a modern case-management
API: camelCase JSON, the commission's own case number as `caseNo` (（2026）穗仲案字第123号), its own codes for
message types, refusal reasons, instruments and withdrawal reasons (arbitration.toml, versioned), times ISO 8601
with their offset (China time, +08:00), yuan as decimal text ("1200.00", never a JSON number). Transport (receipts,
feed pages, status, statistics) is the generic partner REST vocabulary (connectors/partner_rest.py) under the
commission's base URL; `ArbitrationWire` plugs this profile into that connector.

    {"msgId": message id, "msgType": "ACCEPTANCE", "centreRef": "AR-…" (our record), "caseNo": the commission's,
     "sentAt": "2026-03-02T09:30:00+08:00", "replyTo": the message answered, "data": {the body, camelCase}}

Body keys are the canonical field names in camelCase, at every depth (`dispute_arose_at` ↔ `disputeAroseAt`);
a key that is not a snake_case / camelCase identifier (a party's name as a key) travels as it is; the body's
`type` is not repeated in "data" (msgType says it). Coded values — a refusal's `reason`, an instrument's `kind`,
the application's `requestedInstrument`, a withdrawal's `reason` — are the commission's codes.

Inbound, the body is validated by its typed model (schemas/arbitration.py BODIES) here, at the boundary: wire input
that is not the promised shape or breaks a body rule raises MalformedPayload naming the wire field
("data.application.parties[0].idNumber") and the rule, never the value; an unknown code raises UnknownCode naming
table and field (connectors/http.py `decoded` turns each into a PayloadError for the quarantine, bytes kept).
"""

import copy
import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from mappings.codes import CodeTables, MalformedPayload, load_tables
from mappings.times import CHINA, read_time
from mappings.wire_types import field, ident, json_type, parse_object
from reference.errors import UnknownCode
from schemas.arbitration import BODIES
from schemas.partner import PartnerEnvelope, PartnerKind

__all__ = ["PROFILE", "ArbitrationWire", "MalformedPayload", "UnknownCode", "decode", "encode", "from_wire", "to_wire"]

PROFILE = "arb-commission"
# Envelope fields: canonical name → wire name (the body travels under "data"; `type` under "msgType", coded).
_ENVELOPE = {
    "message_id": "msgId",
    "record_id": "centreRef",
    "partner_ref": "caseNo",
    "correlates_to": "replyTo",
}
# Coded body values: (message type, canonical path in the body) → code table.
_CODED = {
    ("arb.refused", ("reason",)): "refusal_reason",
    ("arb.instrument_issued", ("kind",)): "instrument_kind",
    ("arb.application", ("application", "requested_instrument")): "requested_instrument",
    ("arb.withdrawn", ("reason",)): "withdrawal_reason",
}
_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)*")
_CAMEL = re.compile(r"[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)*")


def tables(partner: str = PROFILE) -> CodeTables:
    return load_tables("arbitration.toml", partner)


# ---- envelopes


def to_wire(envelope: PartnerEnvelope) -> dict[str, Any]:
    """The wire object for one message. Absent fields are absent, never null."""
    codes = tables(envelope.partner)
    doc: dict[str, Any] = {"msgType": codes.from_canonical("message_type", envelope.type, "msgType")}
    for name, wire in _ENVELOPE.items():
        value = getattr(envelope, name)
        if value is not None:
            doc[wire] = value
    doc["sentAt"] = envelope.sent_at.astimezone(CHINA).isoformat()
    body = copy.deepcopy({k: v for k, v in envelope.body.items() if k != "type"})  # msgType says it; ours untouched
    for (kind, path), table in _CODED.items():
        if kind == envelope.type:
            _recode(body, path, table, codes, outbound=True)
    doc["data"] = _keys(body, camel)
    return doc


def encode(envelope: PartnerEnvelope) -> bytes:
    """The exact bytes sent (deterministic: the same envelope, the same bytes)."""
    return json.dumps(to_wire(envelope), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def from_wire(doc: Any, partner: str) -> PartnerEnvelope:
    """The canonical message in a parsed wire object from `partner` (the name in our settings); MalformedPayload
    naming the wire field, UnknownCode, or pydantic's ValidationError (an envelope field out of bounds)."""
    if not isinstance(doc, dict):
        raise MalformedPayload(f"the message must be a JSON object, not {json_type(doc)}")
    codes = tables(partner)
    kind = codes.to_canonical("message_type", _text(doc, "msgType"), "msgType")
    canonical: dict[str, Any] = {"kind": PartnerKind.ARBITRATION, "partner": partner, "type": kind}
    canonical["message_id"] = ident(doc, "msgId", "")
    for name, wire in _ENVELOPE.items():
        if name != "message_id" and wire in doc and doc[wire] is not None:
            canonical[name] = _text(doc, wire)
    canonical["sent_at"] = read_time(field(doc, "sentAt", ""), "iso8601", "sentAt")
    data = field(doc, "data", "")
    if not isinstance(data, dict):
        raise MalformedPayload(f"field data must be an object, not {json_type(data)}")
    body = _keys(data, snake)
    for (type_, path), table in _CODED.items():
        if type_ == kind:
            _recode(body, path, table, codes, outbound=False)
    canonical["body"] = _validated(kind, body)
    return PartnerEnvelope.model_validate(canonical)


def decode(body: bytes, partner: str) -> PartnerEnvelope:
    """The canonical message in a commission's bytes (see `from_wire`)."""
    return from_wire(parse_object(body), partner)


class ArbitrationWire:
    """The profile as the generic partner REST connector's wire mapping (connectors/partner_wire.py WireMapping),
    one per commission: it names the commission (our settings name) in the envelopes it decodes. Transport —
    receipts, feed pages, status, statistics — is the generic partner REST vocabulary (connectors/partner_rest.py)
    under the commission's base URL."""

    def __init__(self, partner: str) -> None:
        self.partner = partner

    def encode(self, envelope: PartnerEnvelope) -> dict[str, Any]:
        return to_wire(envelope)

    def decode(self, doc: dict[str, Any]) -> PartnerEnvelope:
        return from_wire(doc, self.partner)


# ---- names


def camel(name: str) -> str:
    """snake_case → camelCase; anything else (a name, an id used as a key) unchanged."""
    if not _SNAKE.fullmatch(name):
        return name
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def snake(name: str) -> str:
    """camelCase → snake_case; anything else unchanged."""
    if not _CAMEL.fullmatch(name):
        return name
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _keys(value: Any, rename: Callable[[str], str]) -> Any:
    if isinstance(value, dict):
        return {rename(k) if isinstance(k, str) else k: _keys(v, rename) for k, v in value.items()}
    if isinstance(value, list):
        return [_keys(v, rename) for v in value]
    return value


def _recode(body: dict[str, Any], path: tuple[str, ...], table: str, codes: CodeTables, *, outbound: bool) -> None:
    """Replace the coded value at `path` (canonical keys) in place, if present: canonical → the commission's code
    (`outbound`), or back."""
    node: Any = body
    for key in path[:-1]:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict) or node.get(path[-1]) is None:
        return
    where, value = "data." + ".".join(camel(k) for k in path), node[path[-1]]
    if outbound:
        node[path[-1]] = codes.from_canonical(table, value, where)
    else:
        node[path[-1]] = codes.to_canonical(table, _string(value, where), where)


def _validated(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """The body through its typed model (schemas/arbitration.py BODIES), as canonical JSON; a refusal names the
    wire field and the rule, never the value (it may be an ID number)."""
    try:
        typed = BODIES[kind].model_validate({**body, "type": kind})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(camel(str(p)) if isinstance(p, str) else f"[{p}]" for p in first["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise MalformedPayload(f"field data.{where}: {first['msg']}{more}".replace(".[", "[")) from None
    return typed.model_dump(mode="json")


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedPayload(f"field {where} must be a string, not {json_type(value)}")
    return value


def _text(doc: dict[str, Any], key: str, path: str = "") -> str:
    value = field(doc, key, path)
    if not isinstance(value, str):
        where = f"{path}.{key}" if path else key
        raise MalformedPayload(f"field {where} must be a string, not {json_type(value)}")
    return value
