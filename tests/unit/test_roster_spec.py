"""The ROSTER spec as the core sees it: registered, its bodies by type, inbound refusals naming field and rule (the
core quarantines those), the statistics snapshots (opened, replaced only by a newer one), the platform status we
expect of each record, the repair of a lost upsert or registration, and the statistics reconciliation."""

from typing import Any

import pytest

from adapter.errors import InvalidRequest
from adapter.partners.roster.inbound import on_message, stats_ref
from adapter.partners.roster.spec import ROSTER, differences, our_counts
from adapter.partners.spec import PartnerRecord, PartnerSpec
from adapter.partners.specs import spec_for
from schemas.partner import PartnerEnvelope
from schemas.roster import MESSAGE_BODIES, Mediator, MediatorRetireBody, OfflineRegistration, Organisation
from tests.support.roster_samples import RULES, T0, mediator, mediator_record, org_record, registration_record, step


def envelope(type: str, body: dict[str, Any], record: PartnerRecord | None = None) -> PartnerEnvelope:
    return PartnerEnvelope(
        message_id="in-1", kind="roster", partner="spc", record_id=record.record_id if record else None,
        type=type, sent_at=T0, body=body,
    )  # fmt: skip


def test_registered_under_its_kind_with_every_message_type() -> None:
    spec: PartnerSpec = ROSTER
    assert spec_for("roster") is spec
    for type, model in MESSAGE_BODIES.items():
        assert spec.body_model(type) is model
    with pytest.raises(KeyError):
        spec.body_model("roster.nonsense")
    assert set(spec.actions) >= {"upsert_org", "upsert_mediator", "submit", "retire", "register_case"}
    assert [n for n, act in spec.actions.items() if act.opens] == ["upsert_org", "upsert_mediator", "register_case"]


@pytest.mark.parametrize(
    ("type", "body", "record", "field", "rule"),
    [
        ("roster.org_upsert", {}, None, "type", "message_type"),  # ours, never the platform's
        ("roster.bogus", {}, None, "type", "message_type"),
        ("roster.certified", {"certified_at": "2026-03-02T10:00:00+08:00"}, None, "platform_id", "missing"),
        ("roster.certified", {"platform_id": "X", "certified_at": "2026-03-02"}, None, "certified_at", "value_error"),
        ("roster.certified", {"platform_id": "X", "certified_at": "2026-03-02T10:00:00+08:00"}, None, "record_id",
         "unknown_record"),
        ("case.offline_registered", {"platform_case_id": "P", "registered_at": "2026-03-02T10:00:00+08:00"},
         "org", "record_id", "entity"),
        ("roster.rejected", {"reason": "x", "rejected_at": "2026-03-02T10:00:00+08:00"}, "registration", "record_id",
         "entity"),
        ("stats.snapshot", {"month": "2026-13", "counts": {}, "taken_at": "2026-03-02T10:00:00+08:00"}, None, "month",
         "value_error"),
        ("stats.snapshot", {"month": "2026-02", "counts": {"mediators": -1}, "taken_at": "2026-03-02T10:00:00+08:00"},
         None, "counts", "value_error"),
    ],
)  # fmt: skip
def test_a_message_that_cannot_apply_is_refused_naming_field_and_rule(
    type: str, body: dict[str, Any], record: str | None, field: str, rule: str
) -> None:
    target = {"org": org_record("SUBMITTED"), "registration": registration_record()}.get(record or "")
    with pytest.raises(InvalidRequest) as refused:
        on_message(target, envelope(type, body, target), T0, RULES)
    assert (refused.value.field, refused.value.rule) == (field, rule)


def snapshot(taken_at: str, registered: int) -> dict[str, Any]:
    return {"month": "2026-02", "counts": {"registered": registered, "mediators": 3}, "taken_at": taken_at}


