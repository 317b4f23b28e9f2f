"""Strict wire types (issue 14): every field a court sends is refused when it has another JSON type than the one
documented (mappings/court_fields.py), naming the field and the type found, never the value."""

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from mappings import court_agreement, court_soap, odr_rest
from mappings.codes import MalformedPayload
from mappings.court_xml import to_resource
from tests.support import samples

PLATFORM = "court-gz"
SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
DECISION = {
    "xxbh": "CD-1",
    "xxlx": "CD",
    "fssj": "2026-04-01T10:00:00+08:00",
    "ajbs": "0104-5f3a9c",
    "jdxx": {"jdlx": "1", "sqjg": "2", "jdsj": "2026-04-01T09:00:00+08:00", "ly": "协议内容违法", "wsh": "民特7号"},
}
# The wrong types a hostile or careless court sends, as JSON values, and how a refusal names each.
WRONG = [(12345, "a number"), (1.5, "a number"), (True, "true/false"), (["x"], "a list"), ({"x": "y"}, "an object")]

# Every string field of a dispatch and a decision: path into the message, the field as the refusal names it.
DISPATCH_STRINGS = [
    (("xxbh",), "xxbh"),
    (("xxlx",), "xxlx"),
    (("ajbs",), "ajbs"),
    (("ajxx", "ah"), "ajxx.ah"),
    (("ajxx", "fydm"), "ajxx.fydm"),
    (("ajxx", "fymc"), "ajxx.fymc"),
    (("ajxx", "tjlx"), "ajxx.tjlx"),
    (("ajxx", "cxlx"), "ajxx.cxlx"),
    (("ajxx", "ay"), "ajxx.ay"),
    (("ajxx", "ssqq"), "ajxx.ssqq"),
    (("ajxx", "tjzz"), "ajxx.tjzz"),
    (("ajxx", "tjy"), "ajxx.tjy"),
    (("ajxx", "dsr", 1, "xm"), "ajxx.dsr.xm"),
    (("ajxx", "dsr", 1, "ssdw"), "ajxx.dsr.ssdw"),
    (("ajxx", "dsr", 1, "dsrlx"), "ajxx.dsr.dsrlx"),
    (("ajxx", "dsr", 1, "zjlx"), "ajxx.dsr.zjlx"),
    (("ajxx", "dsr", 1, "zjhm"), "ajxx.dsr.zjhm"),
    (("ajxx", "fj", 0, "wjmc"), "ajxx.fj.wjmc"),
    (("ajxx", "fj", 0, "sha256"), "ajxx.fj.sha256"),
]
DECISION_STRINGS = [
    (("jdxx", "jdlx"), "jdxx.jdlx"),
    (("jdxx", "sqjg"), "jdxx.sqjg"),
    (("jdxx", "ly"), "jdxx.ly"),
    (("jdxx", "wsh"), "jdxx.wsh"),
]
AGREEMENT_STRINGS = [
    (("ss",), "xy.ss"),
    (("tk",), "xy.tk"),
    (("lxfs",), "xy.lxfs"),
    (("wjmc",), "xy.wjmc"),
    (("wjzy",), "xy.wjzy"),
    (("jjtk", 0, "fkf"), "xy.jjtk.fkf"),
    (("jjtk", 0, "skf"), "xy.jjtk.skf"),
    (("qm", 0, "qmr"), "xy.qm.qmr"),
    (("qm", 0, "js"), "xy.qm.js"),
    (("qm", 0, "zsxh"), "xy.qm.zsxh"),
]


def _dispatch() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    return doc


def _agreement() -> dict[str, Any]:
    return court_agreement.agreement_fields(samples.agreement(), odr_rest.tables(PLATFORM))


def _put(doc: dict[str, Any], path: tuple[Any, ...], value: object) -> dict[str, Any]:
    doc = copy.deepcopy(doc)
    target: Any = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return doc


def _decode(doc: dict[str, Any]) -> object:
    return odr_rest.decode(PLATFORM, json.dumps(doc, ensure_ascii=False).encode("utf-8"))


def _refusal(decode: Any, doc: dict[str, Any]) -> str:
    with pytest.raises(MalformedPayload) as caught:
        decode(doc)
    return str(caught.value)


@pytest.mark.parametrize(("value", "kind"), WRONG, ids=[k for _, k in WRONG])
@pytest.mark.parametrize(
    ("base", "path", "named"),
    [(_dispatch, p, n) for p, n in DISPATCH_STRINGS] + [(lambda: DECISION, p, n) for p, n in DECISION_STRINGS],
    ids=[n for _, n in DISPATCH_STRINGS + DECISION_STRINGS],
)
def test_a_string_field_of_another_json_type_is_refused_naming_the_field(
    base: Any, path: tuple[Any, ...], named: str, value: object, kind: str
) -> None:
    """A court case id sent as 12345, a party name as true, a code as a list: malformed, naming field and type."""
    message = _refusal(_decode, _put(base(), path, value))
    assert f"field {named} must be a string, not {kind}" in message or f"field {named} must be a non-empty" in message
    assert "12345" not in message and "1.5" not in message  # the value itself is never repeated


