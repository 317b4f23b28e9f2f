"""The traffic-accident platform wire ("traffic-platform" profile): canonical PartnerEnvelopes of kind traffic
(schemas/partner.py, bodies typed in schemas/traffic.py) as the JSON the 道交一体化 platform reads and writes —
pure translation, no I/O.

No platform publishes a machine interface; one for a centre would be bilateral (partners.md §0, §2 *inference*).
This is the profile we agree with the platform, in the style of Chinese government platforms: camelCase names
(`serialNo` is the platform's case number), police terms in the pinyin initials the traffic-police systems use
(`sgrdsbh` 事故认定书编号, `rdslx`, `hphm` 号牌号码, `cllx`, `bxgsxydm`, `bdh`: mappings/traffic_platform_fields.py),
times in the agreed `timestamp_format` (mappings/times.py), yuan as decimal text ("18600.00", never a JSON number),
codes as the canonical code values.

    {"msgId": message id, "msgType": "CASE_OFFERED" (the type after "traffic.", upper case), "serialNo": the
     platform's case number, "bizNo": our record id (TR-…), "sendTime": sent at, "replyTo": the message answered,
     "data": {the body, camelCase}}

Transport (receipts, feed pages, status, statistics) is the generic partner REST vocabulary of
connectors/partner_rest.py, under the platform's base URL; `TrafficWire` plugs this profile into that connector.

Bad wire raises MalformedPayload naming the wire field (never its value: it may be personal data); a value the body
model refuses raises pydantic's ValidationError — connectors/http.py `decoded` turns each into a PayloadError.
"""

import json
import re
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from mappings.codes import MalformedPayload
from mappings.times import DEFAULT_FORM, TimestampForm, read_date, read_time, write_date, write_time
from mappings.traffic_platform_fields import Kind, canonical_name, fields_of, wire_name
from mappings.wire_types import json_type
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.traffic import BODIES

__all__ = ["MalformedPayload", "TrafficWire", "canonical_type", "decode", "decode_doc", "encode", "wire_type"]

Models = Callable[[str], type[BaseModel]]  # message type → its body model; KeyError for an unknown type
PREFIX = "traffic."
ENVELOPE = (  # (canonical, wire, required)
    ("message_id", "msgId", True),
    ("type", "msgType", True),
    ("partner_ref", "serialNo", False),
    ("record_id", "bizNo", False),
    ("sent_at", "sendTime", True),
    ("correlates_to", "replyTo", False),
)
_AMOUNT = re.compile(r"[0-9]{1,12}(\.[0-9]{1,2})?")


def wire_type(type_: str) -> str:
    """`traffic.case_offered` → `CASE_OFFERED`; ValueError for a type of another kind (never on this wire)."""
    if not type_.startswith(PREFIX):
        raise ValueError(f"message type {type_!r} is not a traffic-platform message")
    return type_.removeprefix(PREFIX).upper()


def canonical_type(code: str) -> str:
    if not re.fullmatch(r"[A-Z][A-Z0-9_]{0,40}", code):
        raise MalformedPayload("field msgType must be an upper-case message type such as CASE_OFFERED")
    return PREFIX + code.lower()


def encode(envelope: PartnerEnvelope, models: Models | None = None, form: TimestampForm = DEFAULT_FORM) -> bytes:
    """The exact bytes sent for one message (deterministic: the same envelope, the same bytes). `models` gives each
    message type's body model (default: schemas/traffic.py BODIES)."""
    doc: dict[str, Any] = {}
    for name, wire, _ in ENVELOPE:
        value = getattr(envelope, name)
        if value is not None:
            doc[wire] = value
    doc["msgType"] = wire_type(envelope.type)
    doc["sendTime"] = write_time(envelope.sent_at, form)
    model = (models or BODIES.__getitem__)(envelope.type)
    # Typed first, so what goes out is what the body model says (amounts "0.00", times with their offset); the
    # body's own `type` is msgType already
    body = model.model_validate(envelope.body).model_dump(mode="python", exclude_none=True, exclude={"type"})
    doc["data"] = _write(fields_of(model), body, form)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode(
    partner: str, raw: bytes, models: Models | None = None, form: TimestampForm = DEFAULT_FORM
) -> PartnerEnvelope:
    """The canonical message in the platform's bytes, its body validated by its model; MalformedPayload (naming
    the wire field) or ValidationError."""
    return decode_doc(partner, _parse(raw), models, form)


