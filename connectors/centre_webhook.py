"""Pushing centre events by webhook (the core's EventSender, adapter/events/port.py), signed with the Standard
Webhooks profile (signing/webhooks.py): `webhook-id` is the event id (a receiver dedupes by it), the body the
event's document.

Each configured URL must answer 2xx. A connection failure, a timeout, 408, 425, 429 or a 5xx is transient (retried on
the schedule; the event is sent again to every URL, and a receiver that had it drops it by id); any other answer is
a refusal and the event goes dead (an operator can replay it: `docking events replay`).
"""

import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import requests

from connectors.http import retry_after
from connectors.port import RejectedError, TransientError
from signing.webhooks import WebhookSigner

NAME = "centre"
_TRANSIENT = {408, 425, 429}


class CentreWebhook:
    def __init__(
        self,
        urls: Sequence[str],
        signer: WebhookSigner,
        *,
        timeout: float = 10.0,
        session: requests.Session | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        name: str = NAME,  # in errors: an alert destination (scheduler/alerts.py) gives its own
    ) -> None:
        self._urls, self._signer, self._timeout = list(urls), signer, timeout
        self._session = session or requests.Session()
        self._clock = clock
        self.name = name

    def send(self, event_id: str, document: dict[str, Any]) -> None:
        body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        for url in self._urls:
            headers = dict(self._signer.sign(body, message_id=event_id, at=self._clock()))
            headers["content-type"] = "application/json"
            try:
                answer = self._session.post(url, data=body, headers=headers, timeout=(3.05, self._timeout))
            except requests.Timeout as exc:
                raise TransientError(self.name, f"{url}: timed out", cause="timeout") from exc
            except requests.RequestException as exc:
                raise TransientError(self.name, f"{url}: {type(exc).__name__}", cause="unreachable") from exc
            status = answer.status_code
            if 200 <= status < 300:
                continue
            if status >= 500 or status in _TRANSIENT:
                wait = retry_after(answer.headers.get("retry-after"), now=datetime.now(UTC))
                raise TransientError(self.name, f"{url}: HTTP {status}", retry_after=wait, cause="http")
            raise RejectedError(self.name, str(status), f"{url}: HTTP {status}")
