"""The complaint use cases on a real database, SQLite and PostgreSQL: receive → forward queued → ack → extend →
decide → visit → close; repeats merged or restarted; refusals kept out whole; sealed at rest."""

from collections.abc import Iterator
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from adapter.complaints import inbound, views
from adapter.complaints.states import ComplaintStatus, IllegalComplaintTransition
from adapter.errors import InvalidRequest
from adapter.persistence.complaint_store import ComplaintNotFound, StaleComplaint
from schemas.complaint import (
    AckBody,
    AppraisalBody,
    DecidedBody,
    DecisionResult,
    ExtendedBody,
    ForwardBody,
    ReviewDecidedBody,
    ReviewRequestedBody,
    SmallClaimPerformedBody,
)
from tests.support.complaint_samples import AMOUNT_OVER_CAP, BANK_USCC, RESIDENT_ID, complaint, complaint_data
from tests.support.complaint_store import DESK, World, world

pytestmark = pytest.mark.integration
S = ComplaintStatus


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def w(database_url: str) -> Iterator[World]:
    yield from world(database_url)


def test_a_complaint_is_forwarded_acknowledged_extended_decided_visited_and_closed(w: World) -> None:
    assert w.services.receive(complaint()) is S.FORWARDED
    (forward,) = w.outbox("CP-2026-0001")
    body = ForwardBody.model_validate_json(forward.envelope_json.split('"body":', 1)[1][:-1])
    assert forward.platform == DESK and forward.type == "complaint.forward"
    assert body.withheld == ("complainant.address",) and body.complaint.complainant.address is None
    assert body.centre_due is not None and body.statutory_due is not None
    now = w.clock.advance(hours=1)
    ack = w.message("CP-2026-0001", AckBody(desk_ref="FD000001", acknowledged_at=now))
    assert inbound.apply(w.uow, DESK, ack, w.clock) == "applied"
    assert inbound.apply(w.uow, DESK, ack, w.clock) == "duplicate"
    again = w.message("CP-2026-0001", AckBody(desk_ref="FD000001", acknowledged_at=now))
    assert inbound.apply(w.uow, DESK, again, w.clock) == "applied"  # a second ack under a new id: a note
    later = w.clock.advance(days=10)
    extended = ExtendedBody(
        stage=30, new_due=later + timedelta(days=20), approver_level="分管副总", complainant_told_at=later
    )
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", extended), w.clock)
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", AppraisalBody(phase="started", at=later)), w.clock)
    decided = DecidedBody(
        result=DecisionResult.PARTLY, remedy_amount=Decimal("430.00"), notified_at=w.clock.advance(days=3)
    )
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", decided), w.clock)
    assert w.services.visit("CP-2026-0001", 4) is S.VISITED
    assert w.services.close("CP-2026-0001") is S.CLOSED
    row = w.row("CP-2026-0001")
    assert (row.desk_ref, row.stage, row.decision_result, row.remedy_amount, row.satisfaction) == (
        "FD000001", 30, "partly", "430.00", 4,
    )  # fmt: skip
    events = [e.event for e in w.history("CP-2026-0001")]
    assert events == [
        "received", "forward", "acknowledge", "duplicate_ack", "extend_30", "appraisal_started", "decide", "visit",
        "close",
    ]  # fmt: skip
    assert row.closed_at is not None and row.version == len(events)
    from adapter.complaints.facts import facts_of

    (pause,) = facts_of(row, w.history("CP-2026-0001")).pauses  # the appraisal: the decision clock stood still
    assert pause[1] is None and pause[0] == later


def test_a_second_intake_under_a_known_id_is_refused_naming_it(w: World) -> None:
    from adapter.complaints.service import DuplicateComplaint

    w.services.receive(complaint())
    with pytest.raises(DuplicateComplaint, match="CP-2026-0001 is already received"):
        w.services.receive(complaint())
    assert len(w.outbox()) == 1


