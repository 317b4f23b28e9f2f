"""The console's pure parts: session cookies (signed, expiring, unforgeable) and the SVG bar charts."""

import re

from api.clients import Client, Role
from api.console.charts import bars
from api.console.session import Sessions

OPS = Client("ops-li", Role("ops"))


def test_a_session_cookie_reads_back_until_it_expires() -> None:
    """The client's name and a CSRF token come back from a fresh cookie; nothing after its lifetime."""
    sessions = Sessions()
    cookie = sessions.issue(OPS, now=1000.0)
    found = sessions.read(cookie, now=1001.0)
    assert found is not None and found[0] == "ops-li" and len(found[1]) >= 24
    assert sessions.read(cookie, now=1000.0 + sessions.lifetime.total_seconds() + 1) is None


def test_a_forged_or_foreign_cookie_is_not_a_session() -> None:
    """An edited payload, another process's key, or garbage: None, never an exception."""
    sessions = Sessions()
    payload, _, mac = sessions.issue(OPS, now=1000.0).partition(".")
    assert sessions.read(f"{payload[:-2]}xx.{mac}", now=1001.0) is None
    assert Sessions().read(f"{payload}.{mac}", now=1001.0) is None
    for junk in ("", ".", "abc", "a.b.c", "%%%.0"):
        assert sessions.read(junk, now=1001.0) is None


def test_bars_scale_to_the_largest_and_escape_labels() -> None:
    """One bar per item, the largest full width, each labelled with its figure; labels are escaped."""
    svg = str(bars([("<b>", 4), ("two", 2), ("none", 0)], title="T & U"))
    widths = [int(w) for w in re.findall(r'<rect class="bar"[^>]* width="(\d+)"', svg)]
    assert widths[0] > widths[1] > widths[2] == 0 and widths[1] * 2 == widths[0]
    assert "&lt;b&gt;" in svg and "<b>" not in svg and "T &amp; U" in svg


def test_an_empty_chart_says_so() -> None:
    assert "no data" in str(bars([], title="empty"))


def test_a_suppressed_cell_draws_no_bar_and_says_so() -> None:
    """None (a small cell the report hides) is not drawn as zero: no bar, and the report's marker as its figure."""
    svg = str(bars([("court A", 7), ("court B", None)], title="by court", hidden="<3"))
    assert re.findall(r'<rect class="bar"[^>]* width="(\d+)"', svg)[1] == "0" and "&lt;3" in svg
