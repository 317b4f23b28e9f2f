"""The institution complaint-desk wire ("complaint-desk" profile): the canonical complaint messages
(schemas/complaint.py) as the JSON a bank's or insurer's desk reads and writes — pure translation, no I/O.

No institution publishes an interface (partners.md §0), so the wire is agreed per memorandum; this profile is a
plausible one in the style of Chinese institution gateways: short pinyin field names, codes from
complaint_desk.toml (an unknown code raises UnknownCode, never a default), times in the platform's agreed
`timestamp_format` (mappings/times.py), yuan as decimal text ("600.00", never a JSON number).

    {"xxbh": message id, "tsbh": complaint id, "jgslh": desk ref, "fssj": sent at, "hfxx": answers message,
     "xxlx": message type code, "nr": {the body's fields}}

Fields a memorandum withholds (ForwardBody.withheld, dotted canonical paths such as "complainant.phone") are
absent from the wire whatever the record holds, and listed in "bkxm" by their wire paths ("tsr.lxdh").
Wire input that is not the promised shape raises MalformedPayload naming the wire field; a value the canonical
schema refuses raises pydantic's ValidationError (connectors/http.py `decoded` turns each into a PayloadError).
"""

import json
from typing import Any

from mappings.codes import CodeTables, MalformedPayload, load_tables
from mappings.complaint_desk_fields import BODIES, COMPLAINT, ENVELOPE, Spec
from mappings.times import DEFAULT_FORM, TimestampForm, read_time, write_time
from mappings.wire_types import amount, count, field, json_type, parse_object
from reference.errors import UnknownCode
from schemas.complaint import ComplaintEnvelope

__all__ = ["MalformedPayload", "UnknownCode", "decode", "decode_status", "encode", "encode_status", "tables"]


def tables(platform: str, timestamps: TimestampForm = DEFAULT_FORM) -> CodeTables:
    loaded = load_tables("complaint_desk.toml", platform)
    return CodeTables(loaded.platform, loaded.version, loaded.tables, timestamps)


def encode(envelope: ComplaintEnvelope, platform: str, timestamps: TimestampForm = DEFAULT_FORM) -> bytes:
    """The exact bytes sent for one message (deterministic: the same envelope, the same bytes). Fields listed as
    withheld are left out, whatever the record holds."""
    codes = tables(platform, timestamps)
    canonical = envelope.model_dump(mode="python")
    doc = _write(ENVELOPE, canonical, codes, set())
    doc["xxlx"] = codes.from_canonical("message_type", envelope.body.type.value, "xxlx")
    body = canonical["body"]
    withheld = {f"complaint.{path}" for path in body.get("withheld", ())}
    doc["nr"] = _write(BODIES[envelope.body.type.value], body, codes, withheld)
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def decode(platform: str, body: bytes, timestamps: TimestampForm = DEFAULT_FORM) -> ComplaintEnvelope:
    """The canonical message in a desk's bytes; MalformedPayload (naming the wire field), UnknownCode or
    ValidationError."""
    codes = tables(platform, timestamps)
    doc = parse_object(body)
    canonical = _read(ENVELOPE, doc, codes, "")
    kind = codes.to_canonical("message_type", field(doc, "xxlx", ""), "xxlx")
    nr = field(doc, "nr", "")
    if not isinstance(nr, dict):
        raise MalformedPayload(f"field nr must be an object, not {json_type(nr)}")
    canonical["body"] = {"type": kind, **_read(BODIES[kind], nr, codes, "nr")}
    return ComplaintEnvelope.model_validate(canonical)


def decode_status(platform: str, code: object) -> str | None:
    """A desk status code as the canonical DeskStatus value (None stays None: the desk does not know it)."""
    return None if code is None else tables(platform).to_canonical("desk_status", code, "zt")


def encode_status(platform: str, status: str | None) -> str | None:
    return None if status is None else tables(platform).from_canonical("desk_status", status, "zt")