def decode_doc(
    partner: str, doc: Any, models: Models | None = None, form: TimestampForm = DEFAULT_FORM
) -> PartnerEnvelope:
    """`decode` of a parsed JSON document."""
    doc = _object(doc, "the message")
    canonical: dict[str, Any] = {"kind": PartnerKind.TRAFFIC, "partner": partner}
    for name, wire, required in ENVELOPE:
        if wire not in doc or doc[wire] is None:
            if required:
                raise MalformedPayload(f"field {wire} is missing")
            continue
        canonical[name] = doc[wire] if name == "sent_at" else _string(doc[wire], wire)
    canonical["type"] = canonical_type(canonical["type"])
    canonical["sent_at"] = read_time(doc["sendTime"], form, "sendTime")
    unknown = sorted(set(doc) - {w for _, w, _ in ENVELOPE} - {"data"})
    if unknown:
        raise MalformedPayload(f"field {unknown[0]} is not part of the traffic-platform profile")
    try:
        model = (models or BODIES.__getitem__)(canonical["type"])
    except KeyError:
        raise MalformedPayload(f"field msgType {doc['msgType']!r} is not a message type of this profile") from None
    data = _object(doc.get("data", {}), "field data")
    spec = {name: kind for name, kind in fields_of(model).items() if name != "type"}
    read = _read(spec, data, form, "data")
    body = model.model_validate({"type": canonical["type"], **read} if "type" in fields_of(model) else read)
    canonical["body"] = body.model_dump(mode="json")  # as the core types it: every field, defaults included
    return PartnerEnvelope.model_validate(canonical)


class TrafficWire:
    """The profile as the generic partner REST connector's wire mapping (connectors/partner_wire.py WireMapping):
    one per partner, which names the envelopes it decodes and fixes the agreed time form."""

    def __init__(self, partner: str, form: TimestampForm = DEFAULT_FORM, models: Models | None = None) -> None:
        self.partner, self.form, self.models = partner, form, models

    def encode(self, envelope: PartnerEnvelope) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(encode(envelope, self.models, self.form))
        return doc

    def decode(self, doc: dict[str, Any]) -> PartnerEnvelope:
        return decode_doc(self.partner, doc, self.models, self.form)


# ---- the walk


def _write(spec: dict[str, Kind], record: dict[str, Any], form: TimestampForm) -> dict[str, Any]:
    return {wire_name(name): _out(spec[name], value, form) for name, value in record.items() if value is not None}


def _out(kind: Kind, value: Any, form: TimestampForm) -> Any:
    if kind == "t":
        return write_time(value, form)
    if kind == "d":
        return write_date(value, form)
    if kind == "a":
        return value if isinstance(value, str) else f"{value:.2f}"  # RMB serialises itself
    if kind == "j":
        return _camel(to_jsonable_python(value))
    if isinstance(kind, tuple) and kind[0] == "o":
        return _write(fields_of(kind[1]), value if isinstance(value, dict) else value.model_dump(), form)
    if isinstance(kind, tuple):
        return [_out(kind[1], v, form) for v in value]
    return value.value if hasattr(value, "value") else value  # an enum as its code


def _read(spec: dict[str, Kind], doc: dict[str, Any], form: TimestampForm, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for wire, value in doc.items():
        name = canonical_name(wire)
        where = f"{path}.{wire}"
        if name not in spec:
            raise MalformedPayload(f"field {where} is not part of the traffic-platform profile")
        out[name] = None if value is None else _in(spec[name], value, form, where)
    return out


def _in(kind: Kind, value: Any, form: TimestampForm, where: str) -> Any:
    if kind == "t":
        return read_time(value, form, where)
    if kind == "d":
        return read_date(value, form, where)
    if kind == "a":
        if not isinstance(value, str) or not _AMOUNT.fullmatch(value):
            shown = json_type(value) if not isinstance(value, str) else "other text"
            raise MalformedPayload(f'field {where} must be yuan as decimal text such as "1234.50", not {shown}')
        return value
    if kind == "j":
        return _snake(value)
    if isinstance(kind, tuple) and kind[0] == "o":
        return _read(fields_of(kind[1]), _object(value, f"field {where}"), form, where)
    if isinstance(kind, tuple):
        if not isinstance(value, list):
            raise MalformedPayload(f"field {where} must be a list, not {json_type(value)}")
        return [_in(kind[1], v, form, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict | list):
        raise MalformedPayload(f"field {where} must be a single value, not {json_type(value)}")
    return value


def _camel(node: Any) -> Any:
    if isinstance(node, dict):
        return {wire_name(str(k)): _camel(v) for k, v in node.items()}
    return [_camel(v) for v in node] if isinstance(node, list) else node


def _snake(node: Any) -> Any:
    if isinstance(node, dict):
        return {canonical_name(str(k)): _snake(v) for k, v in node.items()}
    return [_snake(v) for v in node] if isinstance(node, list) else node


def _parse(raw: bytes) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise MalformedPayload(f"the body is not UTF-8 JSON ({str(exc)[:200]})") from None
    except RecursionError:
        raise MalformedPayload("the body nests JSON too deeply to parse") from None


def _object(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} must be a JSON object, not {json_type(value)}")
    return value


def _string(value: Any, wire: str) -> str:
    if not isinstance(value, str):
        raise MalformedPayload(f"field {wire} must be a string, not {json_type(value)}")
    return value
