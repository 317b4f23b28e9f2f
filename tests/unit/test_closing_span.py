"""`docking deadlines --within` and the console's ?within=: spans read, bad ones refused naming the input and why."""

from datetime import timedelta

import pytest

from adapter.deadlines.closing import parse_span
from adapter.errors import InvalidRequest


@pytest.mark.parametrize(
    ("text", "span"), [("3d", timedelta(days=3)), ("36h", timedelta(hours=36)), ("9999w", timedelta(weeks=9999))]
)
def test_spans_are_read(text: str, span: timedelta) -> None:
    assert parse_span(text, "within") == span


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("banana", "within 'banana' is not a span like 3d, 36h or 2w"),
        ("3 days", "is not a span like 3d"),
        ("99999d", "within '99999d' is too long: at most 4 digits"),
    ],
)
def test_bad_spans_are_refused_saying_why(text: str, says: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        parse_span(text, "within")
    assert says in str(refused.value)
