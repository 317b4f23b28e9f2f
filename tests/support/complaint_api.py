"""The real API under uvicorn on loopback, with complaint desks: a bank card centre under a memorandum (small claims
to ¥5,000) that pushes signed items (HMAC app-key profile), and an insurer that does not push; API keys for every
role, the two desks' included."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import uvicorn

from adapter.complaints.desk_push import PushDesk
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.service import ComplaintServices
from adapter.config.settings import EncryptionSettings, Settings
from api.app import create_app
from api.clients import Role, add_client
from api.server import uvicorn_config
from connectors.fake_desk import FakeComplaintDesk
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from schemas.complaint import ComplaintEnvelope
from signing.base import PublicKeyEntry
from signing.hmac_appkey import HmacSigner, HmacVerifier
from tests.support.api import Api
from tests.support.complaint_samples import BANK_USCC, INSURER_USCC, memorandum

BANK, INSURER = "card-centre", "life-insurer"
SECRET = b"card-centre-secret-0123456789abc"
ROLES = ("centre", "ops", "admin", "court:court", f"desk:{BANK}", f"desk:{INSURER}")


@dataclass
class Served:
    runtime: Runtime
    base: str
    keys: dict[str, str]

    def as_role(self, role: str) -> Api:
        return Api(self.base, self.keys[role])

    @property
    def centre(self) -> Api:
        return self.as_role("centre")

    def signed(self, envelope: ComplaintEnvelope, secret: bytes = SECRET) -> tuple[bytes, dict[str, str]]:
        """The desk's item as it pushes it: the envelope's bytes and the app-key headers over them."""
        body = envelope.model_dump_json().encode()
        return body, HmacSigner(BANK, secret).sign(body, message_id=envelope.message_id, at=envelope.sent_at)

    def push(self, role: str, platform: str, body: bytes, headers: dict[str, str]) -> Any:
        api = self.as_role(role)
        return api.session.post(f"{self.base}/api/desks/v1/{platform}/messages", data=body, headers=headers, timeout=30)


def desks() -> DeskDirectory:
    return DeskDirectory.of(
        [Desk(BANK, (BANK_USCC,), memorandum(withheld=["complainant.address"])), Desk(INSURER, (INSURER_USCC,))]
    )


@contextmanager
def complaint_api(database_url: str, encryption: EncryptionSettings, clock: Any = utc_now) -> Iterator[Served]:
    """The runtime on `database_url` (personal data sealed), its app with the two desks, served on loopback."""
    runtime = build_runtime(Settings(database_url=database_url, encryption=encryption), clock=clock)
    app = create_app(runtime)
    app.state.complaints = ComplaintServices(runtime.uow, runtime.clock, desks=desks())
    verifier = HmacVerifier({BANK: PublicKeyEntry(BANK, SECRET, "HMAC-SHA256")})
    app.state.desks = {BANK: PushDesk(FakeComplaintDesk(BANK, verifier=verifier), verifier, max_bytes=65536)}
    server = uvicorn.Server(uvicorn_config(app, runtime.settings.api, host="127.0.0.1", port=0))
    thread = threading.Thread(target=server.run, name="api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    now: datetime = utc_now()
    keys = {role: add_client(runtime.uow, role.replace(":", "-"), Role.parse(role), now) for role in ROLES}
    try:
        yield Served(runtime, f"http://127.0.0.1:{port}", keys)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        runtime.uow.engine.dispose()