def test_a_months_statistics_open_a_record_and_only_a_newer_snapshot_replaces_them() -> None:
    change = on_message(None, envelope("stats.snapshot", snapshot("2026-03-01T08:00:00+08:00", 5)), T0, RULES)
    assert (change.event, change.partner_ref) == ("record_statistics", stats_ref("2026-02")) == (
        "record_statistics", "stats:2026-02",
    )  # fmt: skip
    stats = step(None, change)
    assert stats.status == "RECORDED" and ROSTER.partner_status(stats) is None
    newer = on_message(stats, envelope("stats.snapshot", snapshot("2026-03-02T08:00:00+08:00", 6)), T0, RULES)
    assert newer.note == "stats_snapshot" and newer.facts["counts"]["registered"] == 6
    stats = step(stats, newer)
    older = on_message(stats, envelope("stats.snapshot", snapshot("2026-03-01T09:00:00+08:00", 4)), T0, RULES)
    assert older.note == "stats_snapshot" and older.facts == {}  # out of order: kept in history, not applied
    other_month = {**snapshot("2026-03-03T08:00:00+08:00", 1), "month": "2026-01"}
    with pytest.raises(InvalidRequest) as refused:
        on_message(stats, envelope("stats.snapshot", other_month), T0, RULES)
    assert refused.value.rule == "statistics_month"


SENT = {"sent_at": "2026-03-02T09:30:00+08:00"}
# (record, what the platform says) → our expected status, and the message type repair resends (None: nothing)
REPAIRS = [
    (org_record("DRAFT"), None, None, None),
    (org_record("SUBMITTED", **SENT), "unknown", "pending", "roster.org_upsert"),
    (org_record("SUBMITTED", **SENT), None, "pending", "roster.org_upsert"),
    (org_record("SUBMITTED", **SENT), "certified", "pending", None),  # decided; the answer is on its way
    (org_record("ACTIVE", **SENT), "certified", "certified", None),
    (mediator_record("SUSPENDED", **SENT), "certified", "suspended", "roster.mediator_upsert"),  # a lost suspension
    (mediator_record("RETIRED", **SENT, reason="离职"), "certified", "retired", "roster.mediator_retire"),
    (mediator_record("RETIRED", **SENT, removed=True), "certified", "retired", None),
    (mediator_record("REJECTED", **SENT), "certified", "rejected", None),  # an operator decides
    (mediator_record("EXPIRED", **SENT), "certified", "expired", "roster.mediator_upsert"),
    (registration_record("PENDING"), "unknown", "pending", "case.offline_register"),
    (registration_record("REGISTERED"), None, "registered", "case.offline_register"),
    (registration_record("REGISTERED"), "registered", "registered", None),
    (registration_record("REGISTRATION_REJECTED"), "pending", "rejected", None),
]


@pytest.mark.parametrize(("record", "theirs", "ours", "resent"), REPAIRS)
def test_partner_status_and_repair(
    record: PartnerRecord, theirs: str | None, ours: str | None, resent: str | None
) -> None:
    assert ROSTER.partner_status(record) == ours
    out = ROSTER.repair(record, theirs, T0)
    assert [o.type for o in out] == ([resent] if resent else [])
    for o in out:
        expected = {
            "roster.org_upsert": Organisation,
            "roster.mediator_upsert": Mediator,
            "roster.mediator_retire": MediatorRetireBody,
            "case.offline_register": OfflineRegistration,
        }
        assert isinstance(o.body, expected[o.type])  # fmt: skip


def test_our_counts_against_the_platforms_show_each_difference() -> None:
    records = [
        org_record("ACTIVE"),
        *(mediator_record(s, mediator(n)) for n, s in enumerate(("ACTIVE", "SUSPENDED", "CERTIFIED", "RETIRED"), 1)),
        registration_record("REGISTERED", registered_at="2026-02-28T23:30:00+08:00"),
        registration_record("REGISTERED", registered_at="2026-02-28T16:30:00+00:00"),  # 00:30 CST on 1 March
        registration_record("PENDING"),
    ]
    ours = our_counts(records, "2026-02")
    assert ours == {"organisations": 1, "mediators": 3, "registered": 1}
    assert differences(ours, {"organisations": 1, "mediators": 4, "registered": 1, "cases": 2}) == {
        "cases": (0, 2), "mediators": (3, 4),
    }  # fmt: skip
    assert differences(ours, dict(ours)) == {}
