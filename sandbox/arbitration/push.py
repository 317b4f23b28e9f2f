"""A pushing commission: each item the sandbox commission publishes is POSTed to the centre's push intake for
partners instead of waiting to be read (partners.md §6) — the item's exact bytes, the commission's signature in the
headers (signed afresh at each attempt), its API key as a bearer token — retried on the same WeChat-like ladder as
a pushing desk (sandbox/institution/push.py), compressed by the commission's time scale. An answer 2xx (accepted,
duplicate) or 4xx other than 401/408/429 (rejected: kept in the centre's quarantine) is done."""

from dataclasses import dataclass

from sandbox.institution.push import DeskPusher

# The centre's push intake for one partner (the generic partner core's route); `{partner}` is the commission's name
# in the centre's settings ([partners.<name>]).
PUSH_PATH = "/api/partners/v1/{partner}/messages"


@dataclass
class CommissionPusher(DeskPusher):
    """Pushes a CommissionCore's feed to the centre at `url` as partner `platform` (the settings name)."""

    path: str = PUSH_PATH

    @property
    def endpoint(self) -> str:
        return self.url.rstrip("/") + self.path.format(partner=self.platform)
