"""The inbox's digest of a message: the same for a court's re-serialisation, different for a different message."""

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from adapter.inbox.digest import envelope_digest
from mappings import odr_rest
from mappings.court_fields import case_from_canonical
from tests.support.samples import dispatch

Doc = dict[str, Any]


def _wire() -> Doc:
    """A court's dispatch as the odr-rest field set."""
    ajxx = case_from_canonical(dispatch(), odr_rest.tables("court"))
    return {"xxbh": "PQ-1", "xxlx": "PQ", "fssj": "2026-03-02T09:30:00+08:00", "ajbs": "0104-5f3a9c", "ajxx": ajxx}


def _digest(doc: Doc, serialise: Callable[[Doc], str] = json.dumps) -> str:
    return envelope_digest(odr_rest.decode("court", serialise(doc).encode("utf-8")))


def _reversed_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _reversed_keys(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_keys(v) for v in value]
    return value


def _changed(change: Callable[[Doc], None]) -> Doc:
    doc = copy.deepcopy(_wire())
    change(doc)
    return doc


def _set(path: str, value: object) -> Callable[[Doc], None]:
    def change(doc: Doc) -> None:
        *parents, last = path.split(".")
        target: Any = doc
        for key in parents:
            target = target[int(key)] if key.isdigit() else target[key]
        target[last] = value

    return change


SAME_MESSAGE = [
    ("pretty-printed", lambda d: json.dumps(d, indent=4)),
    ("keys in another order", lambda d: json.dumps(_reversed_keys(d))),
    ("Chinese as \\u escapes", lambda d: json.dumps(d, ensure_ascii=True)),
    ("Chinese as UTF-8", lambda d: json.dumps(d, ensure_ascii=False, separators=(",", ":"))),
]


@pytest.mark.parametrize(("form", "serialise"), SAME_MESSAGE, ids=[f for f, _ in SAME_MESSAGE])
def test_a_re_serialised_message_has_the_same_digest(form: str, serialise: Callable[[Doc], str]) -> None:
    """Whitespace, key order and escaping are how a message is written, not what it says."""
    assert _digest(_wire(), serialise) == _digest(_wire())


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("the send time restamped", _set("fssj", "2026-03-02T11:00:00+08:00")),
        ("the dispatch time in another offset", _set("ajxx.pqsj", "2026-03-02T01:30:00Z")),
        ("an amount written without its cents", _set("ajxx.bdje", "35000.5")),
        ("an unread wire field added", _set("ajxx.bz", "a note the mapping does not read")),
    ],
)
def test_an_equal_message_has_the_same_digest(what: str, change: Callable[[Doc], None]) -> None:
    """What decodes to the same envelope (send time aside) is the same message."""
    assert _digest(_changed(change)) == _digest(_wire())


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("another court case", _set("ajbs", "0104-other")),
        ("another amount", _set("ajxx.bdje", "35000.51")),
        ("another party", _set("ajxx.dsr.1.xm", "李四")),
        ("another flow", _set("ajxx.tjlx", "01")),
        ("another dispatch time", _set("ajxx.pqsj", "2026-03-02T09:31:00+08:00")),
        ("another claim", _set("ajxx.ssqq", "请求判令被告偿还欠款")),
        ("an attachment dropped", _set("ajxx.fj", [])),
    ],
)
def test_a_different_message_has_another_digest(what: str, change: Callable[[Doc], None]) -> None:
    """Any change to what is applied changes the digest."""
    assert _digest(_changed(change)) != _digest(_wire())


def test_the_digest_is_sha256_hex() -> None:
    """64 lowercase hex digits: the width of the inbox and quarantine digest columns."""
    digest = _digest(_wire())
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_the_digest_of_a_known_message_does_not_change() -> None:
    """Digests are stored (inbox.body_sha256): a change to how they are computed would turn every re-read of a feed
    into false conflicts. The value is what the digest computed before its encoding was moved into C (6c50f7d)."""
    assert _digest(_wire()) == "4ed74c45727d946412e0561d3c9fb5e47583ad24feba7b9ae4d96be5541bb1bf"
