"""The per-kind wire mapping hook of the generic partner REST connector (connectors/partner_rest.py): how one
partner's messages look on the wire. A mapping is any object with `encode` and `decode` (a module of pure functions
in mappings/ — mappings/traffic_platform.py, mappings/arbitration.py — satisfies it); the default is the canonical
JSON of the envelope itself. `check_body` validates a decoded body against the kind's typed model.
"""

from collections.abc import Callable
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from connectors.port import PayloadError
from schemas.partner import PartnerEnvelope
from schemas.validation import summarize


class WireMapping(Protocol):
    def encode(self, envelope: PartnerEnvelope) -> dict[str, Any]:
        """The JSON object sent for `envelope` (POST {base}/messages)."""
        ...

    def decode(self, doc: dict[str, Any]) -> PartnerEnvelope:
        """The canonical envelope of a partner's JSON object; raises pydantic ValidationError, mappings'
        MalformedPayload or reference's UnknownCode (the connector turns each into a PayloadError)."""
        ...


class CanonicalWire:
    """The default wire: the envelope's own JSON (times ISO 8601 with offset, amounts decimal strings)."""

    def encode(self, envelope: PartnerEnvelope) -> dict[str, Any]:
        doc: dict[str, Any] = envelope.model_dump(mode="json")
        return doc

    def decode(self, doc: dict[str, Any]) -> PartnerEnvelope:
        return PartnerEnvelope.model_validate(doc)


def check_body(partner: str, envelope: PartnerEnvelope, bodies: Callable[[str], type[BaseModel]]) -> None:
    """PayloadError (reason invalid) unless the envelope's body is the kind's model for its type — naming the type
    when it is unknown, else the field."""
    try:
        model = bodies(envelope.type)
    except KeyError:
        raise PayloadError(partner, "invalid", f"type: unknown message type {envelope.type!r}") from None
    try:
        model.model_validate(envelope.body)
    except ValidationError as exc:
        raise PayloadError(partner, "invalid", f"body of {envelope.type}: {summarize(exc)}") from exc
