"""A sandbox desk whose complaint goes to mediation tells both sides' consent dated no later than its real clock,
however many simulated days its script ran: the centre refuses a consent in the future
(adapter/complaints/mediation.py), so a consent dated on the desk's compressed calendar could never convert. A desk
`dated_by_clock` (as `docking demo` runs them, beside a centre on the real clock) dates every answer so."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapter.platforms.signers import build_signer, build_verifier
from connectors.complaint_desk import ComplaintDeskRest
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import pair_desk
from schemas.complaint import ComplaintEnvelope, ComplaintMessageType, ToMediationBody
from tests.support import desk_samples as s
from tests.support.step_clock import StepClock

pytestmark = pytest.mark.integration


def answers_after(
    tmp_path: Path, kind: str, faults: tuple[str, ...], days: float, **core: bool
) -> tuple[list[ComplaintEnvelope], datetime, datetime]:
    """The desk's answers to one forward `days` simulated days on, and the real times of the forward and the read."""
    clock = StepClock()
    config = InstitutionConfig(kind=kind, faults=faults, seconds_per_day=1.0)
    pairing = pair_desk(tmp_path, config, monotonic=clock, **core)
    server = pairing.serve()
    try:
        signing = pairing.signing
        desk = ComplaintDeskRest(
            "desk", server.url, build_signer(signing, platform="desk"), build_verifier(signing, platform="desk")
        )
        forwarded = datetime.now(UTC)
        desk.send(s.forward("TS-1", "F-1"))
        clock.now += days
        answers = [desk.decode(item) for item in desk.fetch("", 500).items]
        return answers, forwarded, datetime.now(UTC)
    finally:
        server.stop()


@pytest.mark.parametrize("kind", ["card_centre", "life_insurer", "green_pc"])
def test_a_desks_consent_to_mediation_is_never_dated_in_the_future(tmp_path: Path, kind: str) -> None:
    answers, forwarded, told = answers_after(tmp_path, kind, ("to_mediation",), 30)  # the consent is due on day 5
    (consent,) = [a for a in answers if a.body.type is ComplaintMessageType.TO_MEDIATION]
    assert isinstance(consent.body, ToMediationBody)
    for at in (consent.body.complainant_consented_at, consent.body.institution_consented_at, consent.sent_at):
        assert forwarded <= at <= told  # after the complaint arrived, not after it was told


@pytest.mark.parametrize(
    ("kind", "faults", "times"),
    [
        ("card_centre", (), 3),  # ack, contacted, decided
        ("life_insurer", (), 4),  # … extended to 30 on day 12, decided on day 25
        ("life_insurer", ("extend_60",), 5),
        ("green_pc", ("duplicate_ack",), 4),
    ],
)
def test_a_desk_dated_by_its_clock_never_answers_from_the_future(
    tmp_path: Path, kind: str, faults: tuple[str, ...], times: int
) -> None:
    answers, forwarded, told = answers_after(tmp_path, kind, faults, 60, dated_by_clock=True)
    assert len(answers) == times
    for answer in answers:
        # Every time the answer says something happened (the extension's new due date is a deadline, not an event).
        told_of = (v for k, v in vars(answer.body).items() if isinstance(v, datetime) and k != "new_due")
        stamps = [answer.sent_at, *told_of]
        assert all(forwarded <= at <= told for at in stamps if at is not None), (answer.body.type, stamps)


def test_without_it_a_desk_dates_answers_on_its_simulated_days(tmp_path: Path) -> None:
    answers, forwarded, _ = answers_after(tmp_path, "card_centre", (), 3)
    decided = answers[-1]
    assert decided.body.type is ComplaintMessageType.DECIDED
    assert timedelta(days=1.9) < decided.sent_at - forwarded < timedelta(days=2.1)
