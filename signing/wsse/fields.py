"""Reading a WS-Security header's parts: exactly one of an element, base64 text — each failure names the part."""

import base64
from typing import Any

from signing.errors import SignatureInvalid

# `tag` is always one Clark-notation name ("{ns}local"): for that, ElementPath's findall / find / findtext are
# iterchildren(tag) and its first element (its text, "" for none) — lxml's _elementpath does just that — without the
# path handling each call pays (tests/unit/test_wsse_verifier_paths.py holds them equal).


def only(parent: Any, tag: str, what: str, *, missing: str = "malformed") -> Any:
    """The one `tag` child of `parent`; none is `missing` (e.g. "unsigned" for the Security header), two malformed."""
    found = list(parent.iterchildren(tag))
    if len(found) != 1:
        raise SignatureInvalid(missing if not found else "malformed", f"expected one {what}, found {len(found)}")
    return found[0]


def base64_field(text: str | None, what: str) -> bytes:
    """Base64 text as XML-DSig writes it (whitespace allowed between characters), naming the part that is not."""
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise SignatureInvalid("malformed", f"{what} is not base64") from None


def child(parent: Any, tag: str) -> Any:
    """parent.find(tag): the first `tag` child, or None."""
    return next(parent.iterchildren(tag), None)


class Children:
    """An element's children read once, for several lookups by tag: `only`, `child`, findtext(tag) and
    list(iterchildren(tag)) as ElementPath and the functions above answer them, without the tag matcher each of
    those calls builds. A child's .tag is its Clark name (comments and processing instructions have a function
    there, equal to no string), so equal tags are exactly what iterchildren(tag) matches. Read it after the last
    change to `parent`."""

    __slots__ = ("_children", "_tags")

    def __init__(self, parent: Any) -> None:
        self._children = list(parent)
        self._tags = [c.tag for c in self._children]

    def only(self, tag: str, what: str, *, missing: str = "malformed") -> Any:
        count = self._tags.count(tag)
        if count != 1:
            raise SignatureInvalid(missing if not count else "malformed", f"expected one {what}, found {count}")
        return self._children[self._tags.index(tag)]

    def child(self, tag: str) -> Any:
        return self._children[self._tags.index(tag)] if tag in self._tags else None

    def child_text(self, tag: str) -> str | None:
        return None if tag not in self._tags else self._children[self._tags.index(tag)].text or ""

    def every(self, tag: str) -> list[Any]:
        return [c for c, t in zip(self._children, self._tags, strict=True) if t == tag]
