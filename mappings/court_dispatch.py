"""A court's case information (ajxx) read into a dispatch: the fields, and the record built from them.

The wire reads (types per mappings/court_fields.py's list) are made in one order, naming each field they refuse, by
`party_fields`, `attachment_fields` and `case_fields`; two ways build the record:
- `case_to_canonical`, record by record from those reads (each party, each attachment, the case, then its 案号 read
  by reference/case_intake.py): what every refusal comes from — the first bad field met in this order, named
  relative to the record that refused it ("name: …" for a party's name);
- `dispatch_body`, the whole dispatch body in one validation (pydantic builds the nested records from plain data,
  the 案号's reading included) of the same values read straight from the message (`_wire_fields`, naming
  nothing), for a dispatch that passes — nearly every one; the first failure of any kind sends it down
  `case_to_canonical`, so a refused dispatch is refused exactly as before, and one that passes is the same record
  either way (tests/unit/test_court_dispatch.py).
"""

from typing import Any

from mappings.codes import CodeTables
from mappings.times import read_time
from mappings.wire_types import amount, count, field, objects, optional_text, text
from reference.case_intake import read_case_number
from reference.case_number import normalise_court_code, parse
from reference.causes import causes
from schemas.case import Attachment, CaseDispatch, Party
from schemas.envelope import DispatchBody


def code(t: CodeTables, table: str, obj: dict[str, Any], key: str, path: str, default: str | None = None) -> Any:
    """A code field (a string, "01") through the platform's `table`; an absent optional code is `default`, and
    null stays None for the caller (or the table) to refuse."""
    value = text(obj, key, path) if default is None else optional_text(obj, key, path, default)
    return t.to_canonical(table, value, f"{path}.{key}" if path else key)


def party_fields(p: dict[str, Any], t: CodeTables) -> dict[str, Any]:
    return {
        "name": text(p, "xm", "ajxx.dsr"),
        "role": code(t, "party_role", p, "ssdw", "ajxx.dsr"),
        "kind": code(t, "party_kind", p, "dsrlx", "ajxx.dsr"),
        "id_type": code(t, "id_type", p, "zjlx", "ajxx.dsr"),
        "id_number": text(p, "zjhm", "ajxx.dsr"),
        "phone": p.get("lxdh"),  # lenient on purpose: see mappings/court_fields.py
        "address": p.get("sddz"),
    }


def attachment_fields(a: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": text(a, "wjmc", "ajxx.fj"),
        "sha256": text(a, "sha256", "ajxx.fj"),
        "size": count(a, "dx", "ajxx.fj"),
    }


def case_fields(ajxx: dict[str, Any], platform_case_id: str, t: CodeTables) -> dict[str, Any]:
    """The case's own fields (no parties, attachments or 案号 reading), read in the order a refusal names them."""
    return {
        "platform_case_id": platform_case_id,
        "case_number": optional_text(ajxx, "ah", "ajxx"),
        "court_code": optional_text(ajxx, "fydm", "ajxx"),
        "court_name": optional_text(ajxx, "fymc", "ajxx"),
        "flow": code(t, "flow", ajxx, "tjlx", "ajxx"),
        "procedure": code(t, "procedure", ajxx, "cxlx", "ajxx", default="1"),
        "cause": _cause(ajxx, t),
        "claims": optional_text(ajxx, "ssqq", "ajxx", ""),
        "amount": amount(ajxx, "bdje", "ajxx"),
    }


def _late_fields(ajxx: dict[str, Any], t: CodeTables) -> dict[str, Any]:
    return {
        "designated_org": optional_text(ajxx, "tjzz", "ajxx"),
        "designated_mediator": optional_text(ajxx, "tjy", "ajxx"),
        "dispatched_at": read_time(field(ajxx, "pqsj", "ajxx"), t.timestamps, "ajxx.pqsj"),
    }


def _cause(ajxx: dict[str, Any], t: CodeTables) -> str:
    """The cause's 2020-catalogue name: sent as the name, or as a code the platform's own `cause` table maps."""
    value = text(ajxx, "ay", "ajxx")
    name = t.tables.get("cause", {}).get(value, value)
    return causes().check(t.platform, name, "ajxx.ay")


def case_to_canonical(ajxx: dict[str, Any], platform_case_id: str, t: CodeTables) -> CaseDispatch:
    """The dispatch in `ajxx`, record by record; raises MalformedPayload, UnknownCode or ValidationError for the
    first bad field."""
    parties = [Party(**party_fields(p, t)) for p in objects(ajxx, "dsr", "ajxx", required=True)]
    attachments = [Attachment(**attachment_fields(a)) for a in objects(ajxx, "fj", "ajxx", required=False)]
    fields = case_fields(ajxx, platform_case_id, t)
    dispatch = CaseDispatch(**fields, parties=tuple(parties), attachments=tuple(attachments), **_late_fields(ajxx, t))
    return read_case_number(dispatch)  # the one reading of its 案号 (reference/case_intake.py)


