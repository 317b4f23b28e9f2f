"""A pushing traffic platform: each message it publishes is POSTed to the centre's partner push endpoint —
`POST {centre}/api/partners/v1/{partner}/messages` by default — the body the item's exact bytes as the feed carries
them, the platform's signature in the headers (signed afresh at each attempt), its API key as a bearer token.
The retry ladder (WeChat-Pay-like, compressed by the platform's time scale, partners.md §6) is the desk pusher's
(sandbox/institution/push.py); `duplicate_push` items are on the feed twice, so they are pushed twice.
"""

from dataclasses import dataclass

from sandbox.institution.push import DeskPusher
from sandbox.traffic.platform import TrafficCore

PUSH_PATH = "/api/partners/v1/{partner}/messages"


@dataclass
class TrafficPusher(DeskPusher):
    """Pushes `core`'s feed to the centre at `url` for the partner named `platform` in the centre's settings."""

    core: TrafficCore
    path: str = PUSH_PATH

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + self.path.format(partner=self.platform)
