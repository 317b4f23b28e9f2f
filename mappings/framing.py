"""A transport's framing of the court field set: its code tables, and reading / writing one message."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from mappings.codes import CodeTables, load_tables
from mappings.court_fields import decode_doc, encode_doc
from schemas.enums import CourtStatus
from schemas.envelope import Envelope


@cache
def _tables(resource: str, platform: str) -> CodeTables:
    return load_tables(resource, platform)


@dataclass(frozen=True)
class Framing:
    """How one transport writes the field set: its code-table file, and reading / writing one message's fields.
    `read` raises MalformedPayload for bytes that are not its format."""

    tables_file: str
    read: Callable[[bytes], Any]
    write: Callable[[dict[str, Any]], bytes]

    def tables(self, platform: str) -> CodeTables:
        return _tables(self.tables_file, platform)

    def decode(self, platform: str, body: bytes) -> Envelope:
        """The canonical envelope in a court message; raises MalformedPayload, UnknownCode or ValidationError."""
        return decode_doc(platform, self.read(body), self.tables(platform))

    def decode_status(self, platform: str, code: str | None) -> CourtStatus | None:
        return None if code is None else CourtStatus(self.tables(platform).to_canonical("court_status", code, "zt"))

    def encode(self, envelope: Envelope) -> bytes:
        """The exact bytes sent for an outbound message (deterministic: the same envelope, the same bytes)."""
        return self.write(encode_doc(envelope, self.tables(envelope.platform)))
