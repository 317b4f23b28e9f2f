"""The partner routes' OpenAPI pieces (api/centre_partners.py): the If-Match header and the answers as a partner
record's (not a case's), and the request examples (`document`): one per action,
built from its input model's JSON schema — each required field (and nothing else) given a plausible value by its
type, format and enum — and kept only when the model accepts it, so no example shown is one the API refuses for its
shape (a kind's guards may still refuse it for the record's state or the partner's rules)."""

from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel, ValidationError

from adapter.partners.specs import SPECS
from api.centre_actions import ACTION_RESPONSES

BASE = "/api/centre/v1/partners"

IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The partner record's ETag as last read (GET …/records/{record_id}, or the "
           'action\'s answer), e.g. "v3": a stale one is refused (412) with the current ETag.'),
]  # fmt: skip
_ETAG = {"ETag": {"description": "The partner record's version after the action: send it as If-Match next time.",
                  "schema": {"type": "string"}}}  # fmt: skip
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ACTION_RESPONSES,
    200: {"description": "the action's answer: the record's id, kind, partner, status, version", "headers": _ETAG},
    201: {"description": "the record opened: its id, status, version; ETag and Location", "headers": _ETAG},
    409: {"description": "refused (409): illegal-transition (current_state, allowed_events, allowed_actions) or "
          "duplicate-record (existing_record_id), RFC 9457 problem+json",
          "content": {"application/problem+json": {"example": {
              "type": "urn:court-docking:problem:illegal-transition", "title": "Conflict", "status": 409,
              "detail": "cannot close a traffic record in CLOSED; allowed here: nothing", "current_state": "CLOSED",
              "event": "close", "allowed_events": [], "allowed_actions": []}}}},
    412: {"description": "refused (412): the If-Match is not the partner record's current ETag (current_etag)",
          "content": {"application/problem+json": {"example": {
              "type": "urn:court-docking:problem:stale-version", "title": "Precondition failed", "status": 412,
              "detail": "the partner record has changed since that version", "current_etag": '"v3"'}}}},
}  # fmt: skip

# Values for a string by its JSON-schema format, or by its field's name (the models' text types say no more).
_FORMATS = {"date-time": "2026-11-23T09:00:00+08:00", "date": "2026-11-23", "time": "09:00:00"}
_NAMED = {
    "amount": "1200.00", "id_number": "11010519491231002X", "uscc": "91110000600037341L", "phone": "13800138000",
    "sha256": "ab" * 32, "area_code": "440104", "month": "2026-11", "case_id": "MC-2026-000123",
    "organisation": "91110000600037341L",
}  # fmt: skip


def example(model: type[BaseModel]) -> dict[str, Any] | None:
    """A minimal input `model` accepts (its required fields only), or None when none could be built."""
    schema = model.model_json_schema()
    value = _value(schema, schema.get("$defs", {}), "", 0)
    if not isinstance(value, dict):
        return None
    try:
        model.model_validate(value)
    except ValidationError:
        return None
    return value


def _value(schema: dict[str, Any], defs: dict[str, Any], name: str, depth: int) -> Any:
    if depth > 8:
        return None
    if "$ref" in schema:
        return _value(defs[schema["$ref"].rsplit("/", 1)[-1]], defs, name, depth + 1)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return _value(options[0], defs, name, depth + 1) if options else None
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {k: _value(props[k], defs, k, depth + 1) for k in schema.get("required", []) if k in props}
    if kind == "array":
        item = _value(schema.get("items", {}), defs, name, depth + 1)
        return [item] * max(1, schema.get("minItems", 1))
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return name == "free"  # a fee: free, or it needs an amount
    if name in _NAMED:
        return _NAMED[name]
    if "pattern" in schema:
        return "A1"  # refs and codes: letters and digits
    if schema.get("format") in _FORMATS:
        return _FORMATS[schema["format"]]
    return "示例" * max(1, (schema.get("minLength", 1) + 1) // 2)


def document(doc: dict[str, Any]) -> None:
    """Put each registered action's input schema in the OpenAPI document: `PartnerAction.<kind>.<action>` in
    components, and the two action operations' request bodies as oneOf them (the body is read as JSON, so FastAPI
    does not know its model), with an example per action named `<kind>.<action>` (api/partner_examples.py)."""
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    opening: list[dict[str, str]] = []
    on_record: list[dict[str, str]] = []
    opened_examples: dict[str, Any] = {}
    acted_examples: dict[str, Any] = {}
    for kind, spec in sorted(SPECS.items()):
        for name, action in sorted(spec.actions.items()):
            schema = action.input.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            title = f"PartnerAction.{kind.value}.{name}"
            schemas[title] = {**schema, "title": title, "description": action.summary}
            (opening if action.opens else on_record).append({"$ref": f"#/components/schemas/{title}"})
            shown = example(action.input)
            if shown is not None:
                (opened_examples if action.opens else acted_examples)[f"{kind.value}.{name}"] = {
                    "summary": action.summary,
                    "value": shown,
                }
    on_a_record = f"{BASE}/records/{{record_id}}/actions/{{action}}"
    for path, refs, examples in ((f"{BASE}/{{kind}}/actions/{{action}}", opening, opened_examples),
                                 (on_a_record, on_record, acted_examples)):  # fmt: skip
        operation = doc.get("paths", {}).get(path, {}).get("post")
        if operation is not None and refs:
            body = {"schema": {"oneOf": refs}, "examples": examples}
            operation["requestBody"] = {"required": True, "content": {"application/json": body}}