# ---- the walk


def _write(spec: Spec, record: dict[str, Any], codes: CodeTables, withheld: set[str], path: str = "") -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for name, wire, kind, arg in spec:
        here = f"{path}{name}"
        value = record.get(name)
        if value is None or here in withheld:
            continue  # absent, never null: a withheld field is not even named with an empty value
        if kind == "t":
            doc[wire] = write_time(value, codes.timestamps)
        elif kind == "a":
            doc[wire] = value if isinstance(value, str) else f"{value:.2f}"  # RMB serialises itself
        elif kind == "c":
            doc[wire] = codes.from_canonical(arg, value, wire)
        elif kind == "cs":
            doc[wire] = [codes.from_canonical(arg, v, wire) for v in value]
        elif kind == "o":
            doc[wire] = _write(arg, value, codes, withheld, f"{here}.")
        elif kind == "os":
            doc[wire] = [_write(arg, v, codes, withheld, f"{here}.") for v in value]
        elif kind == "w":
            doc[wire] = [_wire_path(COMPLAINT, p.split("."), "ts") for p in value]
        else:
            doc[wire] = value
    return doc


def _read(spec: Spec, doc: dict[str, Any], codes: CodeTables, path: str) -> dict[str, Any]:
    """Canonical fields from one wire object: absent stays absent (the schema's default or its "missing"), null is
    None; every present value must have its documented wire type."""
    out: dict[str, Any] = {}
    for name, wire, kind, arg in spec:
        where = f"{path}.{wire}" if path else wire
        if wire not in doc:
            continue
        value = doc[wire]
        if value is None:
            out[name] = None
            continue
        if kind == "t":
            out[name] = read_time(value, codes.timestamps, where)
        elif kind == "a":
            out[name] = amount(doc, wire, path)
        elif kind == "i":
            out[name] = count(doc, wire, path)
        elif kind == "b":
            if not isinstance(value, bool):
                raise MalformedPayload(f"field {where} must be true/false, not {json_type(value)}")
            out[name] = value
        elif kind == "c":
            out[name] = codes.to_canonical(arg, _string(value, where), where)
        elif kind in ("cs", "os", "w"):
            if not isinstance(value, list):
                raise MalformedPayload(f"field {where} must be a list, not {json_type(value)}")
            if kind == "cs":
                out[name] = [codes.to_canonical(arg, _string(v, where), where) for v in value]
            elif kind == "w":
                out[name] = [_canonical_path(COMPLAINT, _string(v, where).split(".")[1:]) for v in value]
            else:
                out[name] = [
                    _read(arg, _object(v, f"{where}[{i}]"), codes, f"{where}[{i}]") for i, v in enumerate(value)
                ]
        elif kind == "o":
            out[name] = _read(arg, _object(value, where), codes, where)
        else:
            out[name] = _string(value, where)
    return out


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MalformedPayload(f"field {where} must be a string, not {json_type(value)}")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MalformedPayload(f"field {where} must be an object, not {json_type(value)}")
    return value


def _wire_path(spec: Spec, parts: list[str], prefix: str) -> str:
    """A canonical dotted path ("complainant.phone") as its wire path ("ts.tsr.lxdh"); a name the profile does not
    carry stays as it is (the list is the memorandum's, and says what is absent)."""
    names = [prefix]
    for i, part in enumerate(parts):
        entry = next((e for e in spec if e[0] == part), None)
        if entry is None:
            return ".".join(names + parts[i:])
        names.append(entry[1])
        spec = entry[3] if entry[2] in ("o", "os") else ()
    return ".".join(names)


def _canonical_path(spec: Spec, parts: list[str]) -> str:
    names: list[str] = []
    for i, part in enumerate(parts):
        entry = next((e for e in spec if e[1] == part), None)
        if entry is None:
            return ".".join(names + parts[i:])
        names.append(entry[0])
        spec = entry[3] if entry[2] in ("o", "os") else ()
    return ".".join(names)
