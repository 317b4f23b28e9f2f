"""A pushing court as the integration tests hold it: the adapter's settings with the court's platform at
mode = "push", and the court's side of a flow (tests/support/flows.py `Side`) pushing through the served API."""

from dataclasses import dataclass
from typing import Any

from adapter.config.settings import EncryptionSettings, Settings
from sandbox.push import PushCourt
from scheduler import Runtime
from tests.support.court import PLATFORM, Court


def push_settings(database_url: str, court: Court, encryption: EncryptionSettings, **platform: Any) -> Settings:
    """The integration settings with the court's platform pushing (`platform`: more of its settings)."""
    settings = court.pairing.platform(court.server, timeout_seconds=5, mode="push", **platform)
    return Settings(database_url=database_url, encryption=encryption, platforms={PLATFORM: settings})


@dataclass
class PushSide:
    """The court's side through the push intake: dispatches and rulings POSTed by the sandbox's pushing court,
    our messages delivered to its REST server as before, its receipts of them pushed back."""

    runtime: Runtime
    court: Court
    pusher: PushCourt

    def dispatch(self, flow: str) -> str:
        assert len(self.court.core.dispatch(1, flow)) == 1
        assert self.pusher.push_once() == 1
        receipt = self.pusher.receipts[-1]
        assert receipt["status"] == 200 and receipt["result"] == "accepted", receipt
        assert isinstance(receipt["case_id"], str)
        return receipt["case_id"]

    def exchange(self, rounds: int = 3) -> None:
        for _ in range(rounds):
            self.runtime.deliver()  # our messages to the court
            self.pusher.push_once()  # its rulings, then its receipts of what it applied
        refused = [r for r in self.pusher.receipts if r["result"] not in ("accepted", "duplicate")]
        assert refused == [], refused
