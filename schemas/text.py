"""The canonical text types: no control characters and no lone surrogates, so every database gives one answer.

PostgreSQL refuses NUL in text, SQLite stores it: a party name with NUL was accepted on one and failed on the other
(issue 14). Refused here, where every path into a canonical record passes — a court's dispatch or decision, the
centre's own intake and actions via the CLI, what we send — naming the field (pydantic's location) and the
character's code point and place, never the text, which may be personal data:
- C0 controls U+0000–U+001F and DEL U+007F: not text; in free text (`Text`) tab, LF and CR are allowed (a claim or a
  failure report has lines), in one-line fields (`Line`: names, ids, codes, numbers) none is.
- C1 controls U+0080–U+009F: the trace of bytes decoded as Latin-1 that were something else, never text here.
- Lone surrogates U+D800–U+DFFF: a JSON escape such as "\\udcff" decodes to one; it is not Unicode text and cannot
  be written as UTF-8.
Format characters (Cf: zero-width joiners, bidi marks) stay: they occur in real names and addresses.
A party's phone and address are not typed here: a contact detail never refuses a message (schemas/contacts.py).
"""

import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_LINE_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_TEXT_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")  # tab, LF, CR allowed


def _refuse(found: re.Match[str], line: bool) -> ValueError:
    code = ord(found.group())
    place = found.start() + 1
    if 0xD800 <= code <= 0xDFFF:
        return ValueError(f"holds a lone surrogate U+{code:04X} at character {place}, which is not Unicode text")
    allowed = "" if line else " other than tab, line feed and carriage return"
    return ValueError(
        f"holds the control character U+{code:04X} at character {place}; no control character{allowed} is allowed here"
    )


def one_line(value: Any) -> Any:
    """`value` if it holds no control character at all (tab and line breaks included) and no lone surrogate.
    Checked before pydantic's own string check, which refuses a lone surrogate without saying where; a value
    that is not a string is left to that check."""
    found = _LINE_REFUSED.search(value) if isinstance(value, str) else None
    if found:
        raise _refuse(found, line=True)
    return value


def free_text(value: Any) -> Any:
    """`value` if its only control characters are tab, LF and CR, and it holds no lone surrogate."""
    found = _TEXT_REFUSED.search(value) if isinstance(value, str) else None
    if found:
        raise _refuse(found, line=False)
    return value


Line = Annotated[str, BeforeValidator(one_line)]
"""A one-line text field: a name, an identifier, a code, a case or document number."""

Text = Annotated[str, BeforeValidator(free_text)]
"""A free-text field that may hold lines and tabs: claims, facts, terms, reasons, notes."""
