"""The partner contract suite's profiles (tests/contract/test_partner_contract.py): each a factory giving a
PartnerHarness — the port under test and how to make the partner speak. Start: the in-memory fake, and the generic
REST connector against a loopback partner under each signing profile. The -sb helpers append their sandbox
partners to PROFILES (name → factory); a factory yields one harness and cleans up after it.

A harness's partner must: give a reference on a record's first message and a duplicate receipt for a resend;
refuse a record it was told to refuse (`refuse`) with a RejectedError carrying the code; publish (`publish`) a
message on its feed, signed, and a tampered one; know the status `set_status` gives; count `stats`."""

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from adapter.config.platform import Profile
from adapter.platforms.signers import build_signer, build_verifier
from connectors.fake_partner import FakePartner
from connectors.partner_port import PartnerPort
from connectors.partner_rest import PartnerRest
from connectors.port import ConnectorError
from sandbox.pairing import arrange_keys
from schemas.partner import PartnerEnvelope, PartnerKind
from tests.support.partner_server import PartnerServer

NAME = "contract-partner"


class PartnerState(Protocol):
    """The partner's side, scriptable: FakePartner, or a sandbox partner's adapter."""

    stats: dict[str, dict[str, int]] | None  # month → the counts it publishes; None: its own (or none)

    @property
    def sent(self) -> list[PartnerEnvelope]:
        """Every message of ours applied, in order (resends not repeated)."""
        ...

    @property
    def refs(self) -> dict[str, str]:
        """Our record id → the partner's reference."""
        ...

    def refuse(self, record_id: str, code: str = ..., detail: str = ...) -> None: ...
    def publish(self, envelope: PartnerEnvelope, *, tamper: bool = False) -> object: ...
    def set_status(self, record_id: str, status: str | None) -> None: ...
    def fail_next(self, *errors: ConnectorError) -> None: ...


@dataclass
class PartnerHarness:
    port: PartnerPort
    fake: PartnerState  # the partner's state, scriptable (refuse, publish, set_status, stats, fail_next)
    untrusted: PartnerPort | None = None  # the same partner reached by a centre whose key it does not trust
    # The profile's own messages (message id, record id / partner reference → envelope) where the partner reads typed
    # bodies; None: the suite's toy messages
    ours: Callable[[str, str], PartnerEnvelope] | None = None
    theirs: Callable[[str, str], PartnerEnvelope] | None = None


Factory = Callable[[Path], AbstractContextManager[PartnerHarness]]


@contextmanager
def fake(tmp_path: Path) -> Iterator[PartnerHarness]:
    partner = FakePartner(NAME, PartnerKind.TRAFFIC)
    yield PartnerHarness(partner, partner)


def rest(profile: Profile) -> Factory:
    @contextmanager
    def factory(tmp_path: Path) -> Iterator[PartnerHarness]:
        signer, verifier, signing = arrange_keys(tmp_path / "keys", profile=profile, counterpart="partner")
        _, _, stranger = arrange_keys(tmp_path / "stranger", profile=profile, counterpart="partner")
        state = FakePartner(NAME, PartnerKind.TRAFFIC, signer=signer)
        server = PartnerServer(state, verifier)
        ours = build_verifier(signing, platform=NAME)
        port = PartnerRest(NAME, PartnerKind.TRAFFIC, server.url, build_signer(signing, platform=NAME), ours,
                           timeout=(1.0, 2.0))  # fmt: skip
        untrusted = PartnerRest(NAME, PartnerKind.TRAFFIC, server.url, build_signer(stranger, platform=NAME), ours)
        try:
            yield PartnerHarness(port, state, untrusted)
        finally:
            server.stop()

    return factory


PROFILES: dict[str, Factory] = {
    "fake": fake,
    "rest-jws": rest("jws-detached"),
    "rest-hmac": rest("hmac-appkey"),
}


def _sandboxes() -> dict[str, Factory]:
    # The sandbox partners build on the harness above, so they are imported after it
    from tests.support.traffic_sandbox import traffic_profile

    return {"traffic-sandbox-jws": traffic_profile("jws-detached"), "traffic-sandbox-sm2": traffic_profile("sm2-sm3")}


PROFILES.update(_sandboxes())
