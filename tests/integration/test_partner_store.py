"""The generic partner core's store and action runner on a real database, SQLite and PostgreSQL, driven by the toy
kind (tests/support/toy_partner.py): a record opened, acted on, its history and outbox written in one transaction,
sealed at rest; refusals write nothing; versions guard concurrent writers; lists page by cursor."""

import pytest
from sqlalchemy import text

from adapter.errors import InvalidRequest
from adapter.partners import match
from adapter.partners.arbitration.rules import CommissionRules
from adapter.partners.machine import IllegalPartnerTransition
from adapter.partners.service import run_action
from adapter.persistence import partner_store as store
from adapter.persistence.engine import UnitOfWork, make_engine
from adapter.persistence.partner_store import PartnerRecordNotFound, StalePartnerRecord
from adapter.persistence.sealed_types import engine_vault
from adapter.persistence.vault import Vault, new_key
from tests.support import arb_samples
from tests.support.partner_world import PARTNER, PartnerWorld, both_backends, world_fixture  # noqa: F401  (fixtures)
from tests.support.samples import RESIDENT_ID
from tests.support.toy_partner import toy_spec  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("toy_spec")]


def _counts(w: PartnerWorld) -> tuple[int, int, int]:
    with w.uow.engine.connect() as connection:
        return tuple(
            connection.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
            for t in ("partner_records", "partner_events", "partner_outbox")
        )


def test_an_opening_action_stores_the_record_its_history_and_its_message_together(w: PartnerWorld) -> None:
    result = w.file()
    record = result.record
    assert record.record_id.startswith("TR-") and len(record.record_id) == 23
    assert (record.status, record.version, record.partner, record.subject, record.amount) == (
        "OPEN", 1, PARTNER, "JT-0001", "120.50"
    )  # fmt: skip
    assert record.facts["holder"]["id_number"] == RESIDENT_ID and record.facts["filed_at"] == "2026-11-02T01:00:00Z"
    (envelope,) = result.queued
    assert envelope.record_id == record.record_id and envelope.type == "toy.request"
    assert envelope.body == {"subject": "JT-0001", "amount": "120.50"} and envelope.message_id.startswith("PM-")
    (queued,) = w.outbox(record.record_id)
    assert queued.message_id == envelope.message_id and queued.platform == PARTNER and queued.status == "pending"
    (line,) = w.history(record.record_id)
    assert (line.event, line.note, line.from_status, line.to_status, line.actor) == (None, "filed", "OPEN", "OPEN",
                                                                                     "clerk")  # fmt: skip
    assert "13812345678" not in line.detail and "5678" in line.detail  # masked history text


def test_an_action_advances_the_status_merges_facts_and_raises_the_version(w: PartnerWorld) -> None:
    opened = w.file().record
    w.advance(hours=2)
    after = w.act("accept", opened.record_id, {"note": "ok"}, expected_version=1).record
    assert (after.status, after.version) == ("ACCEPTED", 2)
    assert set(after.facts) == {"holder", "filed_at", "accepted_at"}
    assert [(h.event, h.from_status, h.to_status) for h in w.history(opened.record_id)][-1] == (
        "accept", "OPEN", "ACCEPTED"
    )  # fmt: skip
    assert [o.type for o in w.outbox(opened.record_id)] == ["toy.request", "toy.answer"]


@pytest.mark.parametrize(
    ("data", "field", "rule"),
    [
        ({"subject": "", "amount": "1", "holder_id": RESIDENT_ID}, "subject", "string_too_short"),
        ({"subject": "S", "amount": "x", "holder_id": RESIDENT_ID}, "amount", "decimal_parsing"),
        ({"subject": "S", "amount": "1"}, "holder_id", "missing"),
        ({"subject": "S", "amount": "1000.01", "holder_id": RESIDENT_ID}, "amount", "cap"),  # the action's guard
    ],
)
def test_a_bad_input_is_refused_naming_the_field_and_nothing_is_written(
    w: PartnerWorld, data: dict[str, str], field: str, rule: str
) -> None:
    with pytest.raises(InvalidRequest) as refused:
        w.act("file", None, data)
    assert (refused.value.field, refused.value.rule) == (field, rule) and field in str(refused.value)
    assert _counts(w) == (0, 0, 0)


