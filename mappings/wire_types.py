"""Reading fields out of a parsed message with their documented wire types, each failure a MalformedPayload naming
the field's path and the JSON type found — never the value, which may be personal data.

Wire types are strict (issue 14): a field documented as a string is refused when it is a number, true/false, a list
or an object, rather than turned into text with str(): a court that sends its case id as 12345 today may send
12345.0 or 1.2345e4 tomorrow, each a different string. The court field set's types are listed in
mappings/court_fields.py. The XML framing carries every scalar as text, so the one number in the set (a file size)
is also taken as a text of ASCII digits; amounts travel only as decimal text.
"""

import json
import re
from typing import Any

from mappings.codes import MalformedPayload

_DIGITS = re.compile(r"[0-9]{1,15}")  # ASCII only; 15 digits is a petabyte, and never past int()'s limit


def _name(key: str, path: str) -> str:
    return f"{path + '.' if path else ''}{key}"


def json_type(value: Any) -> str:
    """How a JSON value is named in a refusal: its type, never its content."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "a string" if isinstance(value, str) else f"a {type(value).__name__}"


def parse_object(body: bytes) -> dict[str, Any]:
    """A message's bytes as its JSON object; MalformedPayload when they are not UTF-8 JSON or not an object."""
    try:
        doc = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise MalformedPayload(f"the body is not UTF-8 JSON ({str(exc)[:200]})") from None
    except RecursionError:
        raise MalformedPayload("the body nests JSON too deeply to parse") from None
    if not isinstance(doc, dict):
        raise MalformedPayload(f"the message must be a JSON object, not {json_type(doc)}")
    return doc


def field(obj: Any, key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise MalformedPayload(f"{path or 'the message'} is not an object")
    if key not in obj:
        raise MalformedPayload(f"field {_name(key, path)} is missing")
    return obj[key]


def obj(obj: Any, key: str, path: str) -> dict[str, Any]:
    value = field(obj, key, path)
    if not isinstance(value, dict):
        raise MalformedPayload(f"field {_name(key, path)} must be an object, not {json_type(value)}")
    return value


def objects(obj: dict[str, Any], key: str, path: str, *, required: bool) -> list[dict[str, Any]]:
    """A list of JSON objects; an absent optional list is empty, but null or a wrong type is malformed."""
    if not required and key not in obj:
        return []
    value = field(obj, key, path)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedPayload(f"field {_name(key, path)} must be a list of objects")
    return value


def ident(obj: Any, key: str, path: str) -> str:
    """An identifier (message id, case id): a non-empty string — never a number, whose text form is not fixed, nor
    null, which str() would make "None"."""
    value = text(obj, key, path)
    if value.strip() == "":
        raise MalformedPayload(f"field {_name(key, path)} must be a non-empty identifier")
    return value


def text(obj: Any, key: str, path: str) -> str:
    """A required string field (a name, a code, an id number, a digest)."""
    value = field(obj, key, path)
    if not isinstance(value, str):
        raise MalformedPayload(f"field {_name(key, path)} must be a string, not {json_type(value)}")
    return value


def optional_text(obj: dict[str, Any], key: str, path: str, default: str | None = None) -> str | None:
    """An optional string field: absent is `default`, null is None (the canonical schema decides whether it may
    be), anything but a string is malformed."""
    if key not in obj:
        return default
    value = obj[key]
    if value is not None and not isinstance(value, str):
        raise MalformedPayload(f"field {_name(key, path)} must be a string, not {json_type(value)}")
    return value


def count(obj: Any, key: str, path: str) -> int:
    """A whole number (a file size): a JSON integer, or ASCII digits (how XML carries it); never a float or
    true/false."""
    value = field(obj, key, path)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _DIGITS.fullmatch(value):
        return int(value)
    raise MalformedPayload(f"field {_name(key, path)} must be a whole number, not {json_type(value)}")


def amount(obj: dict[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
    """An RMB amount as decimal text ("1234.50"), parsed exactly by schemas/money.py. A JSON number is refused, a
    whole one too: the field is documented as text, and a sender that writes amounts as numbers writes 1234.5 as
    well, which its own JSON library may have rounded through binary floating point before we saw it (domain.md §4
    "Amounts": never floats). An absent or null optional amount is None."""
    if not required and obj.get(key) is None:
        return None
    value = field(obj, key, path)
    if not isinstance(value, str):
        raise MalformedPayload(
            f'field {_name(key, path)} must be a decimal string such as "1234.50", not {json_type(value)}'
        )
    return value
