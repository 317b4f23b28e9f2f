"""A traffic offer re-sent under its serial with other content (#19): not a duplicate note. Refused as `conflict`
with its raw bytes kept in quarantine and the quarantine alert opened; the record untouched (no history line, no
version bump — its ETag stays) whatever its status, CLOSED too; the same offer again stays a duplicate. Pulled and
pushed, SQLite and PostgreSQL, with the sandbox platform (tests/support/traffic_world.py)."""

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapter.alerts.conditions import open_subjects
from adapter.alerts.kinds import AlertKind
from adapter.complaints.desk_push import DUPLICATE, REJECTED
from adapter.config.settings import Settings
from connectors.port import RawInbound
from schemas.partner import PartnerEnvelope
from tests.support.traffic_world import NAME, Make, TrafficWorld, traffic_world

pytestmark = pytest.mark.integration


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(params=["pull", "push"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def world(tmp_path: Path, settings: Settings, mode: str) -> Iterator[Make]:
    yield from traffic_world(tmp_path, settings, mode)


def first_offer(w: TrafficWorld) -> PartnerEnvelope:
    item = w.core.items[0]
    return w.partners.ports[NAME].decode(RawInbound(body=item.body.encode(), headers=w.core.sign_item(item)))


def said(answer: Any) -> tuple[str, str | None, int | None]:
    """(result, reason, HTTP status) of a push's answer: the core's DeskPushed, or the served route's receipt (a dict
    with its status) when the world pushes over HTTP."""
    if isinstance(answer, dict):
        return answer["result"], answer.get("reason"), answer.get("status")
    return answer.result, answer.reason or None, None


def _declined(w: TrafficWorld, record: str) -> None:
    w.act(record, "decline", {"reason": "outside the centre's remit"})


# what differs in the re-sent offer (its body as the canonical envelope holds it)
OTHER: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "another offer time": lambda b: {**b, "offered_at": "2020-01-01T09:00:00+08:00"},
    "another source": lambda b: {**b, "source": "another police unit"},
}
STATUS: dict[str, Callable[[TrafficWorld, str], None]] = {"OFFERED": lambda w, r: None, "DECLINED": _declined}


@pytest.mark.parametrize("status", STATUS.keys())
@pytest.mark.parametrize("other", OTHER.values(), ids=OTHER.keys())
def test_an_offer_resent_with_other_content_is_a_conflict_kept_and_alerted(
    world: Make, other: Callable[[dict[str, Any]], dict[str, Any]], status: str, caplog: pytest.LogCaptureFixture
) -> None:
    w = world()
    record = w.offer()
    STATUS[status](w, record)
    assert w.status(record) == status
    offer = first_offer(w)
    same = w.core.publish(offer.model_copy(update={"message_id": offer.message_id + "-A"}))
    w.exchange()
    assert w.events(record)[-1] == "note:duplicate" and w.kept() == []  # the same offer again: a duplicate
    before, history = w.row(record).version, w.events(record)
    again = w.core.publish(offer.model_copy(update={"message_id": offer.message_id + "-B", "body": other(offer.body)}))
    w.exchange()
    (kept,) = w.kept()
    assert (kept.reason, kept.raw, kept.feed) == ("conflict", again.body.encode(), "partners")
    assert "rule conflict" in kept.detail and offer.body["serial_no"] in kept.detail
    assert (w.row(record).version, w.events(record), w.status(record)) == (before, history, status)  # untouched
    logged = [r for r in caplog.records if r.levelname == "ERROR" and "conflicts with what was applied" in r.message]
    assert len(logged) == 1 and offer.message_id + "-B" in logged[0].message
    with w.runtime.uow.begin() as session:
        assert NAME in open_subjects(session.connection(), AlertKind.QUARANTINE)
    if w.push:
        *_, same_answer, conflict = (said(a) for a in w.answers)
        assert same_answer[0] in ("accepted", DUPLICATE) and same.message_id == offer.message_id + "-A"
        assert conflict[:2] == (REJECTED, "conflict") and conflict[2] in (None, 409)  # 409 where served over HTTP
