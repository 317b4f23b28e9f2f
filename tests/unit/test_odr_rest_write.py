"""The odr-rest writer (mappings/odr_rest.py `_write`, one encoder made once) writes the bytes json.dumps wrote for
every message: any JSON document — any text (CJK, control characters, lone surrogates), numbers, nesting — gives
the same bytes or the same error."""

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from mappings import odr_rest
from schemas.enums import CourtStatus, ProgressKind
from schemas.envelope import ProgressBody, ProgressUpdate
from tests.support import samples

LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats()  # NaN and the infinities: json.dumps writes them as NaN / Infinity
    | st.text(st.characters(codec=None), max_size=20)  # any code point, lone surrogates too
)
DOCS = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


def _as_before(doc: Any) -> Any:
    try:
        return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    except (UnicodeEncodeError, TypeError, ValueError) as error:
        return type(error).__name__, str(error)


def _now(doc: Any) -> Any:
    try:
        return odr_rest._write(doc)
    except (UnicodeEncodeError, TypeError, ValueError) as error:
        return type(error).__name__, str(error)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(st.characters(codec=None), max_size=8), DOCS, max_size=6))
def test_any_document_is_written_as_json_dumps_wrote_it(doc: dict[str, Any]) -> None:
    assert _now(doc) == _as_before(doc)


def test_a_document_json_cannot_write_fails_alike() -> None:
    """A value of no JSON type, or keys json cannot sort together, are the same TypeError."""
    for doc in ({"a": object()}, {"a": {1: "x", "b": "y"}}, {"a": b"bytes"}):
        assert _now(doc) == _as_before(doc)
        assert isinstance(_now(doc), tuple)


def test_an_outbound_message_is_written_as_before() -> None:
    """A real message's fields, CJK note included."""
    at = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    body = ProgressBody(progress=ProgressUpdate(kind=ProgressKind.ACCEPTED, at=at, note="线上调解 \u2028 \t 😀"))
    envelope = samples.outbound(body, CourtStatus.ACCEPTED, platform="court", case_id="（2026）粤0104民调7号", at=at)
    doc = json.loads(odr_rest.encode(envelope))
    assert odr_rest.encode(envelope) == _as_before(doc)
