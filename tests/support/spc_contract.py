"""The sandbox SPC platform as a profile of the partner contract suite (tests/contract/test_partner_contract.py):
the spc_form connector logged in to the sandbox on loopback, and SpcScript — the platform's state scripted through
the same verbs as the fake partner (refuse, publish, set_status, stats, fail_next), roster messages instead of
traffic ones."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from connectors.port import ConnectorError
from connectors.spc_form import SpcForm
from mappings import spc_form
from mappings.times import CHINA
from sandbox.spc import SpcConfig, SpcCore, SpcServer
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support import spc_samples

KEY = "contract-callback-key"
EVENT_OF = {type_: event for event, (type_, _) in spc_form.EVENTS.items()}
T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)


class SpcScript:
    """The sandbox platform's state, scripted as the contract suite scripts a partner."""

    def __init__(self, core: SpcCore) -> None:
        self.core = core

    @property
    def sent(self) -> list[Any]:
        return [SimpleNamespace(message_id=m) for m in self.core.applied]

    @property
    def refs(self) -> dict[str, str]:
        return {local_id: entry.id for local_id, entry in self.core.entries.items()}

    @property
    def stats(self) -> dict[str, dict[str, int]] | None:
        return self.core.counts

    @stats.setter
    def stats(self, value: dict[str, dict[str, int]]) -> None:
        self.core.counts = value

    def refuse(self, record_id: str, code: str = "refused", detail: str = "the partner refuses the message") -> None:
        self.core.refusing[record_id] = f"{code}: {detail}"  # the platform's words; its code is always -1

    def publish(self, envelope: PartnerEnvelope, *, tamper: bool = False) -> None:
        self.core.publish(EVENT_OF[envelope.type], envelope.record_id or "", envelope.partner_ref or "",
                          envelope.sent_at, envelope.message_id, tampered=tamper)  # fmt: skip

    def set_status(self, record_id: str, status: str | None) -> None:
        if status is None:
            self.core.forget(record_id)
        else:
            self.core.set_status(record_id, status)

    def fail_next(self, *errors: ConnectorError) -> None:
        self.core.failing_http.extend(503 for _ in errors)


def ours(message_id: str, record_id: str) -> PartnerEnvelope:
    """A message of ours to the platform: an organisation's upsert."""
    body = spc_samples.organisation(1).model_dump(mode="json")
    return PartnerEnvelope(message_id=message_id, kind=PartnerKind.ROSTER, partner="contract-partner",
                           record_id=record_id, type="roster.org_upsert", sent_at=T0, body=body)  # fmt: skip


def theirs(message_id: str, ref: str) -> PartnerEnvelope:
    """The platform's: a certification, exactly as the connector decodes it (times in China time, to the second)."""
    at = T0.astimezone(CHINA)
    return PartnerEnvelope(message_id=message_id, kind=PartnerKind.ROSTER, partner="contract-partner",
                           record_id=f"RO-{ref}", partner_ref=ref, type="roster.certified", sent_at=at,
                           body={"platform_id": ref, "certified_at": at.isoformat(), "term_to": None})  # fmt: skip


@contextmanager
def sandbox(tmp_path: Path, name: str) -> Iterator[tuple[SpcForm, SpcScript, SpcForm]]:
    """(the port, the script, a port whose login the platform refuses)."""
    del tmp_path
    core = SpcCore(SpcConfig(callback_key=KEY))
    server = SpcServer(core).start()
    try:
        port = SpcForm(name, server.url, "centre", "sandbox-password", callback_key=KEY, timeout=(1.0, 2.0))
        untrusted = SpcForm(name, server.url, "centre", "not-the-password", callback_key=KEY, timeout=(1.0, 2.0))
        yield port, SpcScript(core), untrusted
    finally:
        server.stop()
