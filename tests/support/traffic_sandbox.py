"""The sandbox traffic platform for the tests: the generic partner REST connector with the traffic-platform wire
(what the runtime builds for a traffic partner), and the platform as a partner contract profile
(tests/support/partner_profiles.py)."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from adapter.config.platform import Profile, SigningSettings
from adapter.platforms.signers import build_signer, build_verifier
from connectors.partner_rest import PartnerRest
from connectors.port import ConnectorError
from mappings.times import DEFAULT_FORM, TimestampForm
from mappings.traffic_platform import TrafficWire
from sandbox.pairing import arrange_keys
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.pairing import pair_traffic
from sandbox.traffic.platform import TrafficCore
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.traffic import BODIES, CaseOffered, OfferAnswer
from schemas.traffic import TrafficMessageType as T
from tests.support.traffic_samples import offer_data

if TYPE_CHECKING:
    from tests.support.partner_profiles import PartnerHarness

T0 = datetime(2026, 11, 2, 1, 0, tzinfo=UTC)  # the contract suite's time


def traffic_port(
    name: str, api: str, signing: SigningSettings, form: TimestampForm = DEFAULT_FORM, **options: object
) -> PartnerRest:
    """A traffic partner `name` at `api` (the platform's base URL), signed and verified under `signing`."""
    return PartnerRest(
        name,
        PartnerKind.TRAFFIC,
        api,
        build_signer(signing, platform=name),
        build_verifier(signing, platform=name),
        wire=TrafficWire(name, form),
        bodies=BODIES.__getitem__,
        **options,  # type: ignore[arg-type]
    )


class TrafficState:
    """The sandbox platform behind the contract suite's PartnerState: offers a case for each record the centre
    writes about (the platform only takes messages about cases it offered), and speaks typed bodies."""

    def __init__(self, core: TrafficCore, name: str) -> None:
        self.core, self.name = core, name
        self._offered: dict[str, str] = {}  # our record id → the serial number offered for it

    @property
    def sent(self) -> list[PartnerEnvelope]:
        return self.core.received

    @property
    def refs(self) -> dict[str, str]:
        return {k.record_id: serial for serial, k in self.core.cases.items() if k.record_id}

    @property
    def stats(self) -> dict[str, dict[str, int]] | None:
        return self.core.published_statistics

    @stats.setter
    def stats(self, value: dict[str, dict[str, int]] | None) -> None:
        self.core.published_statistics = value

    def refuse(self, record_id: str, code: str = "rejected", detail: str = "the platform refuses the message") -> None:
        self.core.refuse(record_id, code, detail)

    def publish(self, envelope: PartnerEnvelope, *, tamper: bool = False) -> object:
        return self.core.publish(envelope, spoiled=tamper)

    def set_status(self, record_id: str, status: str | None) -> None:
        serial = self.refs[record_id]
        self.core.cases[serial].status = status or "offered"

    def fail_next(self, *errors: ConnectorError) -> None:
        self.core.fail_next(*("error" for _ in errors))  # a 503: transient, whatever the error named

    def ours(self, message_id: str, record_id: str) -> PartnerEnvelope:
        """Our acceptance of the case offered for `record_id` (offered now if it was not yet)."""
        serial = self._offered.get(record_id)
        if serial is None:
            (serial,) = self.core.offer()
            self._offered[record_id] = serial
        body = OfferAnswer(accepted=True, answered_at=T0).model_dump(mode="json")
        return PartnerEnvelope(message_id=message_id, kind=PartnerKind.TRAFFIC, partner=self.name,
                               record_id=record_id, partner_ref=serial, type=T.OFFER_ANSWER, sent_at=T0,
                               body=body)  # fmt: skip

    def theirs(self, message_id: str, ref: str) -> PartnerEnvelope:
        """The platform's offer of a case under serial number `ref`."""
        body = CaseOffered.model_validate(offer_data(serial_no=ref)).model_dump(mode="json")
        return PartnerEnvelope(message_id=message_id, kind=PartnerKind.TRAFFIC, partner=self.name, partner_ref=ref,
                               type=T.CASE_OFFERED, sent_at=T0, body=body)  # fmt: skip


def traffic_profile(profile: Profile) -> Callable[[Path], AbstractContextManager["PartnerHarness"]]:
    """The sandbox traffic platform as a contract profile under a signing profile."""
    from tests.support.partner_profiles import NAME, PartnerHarness  # which lists this module's profiles: no cycle

    @contextmanager
    def factory(tmp_path: Path) -> Iterator[PartnerHarness]:
        pairing = pair_traffic(tmp_path, TrafficConfig(timeout_seconds=0.6), profile=profile)
        server = pairing.serve()
        _, _, stranger = arrange_keys(tmp_path / "stranger", profile=profile)
        port = traffic_port(NAME, server.api, pairing.signing, timeout=(1.0, 2.0))
        state = TrafficState(pairing.core, NAME)
        try:
            yield PartnerHarness(port, state, traffic_port(NAME, server.api, stranger), state.ours, state.theirs)
        finally:
            server.stop()

    return factory
