"""Field maps for the JSON court ODR platform profile ("odr-rest"): the court field set (court_fields.py) as JSON.

Every code goes through the versioned tables in odr_rest.toml; an unknown code raises UnknownCode, never a default.
"""

import json
from typing import Any

from mappings.codes import MalformedPayload
from mappings.framing import Framing
from reference.errors import UnknownCode

__all__ = ["MalformedPayload", "UnknownCode", "decode", "decode_status", "encode", "tables"]


def _read(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8"))
    except ValueError as exc:  # not UTF-8, not JSON, or a number too long for int() (a 5,000-digit time)
        raise MalformedPayload(f"the body is not UTF-8 JSON ({str(exc)[:200]})") from None
    except RecursionError:
        raise MalformedPayload("the body nests JSON too deeply to parse") from None


# What json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")) makes for each call, made once:
# the same text, without building an encoder per message.
_WRITER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _write(doc: dict[str, Any]) -> bytes:
    return _WRITER.encode(doc).encode("utf-8")


FRAMING = Framing("odr_rest.toml", _read, _write)
tables, decode, decode_status, encode = FRAMING.tables, FRAMING.decode, FRAMING.decode_status, FRAMING.encode
