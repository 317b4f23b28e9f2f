"""The real API under uvicorn on loopback with one docking partner of the toy kind (tests/support/toy_partner.py,
registered as the traffic kind by the `toy_spec` fixture) that pushes signed items under the HMAC app-key profile;
API keys for the centre, ops, admin, the partner itself and another partner."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from adapter.config.partners import PartnerSettings
from adapter.config.settings import EncryptionSettings, Settings
from api.clients import Role, add_client
from sandbox.pairing import arrange_keys
from scheduler import Runtime, build_runtime
from schemas.clock import Clock, utc_now
from schemas.partner import PartnerEnvelope
from signing.base import MessageSigner, MessageVerifier
from tests.support.api import Api, served
from tests.support.partner_world import PARTNER

ROLES = ("centre", "ops", "admin", f"partner:{PARTNER}", "partner:other-partner")


@dataclass
class PartnerServed:
    runtime: Runtime
    base: str
    keys: dict[str, str]
    signer: MessageSigner  # the partner's: signs what it pushes
    receipts: MessageVerifier  # the partner's verifier of our signed receipts
    signing: Any = None  # the adapter's signing settings for the partner (a restart reuses them)

    def as_role(self, role: str) -> Api:
        return Api(self.base, self.keys[role])

    @property
    def centre(self) -> Api:
        return self.as_role("centre")

    def signed(self, envelope: PartnerEnvelope) -> tuple[bytes, dict[str, str]]:
        body = envelope.model_dump_json().encode()
        return body, dict(self.signer.sign(body, message_id=envelope.message_id, at=envelope.sent_at))

    def push(self, body: bytes, headers: dict[str, str], *, role: str = f"partner:{PARTNER}",
             partner: str = PARTNER) -> requests.Response:  # fmt: skip
        url = f"{self.base}/api/partners/v1/{partner}/messages"
        return self.as_role(role).session.post(url, data=body, headers=headers, timeout=30)


def settings(database_url: str, encryption: EncryptionSettings, signing: Any, mode: str = "push") -> Settings:
    partner = PartnerSettings(
        kind="traffic",
        transport="rest",
        base_url="http://127.0.0.1:9/partner",
        mode=mode,
        signing=signing,
        push_max_bytes=65536,
    )  # type: ignore[arg-type]
    return Settings(database_url=database_url, encryption=encryption, partners={PARTNER: partner})


@contextmanager
def partner_api(
    database_url: str,
    encryption: EncryptionSettings,
    workdir: Path,
    clock: Clock = utc_now,
    *,
    restart: PartnerServed | None = None,
) -> Iterator[PartnerServed]:
    """The runtime with the partner (push mode), its app served on loopback, a key per role; `restart`: a runtime
    served before on the same database, whose keys and signing arrangement the new process takes over."""
    if restart is None:
        signer, receipts, signing = arrange_keys(workdir / "keys", profile="hmac-appkey", counterpart="partner")
    else:
        signer, receipts, signing = restart.signer, restart.receipts, restart.signing
    runtime = build_runtime(settings(database_url, encryption, signing), clock=clock)
    if restart is None:
        keys = {role: add_client(runtime.uow, role.replace(":", "-"), Role.parse(role), utc_now()) for role in ROLES}
    else:
        keys = restart.keys
    try:
        with served(runtime) as base:
            yield PartnerServed(runtime, base, keys, signer, receipts, signing)
    finally:
        runtime.uow.engine.dispose()
