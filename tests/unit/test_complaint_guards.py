"""Complaint intake guards: every refusal names the field, the rule and the input — a bad identifier, a missing
power of attorney or proof of inheritance, an unknown or mismatched classification, a small claim without a
memorandum, over the cap, or on a track the memorandum does not allow — and the repeat check before forwarding."""

from datetime import timedelta
from typing import Any

import pytest

from adapter.complaints.guards import (
    REPEAT_WINDOW,
    PriorComplaint,
    check_intake,
    complainant_key,
    find_repeat,
    read_complaint,
)
from adapter.complaints.memoranda import Memorandum
from adapter.complaints.states import ComplaintStatus
from adapter.errors import InvalidRequest
from schemas.complaint import Complaint
from tests.support.complaint_samples import (
    AMOUNT_OVER_CAP,
    BANK_USCC,
    DOCUMENT,
    OTHER_RESIDENT_ID,
    OTHER_USCC,
    RECEIVED,
    RESIDENT_ID,
    complaint,
    complaint_data,
    insurer_complaint,
    memorandum,
)

KEY = b"test-key-not-a-secret"
WHO = {"name": "王五", "id_type": "resident_id", "id_number": RESIDENT_ID}  # a person, as complainant or agent
FIRM = {"name": "某律师事务所", "id_type": "uscc", "id_number": BANK_USCC}
PERSON, COMPANY = {"kind": "natural_person", **WHO}, {"kind": "legal_person", **FIRM}


