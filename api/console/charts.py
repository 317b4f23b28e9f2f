"""Bar charts as inline SVG, drawn on the server: no script, no image files, readable without colour (each bar
is labelled with its figure). Pure: labels and numbers in, markup out."""

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

ROW, PAD, SPAN = 26, 8, 320  # px: a bar's row, the margin, the longest bar


def _text_width(text: str) -> float:
    """Roughly, at 13 px: CJK characters are square, Latin ones about half as wide."""
    return sum(13.0 if ord(c) >= 0x2E80 else 7.2 for c in text)


def bars(items: Sequence[tuple[str, int | float | None]], *, title: str, hidden: str = "hidden") -> Markup:
    """A horizontal bar per (label, figure ≥ 0), scaled to the largest; `title` is the accessible name. A figure of
    None (a cell suppressed to protect a person, adapter/report/desensitise.py) draws no bar and says `hidden`. An empty
    list still draws the axis and says "no data", so a chart never silently vanishes; zeros are labelled 0."""
    height = PAD * 2 + ROW * max(len(items), 1)
    left = round(min(max((_text_width(t) for t, _ in items), default=60.0), 300.0)) + 16  # the labels' column
    width, span = left + SPAN + 70, SPAN
    top = max((v for _, v in items if v is not None), default=0)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{PAD}" x2="{left}" y2="{height - PAD}" stroke="#8a94a6" stroke-width="1"/>',
    ]
    if not items:
        parts.append(f'<text x="{left + 8}" y="{PAD + 17}" font-size="13" fill="#5b6577">no data</text>')
    for i, (label, value) in enumerate(items):
        y = PAD + i * ROW
        length = 0 if top <= 0 or value is None else max(round(span * value / top), 2 if value else 0)
        shown = escape(hidden if value is None else f"{value:g}" if isinstance(value, float) else str(value))
        parts.append(
            f'<text x="{left - 8}" y="{y + 17}" font-size="13" text-anchor="end" fill="#1f2937">{escape(label)}</text>'
            f'<rect class="bar" x="{left}" y="{y + 4}" width="{length}" height="{ROW - 8}" fill="#2f6fb3" rx="2">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{left + length + 6}" y="{y + 17}" font-size="13" fill="#1f2937">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
