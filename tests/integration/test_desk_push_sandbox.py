"""A sandbox institution that pushes (sandbox/institution/push.py) to the served API of a runtime built from the
settings — `[desks.card-centre] mode = "push"` under each signing profile: its acknowledgement and decision are
verified with that desk's own keys, applied once, and the complaint is decided; the same items pushed with another
desk's key are refused before anything is read; every answer is a receipt signed with our keys for that desk."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from adapter.config.desks import DeskSettings
from adapter.config.platform import Profile
from adapter.config.settings import Settings
from api.clients import Role, add_client
from sandbox.institution import InstitutionConfig
from sandbox.institution.pairing import DeskPairing, pair_desk
from sandbox.institution.push import DeskPusher
from scheduler import Runtime, build_runtime
from schemas.clock import utc_now
from tests.support.api import Api, served
from tests.support.complaint_samples import BANK_USCC, complaint, memorandum
from tests.support.step_clock import StepClock

pytestmark = pytest.mark.integration
DESK = "card-centre"


@pytest.fixture(params=["jws-detached", "hmac-appkey", "sm2-sm3"])
def profile(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def pairing(tmp_path: Path, profile: Profile) -> tuple[DeskPairing, StepClock]:
    clock = StepClock()
    config = InstitutionConfig(kind="card_centre", seconds_per_day=1.0)
    return pair_desk(tmp_path / "desk", config, profile=profile, monotonic=clock), clock


@pytest.fixture
def runtime(settings: Settings, pairing: tuple[DeskPairing, StepClock]) -> Iterator[Runtime]:
    desk_pairing, _ = pairing
    server = desk_pairing.serve()
    desk = DeskSettings(
        base_url=server.url, mode="push", signing=desk_pairing.signing, institution_uscc=[BANK_USCC],
        memorandum=memorandum(),
    )  # fmt: skip
    try:
        yield build_runtime(settings.model_copy(update={"desks": {DESK: desk}}))
    finally:
        server.stop()


def test_a_pushing_institution_decides_a_complaint_through_the_push_intake(
    runtime: Runtime, pairing: tuple[DeskPairing, StepClock]
) -> None:
    desk_pairing, clock = pairing
    complaints = runtime.complaints
    assert complaints is not None
    complaints.services("clerk").receive(complaint(received_at=utc_now().isoformat()))
    assert dict(complaints.deliver()) == {"delivered": 1}
    with served(runtime) as base:
        other = add_client(runtime.uow, "other-desk", Role("desk", "life-insurer"), utc_now())
        mine = add_client(runtime.uow, "card-desk", Role("desk", DESK), utc_now())
        clock.now += 3  # three simulated days: acknowledged in minutes, decided in two days
        stranger = DeskPusher(desk_pairing.core, base, DESK, api_key=other)
        stranger.push_once()
        assert stranger.answers and {a["status"] for a in stranger.answers} == {403}
        pusher = DeskPusher(desk_pairing.core, base, DESK, api_key=mine)
        pusher.push_once()
        assert pusher.answers and {(a["status"], a["result"]) for a in pusher.answers} == {(200, "accepted")}
        item = desk_pairing.core.items[0]  # pushed again by hand: the answer is a duplicate, signed by us
        headers = {**desk_pairing.core.sign_item(item), "Authorization": f"Bearer {mine}"}
        again = requests.post(pusher.endpoint, data=item.body.encode(), headers=headers, timeout=30)
        assert again.status_code == 200 and again.json()["result"] == "duplicate"
        signed = desk_pairing.core._verifier.verify(again.content, again.headers)  # the desk's keys for us
        assert signed.message_id == again.json()["receipt_id"]
        centre = Api(base, add_client(runtime.uow, "centre", Role("centre"), utc_now()))
        shown = centre.get("/api/centre/v1/complaints/CP-2026-0001").json()
    assert shown["status"] == "DECIDED" and shown["desk_ref"]
    assert [h["event"] for h in shown["history"]][:3] == ["received", "forward", "acknowledge"]
