"""Reading fields out of a parsed message, each failure a MalformedPayload naming the field's path."""

from typing import Any

from mappings.codes import MalformedPayload


def field(obj: Any, key: str, path: str) -> Any:
    if not isinstance(obj, dict):
        raise MalformedPayload(f"{path or 'the message'} is not an object")
    if key not in obj:
        raise MalformedPayload(f"field {path + '.' if path else ''}{key} is missing")
    return obj[key]


def obj(obj: Any, key: str, path: str) -> dict[str, Any]:
    value = field(obj, key, path)
    if not isinstance(value, dict):
        raise MalformedPayload(f"field {path + '.' if path else ''}{key} must be an object")
    return value


def objects(obj: dict[str, Any], key: str, path: str, *, required: bool) -> list[dict[str, Any]]:
    """A list of JSON objects; an absent optional list is empty, but null or a wrong type is malformed."""
    if not required and key not in obj:
        return []
    value = field(obj, key, path)
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise MalformedPayload(f"field {path}.{key} must be a list of objects")
    return value


def ident(obj: Any, key: str, path: str) -> str:
    """An identifier (message id, case id): a non-empty string or number — never null, which str() would hide."""
    value = field(obj, key, path)
    if isinstance(value, bool) or not isinstance(value, str | int) or str(value).strip() == "":
        raise MalformedPayload(f"field {path + '.' if path else ''}{key} must be a non-empty identifier")
    return str(value)