def test_personal_numbers_are_sealed_at_rest_and_the_blind_index_is_keyed(w: World) -> None:
    w.services.receive(complaint())
    with w.uow.engine.connect() as connection:
        stored = connection.execute(text("SELECT complaint_json, complainant_key FROM complaints")).one()
        queued = connection.execute(text("SELECT envelope_json FROM complaint_outbox")).scalar_one()
    assert RESIDENT_ID not in stored[0] and "13812345678" not in stored[0] and RESIDENT_ID not in queued
    assert stored[1].startswith("k1:") and len(stored[1]) == 3 + 64
    import hashlib

    assert hashlib.sha256(RESIDENT_ID.encode()).hexdigest() not in stored[1]


@pytest.mark.parametrize("new_facts", [False, True])
def test_a_repeat_is_merged_without_new_facts_and_restarts_the_clock_with_them(w: World, new_facts: bool) -> None:
    w.services.receive(complaint())
    w.clock.advance(days=3)
    repeat = complaint(complaint_id="CP-2026-0002", received_at=w.clock().isoformat(), new_facts=new_facts)
    status = w.services.receive(repeat)
    row = w.row("CP-2026-0002")
    assert row.repeat_of == "CP-2026-0001"
    if new_facts:
        assert status is S.FORWARDED and row.restarted_at is not None and len(w.outbox("CP-2026-0002")) == 1
        assert "new_facts" in [e.event for e in w.history("CP-2026-0001")]
    else:
        assert status is S.MERGED and w.outbox("CP-2026-0002") == [] and row.closed_at is not None
        assert "repeat_merged" in [e.event for e in w.history("CP-2026-0001")]


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        (
            {"representative": {"kind": "agent", "name": "王五", "id_type": "passport", "id_number": "E1234567"}},
            "representative.document",
            "power_of_attorney",
        ),
        (
            {"classification": {"table": "jrt0169", "version": "2018", "business": "B9999", "cause": "C12"}},
            "classification.business",
            "unknown_code",
        ),
        ({"track": "small_claim", "amount_in_dispute": str(AMOUNT_OVER_CAP)}, "amount_in_dispute", "small_claim_cap"),
        ({"received_at": "2026-03-03T10:15:00+08:00"}, "received_at", "future"),  # a day after the clock's now
        (
            {"institution": {"kind": "bank", "name": "无柜台银行", "uscc": "91110000100001234U"}},
            "institution.uscc",
            "no_desk",
        ),
    ],
)
def test_a_refused_complaint_names_field_and_rule_and_leaves_nothing(
    w: World, changes: dict[str, object], field: str, rule: str
) -> None:
    from schemas.complaint import Complaint

    with pytest.raises(InvalidRequest) as refused:
        w.services.receive(Complaint.model_validate(complaint_data(**changes)))
    assert (refused.value.field, refused.value.rule) == (field, rule), str(refused.value)
    with w.uow.engine.connect() as connection:
        for table in ("complaints", "complaint_events", "complaint_outbox"):
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == 0


def test_a_decision_for_an_unknown_complaint_is_refused_and_changes_nothing(w: World) -> None:
    decided = DecidedBody(result=DecisionResult.UPHELD, notified_at=w.clock())
    with pytest.raises(ComplaintNotFound):
        inbound.apply(w.uow, DESK, w.message("CP-NOPE", decided), w.clock)
    with w.uow.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM inbox")).scalar_one() == 0


def test_an_illegal_action_is_the_state_machines_error_and_writes_nothing(w: World) -> None:
    w.services.receive(complaint())
    before = w.row("CP-2026-0001").version
    with pytest.raises(IllegalComplaintTransition):
        w.services.close("CP-2026-0001")
    assert w.row("CP-2026-0001").version == before


def test_a_decision_before_the_acknowledgement_is_applied_and_noted(w: World) -> None:
    w.services.receive(complaint())
    decided = DecidedBody(result=DecisionResult.UPHELD, notified_at=w.clock.advance(days=1))
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", decided), w.clock)
    assert w.row("CP-2026-0001").status == S.DECIDED
    assert [e.event for e in w.history("CP-2026-0001")][-2:] == ["decide", "decided_before_ack"]


