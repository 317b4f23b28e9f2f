"""mappings/court_dispatch.py: the dispatch built in one validation (`dispatch_body`) is the record the
record-by-record way (`case_to_canonical`) builds — equal, the same JSON, flags and fields set in every nested
record — and a dispatch either way refuses is refused with the same exception and text, on a table of real and
broken case informations (non-ASCII, empty, oversized, malformed, unusual 案号 and court codes)."""

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from mappings import court_dispatch, odr_rest
from mappings.court_dispatch import case_to_canonical, dispatch_body
from schemas.envelope import DispatchBody

SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"
TABLES = odr_rest.tables("court-gz")


def _ajxx() -> dict[str, Any]:
    ajxx: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))["ajxx"]
    return ajxx


def _party(n: int, **changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda a: a["dsr"][n].update(changes)


def _set(**changes: Any) -> Callable[[dict[str, Any]], None]:
    return lambda a: a.update(changes)


def _drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda a: a.pop(key)


# (name, change to the sample's ajxx, whether the one-validation way builds it itself)
CASES: list[tuple[str, Callable[[dict[str, Any]], None], bool]] = [
    ("sample", lambda a: None, True),
    ("no 案号 (flow C shape)", _set(ah=None), True),
    ("案号 absent", _drop("ah"), True),
    ("unknown court in 案号 (flagged)", _set(ah="（2026）粤9999民初1号"), True),
    ("unknown type in 案号 (flagged)", _set(ah="（2026）粤0104民特监1号"), True),
    ("letters for a type in 案号", _set(ah="（2026）粤0104民XX1号"), False),
    ("court of the 案号 not the court code", _set(ah="（2026）京0104民初1号"), True),
    ("half-width brackets (normalised)", _set(ah="(2026)粤0104民初1001号"), True),
    ("full-width court code (normalised)", _set(fydm="粤０１０４"), True),
    ("court code with a space (normalised)", _set(fydm=" 粤0104"), True),
    ("full-width 案号 and court code", _set(ah="（２０２６）粤０１０４民初１号", fydm="粤０１０４"), True),
    ("no 案号, full-width court code", _set(ah=None, fydm="粤０１０４"), True),
    ("court code null", _set(fydm=None), True),
    ("court code too long", _set(fydm="粤" * 17), False),
    ("not a 案号", _set(ah="not a case number"), False),
    ("案号 too long", _set(ah="（2026）粤0104民初" + "1" * 70 + "号"), False),
    ("案号 with a control character", _set(ah="（2026）粤0104民初1001号\x85"), False),
    ("案号 a number", _set(ah=12), False),
    ("phones of every kind", lambda a: [_party(0, lxdh="+852 5123 4567")(a), _party(1, lxdh=["1", ["2"]])(a)], True),
    ("phone unrecognised (flagged)", _party(1, lxdh="abc"), True),
    ("phone a number", _party(1, lxdh=13800138000), True),
    ("phone with NUL (kept, refused later)", _party(1, lxdh="138\x00"), True),
    ("address a list", _party(0, sddz=["a", 1, None]), True),
    ("address absent", lambda a: a["dsr"][1].pop("sddz"), True),
    ("bad ID check digit", _party(1, zjhm="110105198503071231"), False),
    ("bad USCC check digit", _party(0, zjhm="914400001234567898"), False),
    ("two bad parties", lambda a: [_party(0, xm="")(a), _party(1, zjhm="1")(a)], False),
    ("bad party then an unknown code", lambda a: [_party(0, xm="")(a), _party(1, ssdw="99")(a)], False),
    ("unknown code then a bad party", lambda a: [_party(0, ssdw="99")(a), _party(1, xm="")(a)], False),
    ("name with NUL", _party(1, xm="张\x00三"), False),
    ("name with a lone surrogate", _party(1, xm="张\udcff"), False),
    ("name empty", _party(1, xm=""), False),
    ("name too long", _party(1, xm="张" * 201), False),
    ("name missing", lambda a: a["dsr"][1].pop("xm"), False),
    ("one party", lambda a: a["dsr"].pop(), False),
    ("parties not a list", _set(dsr={}), False),
    ("party extra field (ignored on the wire)", _party(1, extra=1), True),
    ("claims with lines", _set(ssqq="一\n二\r\n三\t"), True),
    ("claims with a control character", _set(ssqq="一\x0b二"), False),
    ("claims too long", _set(ssqq="x" * 5001), False),
    ("claims null", _set(ssqq=None), False),
    ("amount three places", _set(bdje="1.234"), False),
    ("amount a number", _set(bdje=1234.5), False),
    ("amount too big", _set(bdje="100000000000.01"), False),
    ("unknown flow", _set(tjlx="09"), False),
    ("unknown cause", _set(ay="不存在的纠纷"), False),
    ("bad time", _set(pqsj="yesterday"), False),
    ("time out of range", _set(pqsj="1999-12-31T23:59:59+08:00"), False),
    ("attachment digest upper case", lambda a: a["fj"][0].update(sha256=a["fj"][0]["sha256"].upper()), False),
    ("attachment size as digits", lambda a: a["fj"][0].update(dx="48213"), True),
    ("attachment size negative", lambda a: a["fj"][0].update(dx=-1), False),
    ("no attachments", _drop("fj"), True),
    ("attachments null", _set(fj=None), False),
    ("mediator set", _set(tjy="李调解"), True),
    ("mediator with a tab", _set(tjy="李\t调解"), False),
    ("designated org empty", _set(tjzz=""), True),
    # what the one-validation way reads straight from the wire (court_dispatch.py `_wire_fields`): each field absent,
    # null or of another JSON type, read as the record-by-record way reads it, or left to it
    ("procedure absent (ordinary)", _drop("cxlx"), True),
    ("procedure null", _set(cxlx=None), False),
    ("procedure a number", _set(cxlx=2), False),
    ("unknown procedure", _set(cxlx="9"), False),
    ("flow a number", _set(tjlx=1), False),
    ("flow absent", _drop("tjlx"), False),
    ("cause a number", _set(ay=1), False),
    ("court name null", _set(fymc=None), True),
    ("court name absent", _drop("fymc"), True),
    ("court name a number", _set(fymc=1), False),
    ("claims absent", _drop("ssqq"), True),
    ("claims a list", _set(ssqq=["a"]), False),
    ("designated org absent", _drop("tjzz"), True),
    ("designated org a number", _set(tjzz=1), False),
    ("mediator an object", _set(tjy={}), False),
    ("amount absent", _drop("bdje"), False),
    ("amount null", _set(bdje=None), False),
    ("time absent", _drop("pqsj"), False),
    ("time a number", _set(pqsj=20260302093000), False),
    ("party not an object", lambda a: a["dsr"].append("张三"), False),
    ("parties null", _set(dsr=None), False),
    ("parties absent", _drop("dsr"), False),
    ("party role a number", _party(0, ssdw=1), False),
    ("party kind null", _party(1, dsrlx=None), False),
    ("unknown ID type", _party(1, zjlx="ZZ"), False),
    ("ID number a number", _party(1, zjhm=110105198503071234), False),
    ("party kind absent", lambda a: a["dsr"][0].pop("dsrlx"), False),
    ("phone null, address null", _party(1, lxdh=None, sddz=None), True),
    ("attachment not an object", _set(fj=["起诉状.pdf"]), False),
    ("attachments an object", _set(fj={}), False),
    ("attachments empty", _set(fj=[]), True),
    ("attachment size true", lambda a: a["fj"][0].update(dx=True), False),
    ("attachment size a float", lambda a: a["fj"][0].update(dx=1.0), False),
    ("attachment size full-width digits", lambda a: a["fj"][0].update(dx="４８"), False),
    ("attachment name a number", lambda a: a["fj"][0].update(wjmc=1), False),
    ("attachment digest absent", lambda a: a["fj"][0].pop("sha256"), False),
    ("attachment extra field (ignored on the wire)", lambda a: a["fj"][0].update(extra=1), True),
]


def _fields_set(model: BaseModel) -> list[tuple[str, list[str]]]:
    """Every nested record's fields set, in a fixed order."""
    found, stack = [], [model]
    while stack:
        node = stack.pop()
        if isinstance(node, BaseModel):
            found.append((type(node).__name__, sorted(node.model_fields_set)))
            stack.extend(getattr(node, name) for name in type(node).model_fields)
        elif isinstance(node, tuple):
            stack.extend(node)
    return found


def _outcome(build: Callable[[], DispatchBody]) -> Any:
    try:
        body = build()
    except Exception as exc:  # what the decoder raises, compared by type and text (pydantic's names the field)
        return ("refused", type(exc).__name__, str(exc))
    dispatch = body.dispatch
    return (body, body.model_dump_json(), _fields_set(body), dispatch.flags, [p.phone_kind for p in dispatch.parties])


@pytest.mark.parametrize(("change", "at_once"), [(c, a) for _, c, a in CASES], ids=[n for n, _, _ in CASES])
def test_one_validation_builds_or_refuses_as_record_by_record(
    change: Callable[[dict[str, Any]], None], at_once: bool
) -> None:
    ajxx = _ajxx()
    change(ajxx)
    expected = _outcome(lambda: DispatchBody(dispatch=case_to_canonical(copy.deepcopy(ajxx), "A-1", TABLES)))
    assert _outcome(lambda: dispatch_body(copy.deepcopy(ajxx), "A-1", TABLES)) == expected
    # which way built it: the one validation for what courts send, record by record for everything else
    try:
        built = court_dispatch._at_once(copy.deepcopy(ajxx), "A-1", TABLES)
    except Exception:
        built = None
    assert (built is not None) is at_once
    if built is not None:
        assert _outcome(lambda: built) == expected
