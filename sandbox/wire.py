"""How the REST sandbox writes JSON on the wire, hostile items included, as a real court's server would.

Text is UTF-8. A lone surrogate (which a test may inject: `"\\udcff"` is valid JSON syntax) has no UTF-8 form, so
the page is then written with \\u escapes throughout — the same JSON, as Python's and most courts' encoders write
it — instead of failing the whole answer with a 500. Text injected as bytes (`RawText`, e.g. a body that is not
valid UTF-8) is written byte for byte inside its JSON string: what a court with a broken encoder sends.
"""

import json
from typing import Any


class RawText(str):
    """Bytes to be written as they are inside a JSON string, held as text with PEP 383 surrogate escapes."""

    @classmethod
    def of(cls, raw: bytes) -> "RawText":
        return cls(raw.decode("utf-8", "surrogateescape"))


def wire_json(doc: Any) -> bytes:
    """`doc` as the bytes of a JSON answer (see the module doc)."""
    raws: list[RawText] = []

    def swap(node: Any) -> Any:  # each RawText for a placeholder json.dumps writes predictably
        if isinstance(node, RawText):
            raws.append(node)
            return f"\x00raw{len(raws) - 1}\x00"
        if isinstance(node, dict):
            return {key: swap(value) for key, value in node.items()}
        if isinstance(node, list | tuple):
            return [swap(value) for value in node]
        return node

    swapped = swap(doc)
    try:
        out = json.dumps(swapped, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only its \u escape is JSON
        out = json.dumps(swapped, ensure_ascii=True).encode("ascii")
    for n, raw in enumerate(raws):
        # escaped as JSON wants (quotes, backslashes, control characters), then the escapes turned back into bytes
        literal = json.dumps(str(raw), ensure_ascii=False).encode("utf-8", "surrogateescape")
        out = out.replace(json.dumps(f"\x00raw{n}\x00").encode("ascii"), literal, 1)
    return out