def test_a_small_claim_is_decided_within_the_cap_paid_visited_and_closed(w: World) -> None:
    w.services.receive(complaint(track="small_claim"))
    with pytest.raises(InvalidRequest) as refused:
        w.services.small_claim_decide("CP-2026-0001", AMOUNT_OVER_CAP, "陈调解员")
    assert (refused.value.field, refused.value.rule) == ("amount", "small_claim_cap")
    assert w.row("CP-2026-0001").status == S.FORWARDED and len(w.outbox("CP-2026-0001")) == 1
    assert w.services.small_claim_decide("CP-2026-0001", Decimal("600.00"), "陈调解员") is S.SMALL_CLAIM_DECIDED
    assert [m.type for m in w.outbox("CP-2026-0001")] == ["complaint.forward", "smallclaim.decision"]
    paid = SmallClaimPerformedBody(paid_at=w.clock.advance(days=2), amount=Decimal("600.00"))
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", paid), w.clock)
    assert w.services.visit("CP-2026-0001", 5) is S.VISITED
    with pytest.raises(InvalidRequest):
        w.services.visit("CP-2026-0001", 6)
    assert w.services.close("CP-2026-0001") is S.CLOSED
    row = w.row("CP-2026-0001")
    assert (row.remedy_amount, row.paid_at is not None, row.satisfaction) == ("600.00", True, 5)


def test_a_disputed_decision_is_reviewed_and_a_stale_version_is_refused(w: World) -> None:
    w.services.receive(complaint())
    decided = DecidedBody(result=DecisionResult.REJECTED, notified_at=w.clock.advance(days=5))
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", decided), w.clock)
    version = w.row("CP-2026-0001").version
    with pytest.raises(StaleComplaint):
        w.services.request_review("CP-2026-0001", "未考虑账单日", version=version - 1)
    assert w.services.request_review("CP-2026-0001", "未考虑账单日", version=version) is S.REVIEW_REQUESTED
    review = ReviewDecidedBody(result=DecisionResult.PARTLY, decided_at=w.clock.advance(days=10))
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", review), w.clock)
    assert w.row("CP-2026-0001").status == S.REVIEW_DECIDED
    assert [m.type for m in w.outbox("CP-2026-0001")][-1] == "complaint.review_requested"


def test_a_message_from_another_desk_or_of_the_centres_kind_is_refused(w: World) -> None:
    w.services.receive(complaint())
    ack = AckBody(desk_ref="X", acknowledged_at=w.clock())
    with pytest.raises(inbound.WrongDesk):
        inbound.apply(w.uow, "other-desk", w.message("CP-2026-0001", ack), w.clock)
    grounds = ReviewRequestedBody(requested_at=w.clock(), grounds="x")
    with pytest.raises(InvalidRequest, match="centre sends"):
        inbound.apply(w.uow, DESK, w.message("CP-2026-0001", grounds), w.clock)
    assert w.row("CP-2026-0001").status == S.FORWARDED


def test_reindex_moves_the_blind_index_to_a_new_active_key_and_repeats_are_still_found(database_url: str) -> None:
    from adapter.complaints.blind_index import reindex
    from adapter.persistence.engine import UnitOfWork, make_engine
    from adapter.persistence.vault import Vault, new_key

    worlds = world(database_url)
    w = next(worlds)
    w.services.receive(complaint())
    old = w.uow.engine.dialect.docking_vault  # type: ignore[attr-defined]
    rotated = Vault([*old.keys.values(), new_key("k2")], "k2")
    engine = make_engine(database_url, vault=rotated)
    uow = UnitOfWork(engine)
    assert reindex(uow) == (1, []) and reindex(uow) == (0, [])
    with uow.begin() as session:
        from adapter.persistence.complaint_tables import ComplaintRow

        row = session.get(ComplaintRow, "CP-2026-0001")
        assert row is not None and row.complainant_key.startswith("k2:")
    engine.dispose()
    worlds.close()


