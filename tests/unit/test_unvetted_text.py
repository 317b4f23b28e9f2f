"""schemas/unvetted.py and adapter/inbox/refusal.py `unstorable_model`: asking only the text no Line/Text validator
vetted gives the answer the whole envelope's JSON gave (the check it replaces, kept here as the reference), for
clean envelopes and for NUL and lone surrogates in every kind of field that can still hold them."""

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticSerializationError

from adapter.inbox.refusal import unstorable, unstorable_model
from mappings import odr_rest
from schemas.case import Attachment, CaseDispatch, CaseNumberReading, Party
from schemas.enums import PartyRole
from schemas.envelope import CourtDecisionBody, DispatchBody, Envelope
from schemas.jc import CourtDecision
from schemas.text import Line, Text
from schemas.unvetted import any_unvetted, unvetted_fields

SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"


def _by_json(model: BaseModel) -> str | None:
    """The check as it was: the serializer writes NUL as \\u0000 and refuses a lone surrogate."""
    try:
        if b"\\u0000" not in model.__pydantic_serializer__.to_json(model):
            return None
    except PydanticSerializationError:
        pass
    return unstorable(model.model_dump())


def _dispatch(**party: Any) -> Envelope:
    doc = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc["ajxx"]["dsr"][1].update(party)
    return odr_rest.decode("court-gz", json.dumps(doc).encode())  # \\u escapes: how a lone surrogate arrives


def _decision() -> Envelope:
    doc = {
        "xxbh": "CD-1",
        "xxlx": "CD",
        "fssj": "2026-03-02T09:30:05+08:00",
        "ajbs": "A-1",
        "jdxx": {"jdlx": "1", "sqjg": "1", "jdsj": "2026-03-02T09:30:05+08:00", "ly": "一\n二", "wsh": "民特1号"},
    }
    return odr_rest.decode("court-gz", json.dumps(doc, ensure_ascii=False).encode())


class _Loose(BaseModel):
    """A record with every kind of field the walk must look into (none of ours is this loose)."""

    model_config = ConfigDict(extra="allow")
    line: Line = "x"
    text: Text = ""
    plain: str = ""
    maybe: str | None = None
    role: PartyRole = PartyRole.APPLICANT
    data: dict[str, Any] = {}
    items: list[Any] = []
    party: Party | None = None
    parties: tuple[Party, ...] = ()
    either: Party | CaseNumberReading | None = None


PARTY = _dispatch().body.dispatch.parties[1]  # type: ignore[union-attr]

ENVELOPES: list[tuple[str, BaseModel]] = [
    ("clean dispatch", _dispatch()),
    ("clean decision", _decision()),
    ("phone NUL", _dispatch(lxdh="138\x00")),
    ("phone lone surrogate", _dispatch(lxdh="138\udcff")),
    ("phone the text \\u0000 (a false alarm)", _dispatch(lxdh="\\u0000")),
    ("address NUL", _dispatch(sddz="路\x00")),
    ("address list with NUL", _dispatch(sddz=["a", "b\x00"])),
    ("address high surrogate", _dispatch(sddz="路\ud800")),
    ("phone as an object with NUL", _dispatch(lxdh={"a": "\x00"})),
    ("clean loose record", _Loose()),
    ("plain str NUL", _Loose(plain="a\x00")),
    ("optional str surrogate", _Loose(maybe="\udfff")),
    ("dict value NUL", _Loose(data={"k": ["x", {"y": "\x00"}]})),
    ("dict key NUL (the walk reads values)", _Loose(data={"k\x00": 1})),
    ("list NUL", _Loose(items=[1, [None, "\x00"]])),
    ("extra field NUL", _Loose(note="\x00")),
    ("nested party phone NUL", _Loose(party=PARTY.model_copy(update={"phone": "\x00"}))),
    ("party in a tuple address surrogate", _Loose(parties=(PARTY.model_copy(update={"address": "\udc80"}),))),
    ("union member surrogate", _Loose(either=CaseNumberReading.model_construct(court_code="x", problems=("\udc80",)))),
]


@pytest.mark.parametrize("model", [m for _, m in ENVELOPES], ids=[n for n, _ in ENVELOPES])
def test_unvetted_text_answers_as_the_whole_json_did(model: BaseModel) -> None:
    assert unstorable_model(model) == _by_json(model)


def test_a_finding_names_the_field() -> None:
    assert unstorable_model(_dispatch(lxdh="138\x00")) == "field body.dispatch.parties[1].phone holds NUL (U+0000)"
    assert unstorable_model(_dispatch(sddz="路\ud800")) == (
        "field body.dispatch.parties[1].address holds a lone surrogate (U+D800)"
    )


def test_vetted_fields_are_line_text_enums_literals_numbers_and_times() -> None:
    assert unvetted_fields(Envelope) == ("body",)
    assert unvetted_fields(DispatchBody) == ("dispatch",)
    assert unvetted_fields(CaseDispatch) == ("parties", "attachments", "case_number_reading")
    assert unvetted_fields(Party) == ("phone", "address")
    assert unvetted_fields(Attachment) == ("sha256",)
    assert unvetted_fields(CourtDecisionBody) == ("decision",)
    assert unvetted_fields(CourtDecision) == ()
    assert unvetted_fields(_Loose) == ("plain", "maybe", "data", "items", "party", "parties", "either")


def test_the_walk_sees_every_unvetted_string_of_a_dispatch() -> None:
    seen: list[str] = []
    any_unvetted(_dispatch(), lambda text: seen.append(text))
    dispatch = _dispatch().body.dispatch  # type: ignore[union-attr]
    expected = [a.sha256 for a in dispatch.attachments]
    expected += [text for p in dispatch.parties for text in (p.phone, p.address) if text is not None]
    assert sorted(seen) == sorted(expected)
