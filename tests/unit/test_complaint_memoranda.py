"""Memoranda: the fields an institution may not receive are removed exactly (and listed), a memorandum naming a
required or unknown field is refused at load naming it, and the MoU's tracks and cap are held to their rules."""

import tomllib
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from adapter.complaints.memoranda import Memorandum, withhold, withholdable
from tests.support.complaint_samples import DOCUMENT, RESIDENT_ID, complaint, memorandum

AGENT = {"kind": "agent", "name": "王五", "id_type": "resident_id", "id_number": RESIDENT_ID, "phone": "13900001111"}


def _dump_without(record: Any, paths: tuple[str, ...]) -> dict[str, Any]:
    data = record.model_dump(mode="json")
    for path in paths:
        *parents, last = path.split(".")
        node = data
        for part in parents:
            node = node[part]
        node.pop(last)
    return data


@pytest.mark.parametrize(
    ("withheld", "removed"),
    [
        ((), ()),
        (("complainant.phone",), ("complainant.phone",)),
        (("complainant.phone", "complainant.address"), ("complainant.phone", "complainant.address")),
        (("attachments",), ("attachments",)),
        (("representative",), ("representative",)),
        (("representative.phone", "representative.document"), ("representative.phone", "representative.document")),
        (("institution.branch", "attachments"), ("institution.branch", "attachments")),
        # held no value: nothing to remove, so not listed as withheld
        (("complainant.legal_representative", "repeat_of"), ()),
    ],
)
def test_withhold_removes_exactly_the_configured_fields_and_lists_them(
    withheld: tuple[str, ...], removed: tuple[str, ...]
) -> None:
    original = complaint(representative={**AGENT, "document": DOCUMENT})
    sent, listed = withhold(original, memorandum(withheld=list(withheld)))
    assert listed == removed
    for path in removed:
        value: Any = sent
        for part in path.split("."):
            value = getattr(value, part)
        assert value in (None, ())
    # everything else is untouched
    assert _dump_without(sent, withheld) == _dump_without(original, withheld)


def test_withholding_inside_an_absent_representative_removes_nothing() -> None:
    original = complaint()
    assert withhold(original, memorandum(withheld=["representative.phone"])) == (original, ())
    assert withhold(original, None) == (original, ())


@pytest.mark.parametrize(
    "path",
    [
        "complainant.id_number",
        "complainant.name",
        "institution.uscc",
        "classification.cause",
        "amount_in_dispute",
        "facts",
        "representative.name",
        "track",  # has a default, but removing it would send "general" for a small claim
        "undisputed",
    ],
)
def test_a_memorandum_withholding_a_required_field_is_refused_naming_it(path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        memorandum(withheld=[path])
    (error,) = caught.value.errors()
    assert error["loc"] == ("withheld",)
    assert repr(path) in error["msg"] and "must receive" in error["msg"]


@pytest.mark.parametrize("path", ["complainant.email", "phone", "representative.documents", "attachments.0", ""])
def test_a_memorandum_withholding_an_unknown_field_is_refused_naming_it(path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        memorandum(withheld=[path])
    assert repr(path) in str(caught.value) and "is not a field of a complaint" in str(caught.value)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"withheld": ["representative", "representative.phone"]}, "already withheld with 'representative'"),
        ({"withheld": ["attachments", "attachments"]}, "listed twice"),
        ({"tracks": ["small_claim"]}, "must include 'general'"),
        ({"tracks": ["general", "express"]}, "tracks"),
        ({"small_claim_cap": "0.00"}, "small_claim_cap must be above 0.00"),
        ({"small_claim_cap": 5000.5}, "not a float"),
        ({"delegated_authority": ""}, "delegated_authority"),
        ({"signed_on": "2025-02-30"}, "signed_on"),
        ({"fields_seen": ["complainant.phone"]}, "fields_seen"),  # a typo is refused, never ignored
    ],
)
def test_a_memorandum_breaking_its_rules_is_refused(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        memorandum(**changes)


def test_a_memorandum_without_small_claims_may_have_a_zero_cap() -> None:
    memo = memorandum(tracks=["general", "green_channel"], small_claim_cap="0")
    assert memo.small_claim_cap == Decimal("0.00")


def test_the_withholdable_fields_are_the_optional_ones() -> None:
    assert withholdable() == {
        "complainant.phone",
        "complainant.address",
        "complainant.legal_representative",
        "representative",
        "representative.phone",
        "representative.document",
        "institution.branch",
        "attachments",
        "repeat_of",
    }


EXAMPLE = """
[platforms.cardcentre-gz.memorandum]
signed_on = 2025-06-01
small_claim_cap = "5000.00"
delegated_authority = "调解员可在 5000 元以内径行作出调解决定，机构承诺履行"
tracks = ["general", "small_claim", "green_channel"]
withheld = ["complainant.address", "representative.phone"]
"""


def test_the_example_memorandum_of_the_settings_loads() -> None:
    memo = Memorandum.model_validate(tomllib.loads(EXAMPLE)["platforms"]["cardcentre-gz"]["memorandum"])
    assert memo.small_claim_cap == Decimal("5000.00") and memo.signed_on.isoformat() == "2025-06-01"
    assert memo.withheld == ("complainant.address", "representative.phone")
