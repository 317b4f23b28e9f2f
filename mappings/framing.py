"""A transport's framing of the court field set: its code tables, and reading / writing one message."""

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from mappings.codes import CodeTables, load_tables
from mappings.court_fields import decode_doc, encode_doc
from mappings.times import DEFAULT_FORM, TimestampForm
from schemas.enums import CourtStatus
from schemas.envelope import Envelope


@cache
def _tables(resource: str, platform: str, timestamps: TimestampForm) -> CodeTables:
    return replace(load_tables(resource, platform), timestamps=timestamps)


@dataclass(frozen=True)
class Framing:
    """How one transport writes the field set: its code-table file, and reading / writing one message's fields.
    `read` raises MalformedPayload for bytes that are not its format. `timestamps` is the platform's agreed form
    of times (its `timestamp_format` setting); the default is the form every platform used before it existed."""

    tables_file: str
    read: Callable[[bytes], Any]
    write: Callable[[dict[str, Any]], bytes]

    def tables(self, platform: str, timestamps: TimestampForm = DEFAULT_FORM) -> CodeTables:
        return _tables(self.tables_file, platform, timestamps)

    def decode(self, platform: str, body: bytes, timestamps: TimestampForm = DEFAULT_FORM) -> Envelope:
        """The canonical envelope in a court message; raises MalformedPayload, UnknownCode or ValidationError."""
        return decode_doc(platform, self.read(body), self.tables(platform, timestamps))

    def decode_status(self, platform: str, code: str | None) -> CourtStatus | None:
        return None if code is None else CourtStatus(self.tables(platform).to_canonical("court_status", code, "zt"))

    def encode(self, envelope: Envelope, timestamps: TimestampForm = DEFAULT_FORM) -> bytes:
        """The exact bytes sent for an outbound message (deterministic: the same envelope, the same bytes)."""
        return self.write(encode_doc(envelope, self.tables(envelope.platform, timestamps)))