@pytest.mark.parametrize(("value", "kind"), WRONG, ids=[k for _, k in WRONG])
@pytest.mark.parametrize(("path", "named"), AGREEMENT_STRINGS, ids=[n for _, n in AGREEMENT_STRINGS])
def test_an_agreement_string_field_of_another_json_type_is_refused(
    path: tuple[Any, ...], named: str, value: object, kind: str
) -> None:
    """The agreement's fields as a court echoes them back are held to the same types."""
    tables = odr_rest.tables(PLATFORM)
    message = _refusal(lambda d: court_agreement.agreement_to_canonical(d, tables), _put(_agreement(), path, value))
    assert f"field {named} must be a string, not {kind}" in message


@pytest.mark.parametrize(("value", "kind"), [*WRONG, (35000, "a number"), (None, "null")], ids=str)
@pytest.mark.parametrize(
    ("base", "path", "named"),
    [
        (_dispatch, ("ajxx", "bdje"), "ajxx.bdje"),
        (lambda: {"xy": _agreement()}, ("xy", "jjtk", 0, "ze"), "xy.jjtk.ze"),
        (lambda: {"xy": _agreement()}, ("xy", "jjtk", 0, "fq", 0, "je"), "xy.jjtk.fq.je"),
    ],
    ids=["bdje", "ze", "je"],
)
def test_an_amount_that_is_not_decimal_text_is_refused(
    base: Any, path: tuple[Any, ...], named: str, value: object, kind: str
) -> None:
    """35000.5 or 35000 as a JSON number is refused, never read through float (domain.md §4 "Amounts")."""
    tables = odr_rest.tables(PLATFORM)

    def decode(doc: dict[str, Any]) -> object:
        return _decode(doc) if "ajxx" in doc else court_agreement.agreement_to_canonical(doc["xy"], tables)

    message = _refusal(decode, _put(base(), path, value))
    assert f'field {named} must be a decimal string such as "1234.50", not {kind}' in message


def test_amounts_as_text_are_read_exactly() -> None:
    """Decimal text keeps every cent, including amounts a binary float cannot hold (0.1 + 0.2)."""
    envelope = _decode(_put(_dispatch(), ("ajxx", "bdje"), "99999999999.30"))
    assert str(envelope.body.dispatch.amount) == "99999999999.30"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (48213.0, "a number"),
        (True, "true/false"),
        ("4.8e4", "a string"),
        ("-1", "a string"),
        ("", "a string"),
        (None, "null"),
        ([1], "a list"),
    ],
)
def test_a_file_size_must_be_a_whole_number(value: object, kind: str) -> None:
    """dx: a JSON integer or ASCII digits (the XML framing's text); a float, a sign or true/false is refused."""
    message = _refusal(_decode, _put(_dispatch(), ("ajxx", "fj", 0, "dx"), value))
    assert f"field ajxx.fj.dx must be a whole number, not {kind}" in message


@pytest.mark.parametrize("value", [48213, "48213"])
def test_a_file_size_as_an_integer_or_digits_is_read(value: object) -> None:
    """Both transports' forms of a size give the same number."""
    envelope = _decode(_put(_dispatch(), ("ajxx", "fj", 0, "dx"), value))
    assert envelope.body.dispatch.attachments[0].size == 48213  # type: ignore[attr-defined]


@pytest.mark.parametrize(("value", "expected"), [(13812345678, "13812345678"), (["13812345678"], "13812345678")])
def test_a_phone_of_another_json_type_is_still_taken(value: object, expected: str) -> None:
    """Contact details stay lenient (issue 12): a phone sent as a number is kept, never refused."""
    envelope = _decode(_put(_dispatch(), ("ajxx", "dsr", 1, "lxdh"), value))
    assert envelope.body.dispatch.parties[1].phone == expected  # type: ignore[attr-defined]


@pytest.mark.parametrize(("path", "named"), [(("ajbs",), "ajbs"), (("ajxx", "dsr", 1, "xm"), "ajxx.dsr.xm")])
def test_an_xml_element_with_children_where_text_belongs_is_refused(path: tuple[Any, ...], named: str) -> None:
    """In the XML framing every scalar is text: a nested element in a text field is an object, and refused."""
    payload = to_resource([_put(_dispatch(), path, {"inner": "x"})])
    message = _refusal(lambda _: court_soap.decode(PLATFORM, payload), {})
    assert f"field {named} must be a string, not an object" in message
