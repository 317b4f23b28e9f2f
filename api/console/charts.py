"""Bar charts as inline SVG, drawn on the server: no script, no image files, readable without colour (each bar
is labelled with its figure). Pure: labels and numbers in, markup out."""

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

WIDTH, ROW, LABEL, PAD = 560, 26, 170, 8


def bars(items: Sequence[tuple[str, int | float]], *, title: str) -> Markup:
    """A horizontal bar per (label, figure ≥ 0), scaled to the largest; `title` is the accessible name. An empty
    list still draws the axis and says "no data", so a chart never silently vanishes; zeros are labelled 0."""
    height = PAD * 2 + ROW * max(len(items), 1)
    span = WIDTH - LABEL - 70
    top = max((v for _, v in items), default=0)
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{LABEL}" y1="{PAD}" x2="{LABEL}" y2="{height - PAD}" stroke="#8a94a6" stroke-width="1"/>',
    ]
    if not items:
        parts.append(f'<text x="{LABEL + 8}" y="{PAD + 17}" font-size="13" fill="#5b6577">no data</text>')
    for i, (label, value) in enumerate(items):
        y = PAD + i * ROW
        length = 0 if top <= 0 else max(round(span * value / top), 2 if value else 0)
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(
            f'<text x="{LABEL - 8}" y="{y + 17}" font-size="13" text-anchor="end" fill="#1f2937">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL}" y="{y + 4}" width="{length}" height="{ROW - 8}" fill="#2f6fb3" rx="2">'
            f"<title>{escape(label)}: {shown}</title></rect>"
            f'<text x="{LABEL + length + 6}" y="{y + 17}" font-size="13" fill="#1f2937">{shown}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
