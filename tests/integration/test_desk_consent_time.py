"""A sandbox desk whose complaint goes to mediation tells both sides' consent dated no later than its real clock,
however many simulated days its script ran: the centre refuses a consent in the future
(adapter/complaints/mediation.py), so a consent dated on the desk's compressed calendar could never convert."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import pair_desk
from schemas.complaint import ComplaintMessageType, ToMediationBody
from tests.support import desk_samples as s

pytestmark = pytest.mark.integration


class StepClock:
    now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize("kind", ["card_centre", "life_insurer", "green_pc"])
def test_a_desks_consent_to_mediation_is_never_dated_in_the_future(tmp_path: Path, kind: str) -> None:
    clock = StepClock()
    config = InstitutionConfig(kind=kind, faults=("to_mediation",), seconds_per_day=1.0)
    pairing = pair_desk(tmp_path, config, monotonic=clock)
    server = pairing.serve()
    try:
        signing = pairing.signing
        desk = ComplaintDeskRest(
            "desk", server.url, build_signer(signing, platform="desk"), build_verifier(signing, platform="desk")
        )
        forwarded = datetime.now(UTC)
        desk.send(s.forward("TS-1", "F-1"))
        clock.now += 30  # thirty simulated days: the script's consent (day 5) is long due
        answers = [desk.decode(item) for item in desk.fetch("", 500).items]
        told = datetime.now(UTC)
    finally:
        server.stop()
    (consent,) = [a for a in answers if a.body.type is ComplaintMessageType.TO_MEDIATION]
    assert isinstance(consent.body, ToMediationBody)
    for at in (consent.body.complainant_consented_at, consent.body.institution_consented_at, consent.sent_at):
        assert forwarded <= at <= told  # after the complaint arrived, not after it was told