# ---- identifiers: the schema checks them, read_complaint names the field --------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"complainant": {**PERSON, "id_number": "110105198503071231"}}, "complainant.id_number"),  # check digit
        ({"complainant": {**PERSON, "id_number": "990105198503071230"}}, "complainant.id_number"),  # province
        ({"complainant": {**COMPANY, "id_number": "914400001234567890"}}, "complainant.id_number"),  # GB 32100
        (
            {"representative": {"kind": "agent", **WHO, "id_number": "11010519850307123X"}},
            "representative.id_number",
        ),
        (
            {"representative": {"kind": "agent", **FIRM, "id_number": "91440000123456789Z"}},
            "representative.id_number",
        ),
        ({"institution": {"kind": "bank", "name": "某银行", "uscc": "914400001234567898"}}, "institution.uscc"),
    ],
)
def test_a_bad_identifier_is_a_field_error_naming_the_rule(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        read_complaint(complaint_data(**changes))
    assert (caught.value.field, caught.value.rule) == (field, "identifier")
    assert str(caught.value).startswith(f"{field}: ") and "rule identifier" in str(caught.value)
    assert "1985030712" not in str(caught.value) and "12345678" not in str(caught.value)  # masked


@pytest.mark.parametrize(
    ("changes", "field", "rule"),
    [
        ({"amount_in_dispute": "12.345"}, "amount_in_dispute", "value_error"),
        ({"channel": "fax"}, "channel", "enum"),
        ({"track": "express"}, "track", "enum"),
        ({"request": ""}, "request", "string_too_short"),
        (
            {"classification": {"table": "jrt0169", "version": "2018", "business": "B0302"}},
            "classification.cause",
            "missing",
        ),
    ],
)
def test_any_other_schema_error_is_a_field_error_too(changes: dict[str, Any], field: str, rule: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        read_complaint(complaint_data(**changes))
    assert (caught.value.field, caught.value.rule) == (field, rule)


def test_a_good_complaint_reads_as_the_record() -> None:
    assert read_complaint(complaint_data()) == complaint()


# ---- check_intake ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rule", "document"),
    [("agent", "power_of_attorney", "power of attorney (授权委托书)"), ("heir", "proof_of_inheritance", "继承权证明")],
)
def test_a_representative_without_their_document_is_refused_naming_it(kind: str, rule: str, document: str) -> None:
    without = complaint(representative={"kind": kind, **WHO})
    with pytest.raises(InvalidRequest) as caught:
        check_intake(without, None)
    assert (caught.value.field, caught.value.rule) == ("representative.document", rule)
    assert document in str(caught.value) and "王五" in str(caught.value) and f"rule {rule}" in str(caught.value)
    check_intake(complaint(representative={"kind": kind, **WHO, "document": DOCUMENT}), None)


@pytest.mark.parametrize(
    ("record", "field", "rule", "named"),
    [
        (
            complaint(classification={"table": "jrt0169", "version": "2018", "business": "B08", "cause": "C01"}),
            "classification.business",
            "unknown_code",
            "'B08'",
        ),
        (
            complaint(classification={"table": "jrt0169", "version": "2018", "business": "B01", "cause": "C0301"}),
            "classification.cause",
            "unknown_code",
            "'C0301'",
        ),
        (
            complaint(classification={"table": "jrt0169", "version": "2017", "business": "B01", "cause": "C01"}),
            "classification.table",
            "code_table",
            "'2017'",
        ),
        (
            complaint(
                classification={"table": "nfra-insurance", "version": "2020", "business": "L0101", "cause": "D0101"}
            ),
            "classification.table",
            "institution_kind",
            "nfra-insurance version 2020",
        ),
        (
            insurer_complaint(
                classification={"table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C01"}
            ),
            "classification.table",
            "institution_kind",
            "jrt0169 version 2018",
        ),
    ],
)
def test_a_classification_the_tables_refuse_is_refused_naming_field_and_code(
    record: Complaint, field: str, rule: str, named: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_intake(record, None)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert named in str(caught.value)


@pytest.mark.parametrize(
    ("record", "memo", "field", "rule", "named"),
    [
        (complaint(track="small_claim"), None, "track", "memorandum", "'small_claim' needs a memorandum"),
        (
            complaint(track="green_channel"),
            memorandum(),
            "track",
            "memorandum_tracks",
            "allows general, small_claim",
        ),
        (
            complaint(track="small_claim"),
            memorandum(tracks=["general"]),
            "track",
            "memorandum_tracks",
            "signed 2025-06-01",
        ),
        (
            complaint(track="small_claim", amount_in_dispute=str(AMOUNT_OVER_CAP)),
            memorandum(),
            "amount_in_dispute",
            "small_claim_cap",
            "5000.01 yuan is above the small-claim cap of 5000.00 yuan",
        ),
        (
            insurer_complaint(track="small_claim", amount_in_dispute="80000.00"),
            memorandum(small_claim_cap="50000"),
            "amount_in_dispute",
            "small_claim_cap",
            "cap of 50000.00 yuan",
        ),
    ],
)
def test_a_track_the_memorandum_does_not_cover_is_refused(
    record: Complaint, memo: Memorandum | None, field: str, rule: str, named: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        check_intake(record, memo)
    assert (caught.value.field, caught.value.rule) == (field, rule)
    assert named in str(caught.value) and f"rule {rule}" in str(caught.value)


@pytest.mark.parametrize(
    ("record", "memo"),
    [
        (complaint(), None),
        (complaint(track="green_channel"), None),  # the centre's own priority handling: no delegation needed
        (complaint(track="small_claim", amount_in_dispute="5000.00"), memorandum()),  # at the cap
        (complaint(track="green_channel"), memorandum(tracks=["general", "green_channel"])),
        (complaint(amount_in_dispute="900000.00"), memorandum()),  # the cap binds the small-claim track only
        (insurer_complaint(), None),
    ],
)
def test_a_complaint_within_its_memorandum_passes(record: Complaint, memo: Memorandum | None) -> None:
    check_intake(record, memo)


# ---- the repeat check ------------------------------------------------------------------------------------------

NEW = complaint(complaint_id="CP-2026-0100")
NEW_KEY = complainant_key(NEW.complainant, KEY)


def _prior(**changes: Any) -> PriorComplaint:
    fields: dict[str, Any] = {
        "complaint_id": "CP-2026-0001",
        "complainant_key": NEW_KEY,
        "institution_uscc": NEW.institution.uscc,
        "business": NEW.classification.business,
        "cause": NEW.classification.cause,
        "received_at": RECEIVED - timedelta(days=30),
        "status": ComplaintStatus.DECIDED,
    }
    return PriorComplaint(**{**fields, **changes})


@pytest.mark.parametrize(
    ("prior", "repeats"),
    [
        (_prior(), True),
        (_prior(status=ComplaintStatus.CLOSED), True),
        (_prior(status=ComplaintStatus.HANDLING), True),
        (_prior(received_at=RECEIVED - REPEAT_WINDOW), True),  # the window's first instant
        (_prior(institution_uscc=OTHER_USCC), False),
        (_prior(cause="C01"), False),
        (_prior(business="B0301"), False),
        (
            _prior(
                complainant_key=complainant_key(
                    complaint(complainant={**PERSON, "id_number": OTHER_RESIDENT_ID}).complainant, KEY
                )
            ),
            False,
        ),
        (_prior(received_at=RECEIVED - REPEAT_WINDOW - timedelta(seconds=1)), False),
        (_prior(received_at=RECEIVED + timedelta(minutes=1)), False),  # later, not earlier
        (_prior(status=ComplaintStatus.WITHDRAWN), False),
        (_prior(status=ComplaintStatus.MERGED), False),
        (_prior(complaint_id=NEW.complaint_id), False),  # itself
    ],
)
def test_a_repeat_is_the_same_complainant_institution_business_and_cause_within_the_window(
    prior: PriorComplaint, repeats: bool
) -> None:
    assert find_repeat(NEW, [prior], key=NEW_KEY) == (prior if repeats else None)


def test_the_latest_of_several_earlier_complaints_is_the_one_repeated() -> None:
    older, latest = _prior(received_at=RECEIVED - timedelta(days=90)), _prior(complaint_id="CP-2026-0050")
    withdrawn = _prior(
        complaint_id="CP-2026-0070", received_at=RECEIVED - timedelta(days=1), status=ComplaintStatus.WITHDRAWN
    )
    assert find_repeat(NEW, [older, latest, withdrawn], key=NEW_KEY) == latest
    assert find_repeat(NEW, [], key=NEW_KEY) is None


def test_the_window_is_a_setting() -> None:
    prior = _prior(received_at=RECEIVED - timedelta(days=200))
    assert find_repeat(NEW, [prior], key=NEW_KEY) is None
    assert find_repeat(NEW, [prior], key=NEW_KEY, window=timedelta(days=365)) == prior


def test_the_complainant_key_is_keyed_and_follows_the_identifier_not_the_name() -> None:
    renamed = complaint(complainant={**PERSON, "name": "王 五"}).complainant  # the same ID, written differently
    assert complainant_key(renamed, KEY) == complainant_key(complaint(complainant=PERSON).complainant, KEY)
    other = complaint(complainant={**PERSON, "id_number": OTHER_RESIDENT_ID}).complainant
    assert complainant_key(other, KEY) != complainant_key(renamed, KEY)
    assert complainant_key(renamed, b"another key") != complainant_key(renamed, KEY)
    assert RESIDENT_ID not in NEW_KEY and len(NEW_KEY) == 64
    with pytest.raises(ValueError, match="non-empty"):
        complainant_key(renamed, b"")
