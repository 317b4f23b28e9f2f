"""The REST client reads an answer's JSON with one lenient decoder made once (connectors/rest_client.py
`_json_object`): for any bytes — JSON in UTF-8, -16 or -32 with or without a BOM, two BOMs, bytes that are not
UTF-8, raw control characters in strings, deep nesting, no JSON at all — the same object (and escape mark) or the
same refusal as json.loads(text, strict=False) gave."""

import codecs
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.rest_client import _ESCAPED, _json_object

TEXT = st.text(st.characters(codec=None), max_size=12)
DOCS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=12,
)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]


def _as_before(content: bytes) -> Any:
    """The answer read as it was: json.loads with strict=False on the detected encoding's text."""
    encoding = json.detect_encoding(content)
    try:
        text, escaped = content.decode(encoding), False
    except UnicodeDecodeError:
        text, escaped = content.decode(encoding, "surrogateescape"), True
    try:
        doc = json.loads(text, strict=False)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, dict):
        return None
    if escaped:
        doc[_ESCAPED] = True
    return doc


def _read(read: Callable[[bytes], Any], content: bytes) -> Any:
    """What `read` makes of `content`, as comparable text; an error (bytes no codec reads, even with escapes,
    raise as they always did) as its type and words."""
    try:
        return json.dumps(read(content), sort_keys=True, default=repr)
    except UnicodeDecodeError as error:
        return type(error).__name__, str(error)


def _same(content: bytes) -> None:
    before = _read(_as_before, content)
    if isinstance(before, tuple):  # bytes no codec reads even with escapes: the error escaped _call; now unparseable
        assert _json_object(content) is None
    else:
        assert _read(_json_object, content) == before


@pytest.mark.parametrize(
    "content",
    [
        b'{\x00"\x00a',  # UTF-16 by its zero bytes, cut short by one byte below 0x80
        b"{\x00}\x00\x00",
        '{"a":1}'.encode("utf-16-le") + b"A",
        '{"a":1}'.encode("utf-32-be") + b"\x00\x00\x00",
    ],
    ids=["utf16-cut", "utf16-odd", "utf16-trailing-ascii", "utf32-cut"],
)
def test_an_answer_no_codec_reads_even_with_escapes_is_not_a_json_object(content: bytes) -> None:
    """It raised UnicodeDecodeError out of the connector (a traceback where an operator should read "the answer
    is not a JSON object"); now the caller raises UnreadableAnswer("unparseable") as for any answer that is not."""
    with pytest.raises(UnicodeDecodeError):
        _as_before(content)
    assert _json_object(content) is None


@settings(max_examples=300, deadline=None)
@given(DOCS, st.sampled_from(ENCODINGS), st.sampled_from(["", "\ufeff", "\ufeff\ufeff", " ", "\x00"]))
def test_any_json_in_any_encoding_reads_as_before(doc: Any, encoding: str, lead: str) -> None:
    text = lead + json.dumps(doc, ensure_ascii=False)
    try:
        content = text.encode(encoding, "surrogatepass")
    except UnicodeEncodeError:
        return
    _same(content)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40))
def test_any_bytes_read_as_before(content: bytes) -> None:
    _same(content)
    _same(b'{"a": "' + content + b'"}')
    _same(codecs.BOM_UTF8 + b'{"a": "' + content + b'"}')


def test_the_awkward_answers_read_as_before() -> None:
    for content in (
        b'{"a": "raw\x01control\ttab"}',
        b'{"a": "\xff\xfe not utf-8"}',
        b'{"a": "\\udcff"}',
        b"[" * 100000 + b"]" * 100000,
        b'{"a":' * 5000 + b"1" + b"}" * 5000,
        codecs.BOM_UTF8 + codecs.BOM_UTF8 + b"{}",
        b"",
        b"null",
        b'["not", "an", "object"]',
    ):
        _same(content)