def test_free_text_in_the_history_is_stored_masked(w: World) -> None:
    w.services.receive(complaint())
    w.services.withdraw("CP-2026-0001", "客户来电 13812345678 撤回")
    (entry,) = [e for e in w.history("CP-2026-0001") if e.event == "withdraw"]
    assert "13812345678" not in entry.detail and "撤回" in entry.detail


def test_card_and_account_numbers_in_free_text_are_masked_in_the_history_and_the_view(w: World) -> None:
    """A bank complaint's facts and a clerk's note name the card: never stored in the history or shown in clear."""
    card = "6222021234567890123"
    w.services.receive(complaint(complaint_id="CP-2026-0009", facts=f"卡号 {card} 被收取违约金"))
    w.services.withdraw("CP-2026-0009", f"客户确认卡号{card}已退费，撤回")
    (entry,) = [e for e in w.history("CP-2026-0009") if e.event == "withdraw"]
    assert card not in entry.detail and "0123" in entry.detail
    shown = views.shown(w.uow, "CP-2026-0009")
    assert card not in str(shown) and shown["facts"].endswith("0123 被收取违约金")


def test_a_database_refusal_other_than_the_inbox_key_is_not_taken_for_a_duplicate(
    w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the inbox's own key makes a message a duplicate: any other integrity error must surface (the desk
    resends, or the feed keeps the item), never be answered as applied-before and so lost."""
    w.services.receive(complaint())
    ack = w.message("CP-2026-0001", AckBody(desk_ref="FD000001", acknowledged_at=w.clock()))

    def refused(*args: object, **kwargs: object) -> None:
        raise IntegrityError("INSERT INTO cases …", {}, Exception("UNIQUE constraint failed: cases.platform_case_id"))

    monkeypatch.setattr(inbound, "_apply_body", refused)
    with pytest.raises(IntegrityError):
        inbound.apply(w.uow, DESK, ack, w.clock)
    monkeypatch.undo()
    assert inbound.apply(w.uow, DESK, ack, w.clock) == "applied"  # nothing was recorded: it applies once fixed


def test_a_desks_time_ahead_of_our_clock_is_stored_as_the_arrival(w: World) -> None:
    """A decision 'notified' two days from now (a desk clock ahead) is recorded when it arrived, not later: it must
    not make the institution's decision late, nor a payment's working days longer."""
    w.services.receive(complaint())
    now = w.clock.advance(days=1)
    decided = DecidedBody(result=DecisionResult.UPHELD, notified_at=now + timedelta(days=2))
    inbound.apply(w.uow, DESK, w.message("CP-2026-0001", decided), w.clock)
    stored = w.row("CP-2026-0001").decided_at
    assert stored is not None and stored.replace(tzinfo=None) == now.astimezone(UTC).replace(tzinfo=None)


def test_docking_status_shows_a_desk_with_its_mode_its_feed_and_its_queue(w: World, database_url: str) -> None:
    """A desk in the settings is a platform of `docking status`: its mode (not "unconfigured"), its one feed
    ("complaints", not the courts' dispatches/decisions) and the complaint messages waiting for it."""
    from adapter.config.desks import DeskSettings
    from adapter.config.platform import SigningSettings
    from adapter.config.settings import Settings
    from adapter.status import collect

    w.services.receive(complaint())
    signing = SigningSettings(
        profile="hmac-appkey", app_key="c", app_secret="s", court_app_key="d", court_app_secret="t"
    )
    desk = DeskSettings(base_url="http://127.0.0.1:9", institution_uscc=[BANK_USCC], signing=signing)
    (shown,) = collect(w.uow, Settings(database_url=database_url, desks={DESK: desk}), w.clock).platforms
    assert (shown.name, shown.mode, shown.pending) == (DESK, "poll", 1)
    assert [f.feed for f in shown.feeds] == ["complaints"]