def dispatch_body(ajxx: dict[str, Any], platform_case_id: str, t: CodeTables) -> DispatchBody:
    """The dispatch body of `ajxx`: `case_to_canonical`'s record and refusals, built in one validation when it
    passes."""
    try:
        return _at_once(ajxx, platform_case_id, t)
    except Exception:  # anything refused (or odd) is read again record by record, which says what and where
        pass
    return DispatchBody(dispatch=case_to_canonical(ajxx, platform_case_id, t))


class _Unusual(Exception):
    """A dispatch `_at_once` leaves to `case_to_canonical`."""


def _wire_fields(ajxx: dict[str, Any], platform_case_id: str, t: CodeTables) -> dict[str, Any]:
    """`case_fields`, then the parties and attachments, then `_late_fields`, in one dict: the values the readers
    give, read straight from the message (the naming readers took about a seventh of decoding a dispatch). A value
    not plainly of its type (absent where required, null where text is required, another JSON type, an unknown
    code) raises here, unnamed (KeyError, _Unusual …), and the dispatch is read again record by record, which names
    it."""
    codes = t.tables
    roles, kinds, id_types = codes["party_role"], codes["party_kind"], codes["id_type"]
    parties = ajxx["dsr"]
    if type(parties) is not list:
        raise _Unusual
    party_list = []
    for p in parties:
        if type(p) is not dict:
            raise _Unusual
        name, role, kind, id_type, id_number = p["xm"], p["ssdw"], p["dsrlx"], p["zjlx"], p["zjhm"]
        if not (type(name) is type(role) is type(kind) is type(id_type) is type(id_number) is str):
            raise _Unusual
        party_list.append(
            {
                "name": name,
                "role": roles[role],
                "kind": kinds[kind],
                "id_type": id_types[id_type],
                "id_number": id_number,
                "phone": p.get("lxdh"),  # lenient on purpose, as `party_fields`
                "address": p.get("sddz"),
            }
        )
    attachments = ajxx.get("fj", [])
    if type(attachments) is not list:
        raise _Unusual
    attachment_list = []
    for a in attachments:
        if type(a) is not dict:
            raise _Unusual
        file_name, digest, size = a["wjmc"], a["sha256"], a["dx"]
        if type(file_name) is not str or type(digest) is not str:
            raise _Unusual
        if type(size) is not int:  # digits as text (the XML framing's form) read as `count` reads them
            size = count(a, "dx", "ajxx.fj")
        attachment_list.append({"name": file_name, "sha256": digest, "size": size})
    flow, procedure, amount_text = ajxx["tjlx"], ajxx.get("cxlx", "1"), ajxx["bdje"]
    if not (type(flow) is type(procedure) is type(amount_text) is str):
        raise _Unusual
    return {
        "platform_case_id": platform_case_id,
        "case_number": _text_or_none(ajxx.get("ah")),
        "court_code": _text_or_none(ajxx.get("fydm")),
        "court_name": _text_or_none(ajxx.get("fymc")),
        "flow": codes["flow"][flow],
        "procedure": codes["procedure"][procedure],
        "cause": _cause(ajxx, t),
        "claims": _text_or_none(ajxx.get("ssqq", "")),
        "amount": amount_text,
        "parties": party_list,
        "attachments": attachment_list,
        "designated_org": _text_or_none(ajxx.get("tjzz")),
        "designated_mediator": _text_or_none(ajxx.get("tjy")),
        "dispatched_at": read_time(ajxx["pqsj"], t.timestamps, "ajxx.pqsj"),
    }


def _text_or_none(value: object) -> str | None:
    """An optional text field's value (`optional_text`): text or null; anything else raises."""
    if value is not None and type(value) is not str:
        raise _Unusual
    return value


def _at_once(ajxx: dict[str, Any], platform_case_id: str, t: CodeTables) -> DispatchBody:
    fields = _wire_fields(ajxx, platform_case_id, t)
    # reference/case_intake.py's reading, made before the validation rather than after it: the record is validated
    # with the 案号 and court code as sent (as `CaseDispatch` validates them) and the reading with it; a 案号 or
    # court code not in its normal form is then put in it as read_case_number puts it (a copy of the record with
    # the two values changed). A 案号 too long to be valid is left to the record-by-record way, unparsed.
    number, court_code = fields["case_number"], fields["court_code"]
    normal: dict[str, Any] = {}
    if court_code is not None:
        normal["court_code"] = normalise_court_code(court_code) if len(court_code) <= 16 else court_code
    if number is None:
        fields["case_number_reading"] = None
    elif len(number) > 64:
        raise _Unusual
    else:
        reading = parse(number)
        normal["case_number"] = reading.text
        fields["case_number_reading"] = {"court_code": reading.court_code, "problems": tuple(reading.problems)}
    body = DispatchBody.model_validate({"dispatch": fields})
    if all(fields[name] == value for name, value in normal.items()):
        return body  # nearly always: courts send both in their normal form
    return DispatchBody(dispatch=body.dispatch.model_copy(update=normal))
