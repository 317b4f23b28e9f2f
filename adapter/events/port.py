"""What the core asks of whatever pushes events to the centre (connectors/centre_webhook.py implements it).

`send` raises connectors.port.TransientError (retried on the schedule) or RejectedError (the event goes dead), as a
court connector does; returning means every configured receiver accepted the event.
"""

from typing import Any, Protocol


class EventSender(Protocol):
    def send(self, event_id: str, document: dict[str, Any]) -> None:
        """Push one event (its id, and its document: adapter/events/store.py Event.document) to the centre."""
        ...