@pytest.mark.parametrize(
    ("action", "record", "options", "field", "rule"),
    [
        ("nope", None, {}, "action", "unknown_action"),
        ("accept", None, {}, "record_id", "opens"),
        ("file", "TR-1", {}, "record_id", "opens"),
        ("file", None, {"partner": None}, "partner", "required"),
    ],
)
def test_a_misaddressed_action_is_refused_naming_what(
    w: PartnerWorld, action: str, record: str | None, options: dict[str, object], field: str, rule: str
) -> None:
    data = {"subject": "S", "amount": "1", "holder_id": RESIDENT_ID} if action == "file" else {}
    with pytest.raises(InvalidRequest) as refused:
        w.act(action, record, data, **options)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def test_unknown_records_illegal_events_stale_versions_and_other_partners_change_nothing(w: PartnerWorld) -> None:
    record_id = w.file().record.record_id
    with pytest.raises(PartnerRecordNotFound):
        w.act("accept", "TR-missing", {})
    with pytest.raises(StalePartnerRecord) as stale:
        w.act("accept", record_id, {}, expected_version=7)
    assert "version 1, not 7" in str(stale.value)
    with pytest.raises(InvalidRequest) as other:
        w.act("accept", record_id, {}, partner="someone-else")
    assert other.value.rule == "wrong_partner"
    w.act("accept", record_id, {})
    before = _counts(w)
    with pytest.raises(IllegalPartnerTransition) as illegal:
        w.act("accept", record_id, {})
    assert "ACCEPTED" in str(illegal.value) and "finish" in str(illegal.value)
    assert _counts(w) == before and w.row(record_id).version == 2


def test_facts_and_queued_messages_are_sealed_at_rest_and_the_match_key_is_a_keyed_index(w: PartnerWorld) -> None:
    record_id = w.file().record.record_id
    with w.uow.engine.connect() as connection:
        facts, key = connection.execute(text("SELECT facts_json, match_key FROM partner_records")).one()
    assert RESIDENT_ID not in facts and "13812345678" not in facts and RESIDENT_ID not in key
    assert key == match.index_value(RESIDENT_ID, engine_vault(w.uow.engine)) and key.startswith("k1:")
    with w.uow.begin() as session:
        found = store.find_by_match_key(session, match.search_values(RESIDENT_ID.lower(), engine_vault(w.uow.engine)))
        assert [r.record_id for r in found] == [record_id]
        assert store.find_by_match_key(session, match.search_values("110105198503071248", None)) == []


def test_records_are_found_by_partner_reference_and_listed_by_cursor_with_filters(w: PartnerWorld) -> None:
    ids = [w.file(subject=f"S{i}").record.record_id for i in range(5)]
    assert ids == sorted(ids)  # sortable ids: creation order
    w.act("accept", ids[1], {})
    with w.uow.begin() as session:
        store.update(session, store.get(session, ids[2]), at=w.now, partner_ref="REF-2")
    with w.uow.begin() as session:
        assert store.find_by_ref(session, PARTNER, "REF-2").record_id == ids[2]  # type: ignore[union-attr]
        assert store.find_by_ref(session, "other", "REF-2") is None
        pages, cursor = [], None
        while True:
            rows, cursor = store.list_records(session, kind="traffic", limit=2, after=cursor)
            pages.append([r.record_id for r in rows])
            if cursor is None:
                break
        assert pages == [ids[0:2], ids[2:4], ids[4:5]]
        accepted, _ = store.list_records(session, status="ACCEPTED", partner=PARTNER)
        assert [r.record_id for r in accepted] == [ids[1]]
        assert store.list_records(session, partner="nobody") == ([], None)


def test_a_data_key_rotation_re_keys_the_match_key_from_the_sealed_identifier(
    w: PartnerWorld, database_url: str
) -> None:
    record_id = w.file().record.record_id
    with w.uow.engine.connect() as connection:
        (sealed,) = connection.execute(text("SELECT match_json FROM partner_records")).one()
    assert RESIDENT_ID not in sealed
    before = engine_vault(w.uow.engine)
    assert before is not None
    vault = Vault([before.keys["k1"], new_key("k2")], "k2")  # k2 added and made active, k1 still held
    engine = make_engine(database_url, vault=vault)
    try:
        rotated = UnitOfWork(engine)
        assert match.reindex(rotated) == (1, [])
        assert match.reindex(rotated) == (0, [])
        with rotated.begin() as session:
            (row,) = store.find_by_match_key(session, [match.index_value(RESIDENT_ID, vault)])
            assert row.record_id == record_id and row.match_key.startswith("k2:")  # type: ignore[union-attr]
    finally:
        engine.dispose()


def test_an_action_linking_a_case_that_does_not_exist_is_refused_naming_the_case_and_writes_nothing(
    w: PartnerWorld,
) -> None:
    """The link is checked before the foreign key could refuse it as if a partner reference were taken."""
    with pytest.raises(InvalidRequest) as refused:
        run_action(w.uow, "arbitration", "submit_application", None, {"application": arb_samples.application()},
                   partner=PARTNER, actor="clerk", now=arb_samples.NOW, rules=CommissionRules())  # fmt: skip
    assert (refused.value.field, refused.value.rule) == ("case_id", "unknown_case")
    assert "C-2026-0001" in str(refused.value) and _counts(w) == (0, 0, 0)
