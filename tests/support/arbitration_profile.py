"""The sandbox commission (sandbox/arbitration/) as a partner contract profile (tests/support/partner_profiles.py):
the generic partner REST connector with the arb-commission wire, as the runtime builds it for a commission, against
the sandbox on loopback; its state scripted through the suite's PartnerState."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapter.config.platform import Profile
from connectors.port import ConnectorError
from sandbox.arbitration import CommissionConfig, CommissionCore
from sandbox.arbitration.pairing import pair_commission
from sandbox.pairing import arrange_keys
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.arbitration_wire_samples import application, bodies
from tests.support.arbitration_world import commission_port

if TYPE_CHECKING:
    from tests.support.partner_profiles import PartnerHarness

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # the contract suite's time


class CommissionState:
    """The sandbox commission behind the contract suite's PartnerState; our messages are applications (each opens
    a case and gets its case number), the commission's an entrustment opening a record under its case number."""

    def __init__(self, core: CommissionCore, name: str) -> None:
        self.core, self.name = core, name

    @property
    def sent(self) -> list[PartnerEnvelope]:
        return self.core.received

    @property
    def refs(self) -> dict[str, str]:
        return {c.record_id: no for no, c in self.core.cases.items() if c.record_id}

    @property
    def stats(self) -> dict[str, dict[str, int]] | None:
        return self.core.counts

    @stats.setter
    def stats(self, value: dict[str, dict[str, int]] | None) -> None:
        self.core.counts = value

    def refuse(self, record_id: str, code: str = "refused", detail: str = "the commission refuses it") -> None:
        self.core.refuse(record_id, code, detail)

    def publish(self, envelope: PartnerEnvelope, *, tamper: bool = False) -> object:
        return self.core.publish(envelope, spoiled=tamper)

    def set_status(self, record_id: str, status: str | None) -> None:
        self.core.set_status(record_id, status)

    def fail_next(self, *errors: ConnectorError) -> None:
        self.core.fail_next(*("error" for _ in errors))  # a 503: transient, whatever the error named

    def ours(self, message_id: str, record_id: str) -> PartnerEnvelope:
        body = {"application": application().model_dump(mode="json"), "submitted_at": T0.isoformat()}
        return PartnerEnvelope(message_id=message_id, kind=PartnerKind.ARBITRATION, partner=self.name,
                               record_id=record_id, type="arb.application", sent_at=T0, body=body)  # fmt: skip

    def theirs(self, message_id: str, ref: str) -> PartnerEnvelope:
        body = {**bodies()["arb.mediation_entrusted"], "case_no": ref}
        return PartnerEnvelope(message_id=message_id, kind=PartnerKind.ARBITRATION, partner=self.name,
                               partner_ref=ref, type="arb.mediation_entrusted", sent_at=T0, body=body)  # fmt: skip


def arbitration_profile(profile: Profile) -> Callable[[Path], AbstractContextManager["PartnerHarness"]]:
    """The sandbox commission as a contract profile under a signing profile."""
    from tests.support.partner_profiles import NAME, PartnerHarness  # which lists this module's profiles: no cycle

    @contextmanager
    def factory(tmp_path: Path) -> Iterator[PartnerHarness]:
        pairing = pair_commission(tmp_path, CommissionConfig(timeout_seconds=0.6), profile=profile)
        server = pairing.serve()
        _, _, stranger = arrange_keys(tmp_path / "stranger", profile=profile, counterpart="commission")
        clock = lambda: datetime.now(UTC)  # noqa: E731
        port = commission_port(server.api, pairing.signing, clock, NAME)
        state = CommissionState(pairing.core, NAME)
        untrusted = commission_port(server.api, stranger, clock, NAME)
        try:
            yield PartnerHarness(port, state, untrusted, state.ours, state.theirs, kind=PartnerKind.ARBITRATION)
        finally:
            server.stop()

    return factory
