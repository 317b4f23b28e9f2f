"""The SPC mediation platform's web form ("spc_form" profile, partners.md §4): the canonical roster and
self-received-registration messages (schemas/partner.py PartnerEnvelope, kind roster) as the form posts the
platform's pages make, and its answers and roster listing back — pure translation, no I/O.

The platform is a web form, not an API (partners.md §4, *inference* from public automation code [P52]): a session
cookie after logging in with the centre's account, each change a form post whose one field holds the form's JSON
(`mediationFormStr` for a self-received case on /fayuan/a/offline/addOffline). The roster pages are not public:
the organisation and mediator upserts below follow the same pattern and are **our agreed profile (*inference*)**:

    POST /fayuan/a/offline/addOffline        mediationFormStr = {causeCode, money, claimMoney, successState,
                                             startTimeStr, endTimeStr, agreement, mediatorId, ...}
    POST /fayuan/a/org/saveOrg               orgFormStr       = {orgName, creditCode, orgType, ...}
    POST /fayuan/a/mediator/saveMediator     mediatorFormStr  = {mediatorName, idCard, orgCreditCode, ...}
    POST /fayuan/a/mediator/retire           retireFormStr    = {mediatorNo, reason, retireTimeStr}
each with `msgId` (our message id: the platform applies it once) and `localId` (our record id). Answers: JSON
{"code": "0", "id": platform id, "repeat": true if applied before}; a failure is `-1` — the bare text or
{"code": "-1", "msg": the platform's words}; an HTML page (the login form) means the session has expired.

Back from the platform — certification answered later, by callback or in the roster listing (one row each):
    {"seq", "msgId", "event": certified | rejected | removed | registered | refused, "localId" (our record id),
     "id" (the platform's), "reason"?, "at", "answers"? (our message id it answers), "termEnd"? (yyyy-MM-dd)}
Times on this wire are "yyyy-MM-dd HH:mm:ss" China time. Wire input that is not the promised shape raises
MalformedPayload naming the wire field.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mappings.codes import MalformedPayload
from mappings.spc_form_fields import (
    EVENTS,
    FORMS,
    LISTING,
    LOGIN,
    PARTY_LISTS,
    PARTY_RENAMES,
    QUERY,
    RENAMES,
    STATISTICS,
    TIME_FIELDS,
    Form,
)
from mappings.times import TimestampForm, read_time, write_time
from mappings.wire_types import json_type
from schemas.partner import PartnerEnvelope, PartnerKind

SPACED: TimestampForm = "yyyy-MM-dd HH:mm:ss"
__all__ = [
    "EVENTS",
    "FORMS",
    "LISTING",
    "LOGIN",
    "QUERY",
    "RENAMES",
    "STATISTICS",
    "Answer",
    "Form",
    "decode_item",
    "encode",
    "encode_item",
    "read_answer",
]


def encode(envelope: PartnerEnvelope) -> tuple[str, dict[str, str]]:
    """(path, form fields) of one outbound message; KeyError for a type the platform has no form for."""
    form = FORMS[envelope.type]
    renames = RENAMES[envelope.type]
    doc = _renamed(envelope.body, renames)
    fields = {
        form.field: json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")),
        "msgId": envelope.message_id,
        "localId": envelope.record_id or "",
    }
    if envelope.partner_ref:
        fields["id"] = envelope.partner_ref
    return form.path, fields


def wire_form(type_: str, fields: Mapping[str, str]) -> dict[str, Any]:
    """The JSON object a form post carries (the sandbox's reading of `encode`); MalformedPayload if absent."""
    form = FORMS[type_]
    return _object(fields.get(form.field), form.field)


def canonical_body(type_: str, doc: Mapping[str, Any]) -> dict[str, Any]:
    """The reverse of the renames (for the sandbox and tests): wire fields back under their canonical names (times
    stay in the wire's form)."""
    back = {wire: key for key, wire in RENAMES[type_].items()}
    party = {wire: key for key, wire in PARTY_RENAMES.items()}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key in PARTY_LISTS and isinstance(value, list):
            value = [{party.get(k, k): v for k, v in p.items()} if isinstance(p, dict) else p for p in value]
        out[back.get(key, key)] = value
    return out


def _renamed(body: Mapping[str, Any], renames: Mapping[str, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {}
    for key, value in body.items():
        wire = renames.get(key, key)
        if wire in TIME_FIELDS and isinstance(value, str):
            value = _wire_time(value)
        elif wire in PARTY_LISTS and isinstance(value, list):
            value = [_renamed(p, PARTY_RENAMES) if isinstance(p, dict) else p for p in value]
        doc[wire] = value
    return doc


@dataclass(frozen=True)
class Answer:
    """A form post's answer: `ok`; the platform's id and `repeat` on success; its words on failure;
    `login_page` when the platform answered with its login form (the session has expired)."""

    ok: bool
    id: str | None = None
    repeat: bool = False
    words: str = ""
    login_page: bool = False
    doc: Mapping[str, Any] | None = None


def read_answer(content: bytes, content_type: str = "") -> Answer:
    """What one answer says. Never raises: an answer that is neither JSON, `-1` nor a login page is a failure
    whose words are its first 200 characters."""
    text = content.decode("utf-8", "replace").strip()
    if "html" in content_type.lower() or text[:1] == "<":
        return Answer(ok=False, login_page=True, words="the platform answered with its login page")
    if text in ("-1", '"-1"'):
        return Answer(ok=False, words="-1 (the platform gave no reason)")
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested past the parser's stack — still "never raises"
        return Answer(ok=False, words=f"unreadable answer: {text[:200]}")
    if not isinstance(doc, dict):
        return Answer(ok=False, words=f"answer is {json_type(doc)}, not an object")
    code = str(doc.get("code", ""))
    if code != "0":
        return Answer(ok=False, words=str(doc.get("msg") or doc.get("message") or f"code {code or 'missing'}")[:300])
    ident = doc.get("id")
    return Answer(ok=True, id=None if ident in (None, "") else str(ident), repeat=doc.get("repeat") is True, doc=doc)


def decode_item(platform: str, body: bytes) -> PartnerEnvelope:
    """The canonical message in one listing row or callback (the same bytes either way); MalformedPayload naming
    the wire field, or pydantic's ValidationError for an envelope the canonical schema refuses."""
    row = _object(body, "row")
    event = _text(row, "event")
    if event not in EVENTS:
        raise MalformedPayload(f"event {event!r} is not one of {', '.join(EVENTS)}")
    at = read_time(_text(row, "at"), SPACED, "at")
    type_, at_field = EVENTS[event]
    ref = str(row["id"]) if row.get("id") not in (None, "") else None
    body_doc: dict[str, Any] = {at_field: at.isoformat()}
    if event == "certified":
        body_doc["platform_id"] = _text(row, "id")
        if row.get("termEnd"):
            body_doc["term_to"] = str(row["termEnd"])
    elif event == "registered":
        body_doc["platform_case_id"] = _text(row, "id")
    else:
        body_doc["reason"] = str(row.get("reason") or "")
    return PartnerEnvelope(
        message_id=_text(row, "msgId"),
        kind=PartnerKind.ROSTER,
        partner=platform,
        record_id=_text(row, "localId"),
        partner_ref=ref,
        type=type_,
        sent_at=at,
        correlates_to=str(row["answers"]) if row.get("answers") else None,
        body=body_doc,
    )


def encode_item(row: Mapping[str, Any]) -> bytes:
    """One listing row's exact bytes (the sandbox writes, the connector hands on)."""
    return json.dumps(dict(row), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def wire_time(when: datetime) -> str:
    return str(write_time(when, SPACED))


def _wire_time(value: str) -> str:
    try:
        return wire_time(datetime.fromisoformat(value))
    except ValueError:
        return value  # not an ISO time: sent as given, the platform says what it thinks of it


def _object(raw: Any, field: str) -> dict[str, Any]:
    if raw is None:
        raise MalformedPayload(f"{field} is missing")
    try:
        doc = json.loads(raw)
    except ValueError as exc:
        raise MalformedPayload(f"{field} is not UTF-8 JSON ({str(exc)[:200]})") from None
    except RecursionError:
        raise MalformedPayload(f"{field} nests JSON too deeply to parse") from None
    if not isinstance(doc, dict):
        raise MalformedPayload(f"{field} must be a JSON object, not {json_type(doc)}")
    return doc


def _text(row: Mapping[str, Any], field: str) -> str:
    value = row.get(field)
    if not isinstance(value, str | int) or isinstance(value, bool) or str(value) == "":
        raise MalformedPayload(f"{field} must be non-empty text, not {json_type(value)}")
    return str(value)
