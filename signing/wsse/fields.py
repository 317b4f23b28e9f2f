"""Reading a WS-Security header's parts: exactly one of an element, base64 text — each failure names the part."""

import base64
from typing import Any

from signing.errors import SignatureInvalid


def only(parent: Any, tag: str, what: str, *, missing: str = "malformed") -> Any:
    """The one `tag` child of `parent`; none is `missing` (e.g. "unsigned" for the Security header), two malformed."""
    found = parent.findall(tag)
    if len(found) != 1:
        raise SignatureInvalid(missing if not found else "malformed", f"expected one {what}, found {len(found)}")
    return found[0]


def base64_field(text: str | None, what: str) -> bytes:
    """Base64 text as XML-DSig writes it (whitespace allowed between characters), naming the part that is not."""
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError:
        raise SignatureInvalid("malformed", f"{what} is not base64") from None
