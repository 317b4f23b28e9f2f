"""The partner record page's facts in China time (schemas/fact_times.py): every zoned ISO date-time, at any
depth, reads like the console's other times ("… CST"); dates, zone-less times and text that only looks like a date
(case numbers, IDs, references) stay exactly as stored."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from schemas.fact_times import facts_in_china_time, shown_time

CONVERTED = [  # (as a kind stores it, as the page shows it)
    ("2026-11-30T02:15:00Z", "2026-11-30 10:15:00 CST"),  # aware UTC, "Z"
    ("2026-11-30T02:15:00+00:00", "2026-11-30 10:15:00 CST"),  # aware UTC, offset
    ("2026-11-30T18:30:00Z", "2026-12-01 02:30:00 CST"),  # the China day is the next day
    ("2026-11-30T10:15:00+08:00", "2026-11-30 10:15:00 CST"),  # already China time
    ("2026-11-30T04:15:00-06:00", "2026-11-30 18:15:00 CST"),  # another offset
    ("2026-11-30T02:15:00.123456Z", "2026-11-30 10:15:00 CST"),  # fractions of a second
    ("2026-11-30 02:15Z", "2026-11-30 10:15:00 CST"),  # space, no seconds
    ("2026-11-30T02:15:00+0000", "2026-11-30 10:15:00 CST"),  # offset without a colon
]
KEPT = [
    "2026-11-30",  # a date: a day, not an instant
    "2026-11-30T10:15:00",  # zone-less: its clock is unknown, shown as stored
    "〔2026〕京0105民初123号",  # a court case number
    "(2026)京0105民初123号",
    "110105194912310029",  # an ID number
    "110105********0029",  # a masked one
    "2026-11-30-001",  # a reference that starts like a date
    "JT-2026-11-30T02:15:00Z",  # a time inside a longer text is that text's
    "2026-11-30T02:15:00Z and more",
    "2026-02-30T10:00:00Z",  # not a real day: as stored, never guessed
    "20261130T021500Z",  # the compact form is no kind's format: left alone
    "",
    "２０２６-11-30T02:15:00Z",  # full-width digits are not ISO 8601
]


@pytest.mark.parametrize(("stored", "shown"), CONVERTED)
def test_a_zoned_time_is_shown_in_china_time(stored: str, shown: str) -> None:
    assert shown_time(stored) == shown


@pytest.mark.parametrize("stored", KEPT)
def test_dates_and_date_like_text_stay_as_stored(stored: str) -> None:
    assert shown_time(stored) == stored
    assert facts_in_china_time({"value": stored}) == {"value": stored}


def test_nested_facts_are_walked_and_other_values_kept() -> None:
    facts = {
        "offered_at": "2026-11-30T02:15:00Z",
        "accident": {"date": "2026-11-29", "case_no": "〔2026〕京0105民初123号", "at": "2026-11-29T23:00:00Z"},
        "parties": [{"id_number": "110105********0029", "answered_at": "2026-11-30T09:00:00+08:00"}],
        "hearings": [["2026-12-01T01:00:00Z"]],
        "amount": "88.00",
        "days": 15,
        "paid": True,
        "note": None,
        "kept": datetime(2026, 11, 30, 2, 15, tzinfo=UTC),
    }
    assert facts_in_china_time(facts) == {
        "offered_at": "2026-11-30 10:15:00 CST",
        "accident": {"date": "2026-11-29", "case_no": "〔2026〕京0105民初123号", "at": "2026-11-30 07:00:00 CST"},
        "parties": [{"id_number": "110105********0029", "answered_at": "2026-11-30 09:00:00 CST"}],
        "hearings": [["2026-12-01 09:00:00 CST"]],
        "amount": "88.00",
        "days": 15,
        "paid": True,
        "note": None,
        "kept": "2026-11-30 10:15:00 CST",
    }
    assert facts["offered_at"] == "2026-11-30T02:15:00Z"  # a copy: the record's facts are not changed


def test_a_datetime_object_with_an_offset_is_shown_in_china_time_too() -> None:
    west = timezone(timedelta(hours=-5))
    assert facts_in_china_time([datetime(2026, 11, 30, 7, 0, tzinfo=west)]) == ["2026-11-30 20:00:00 CST"]


def test_the_cli_facts_table_indents_nested_keys_and_shows_times_in_cst() -> None:
    """`docking partners show` (cli/partner_tables.py): the same facts as key/value rows, nested keys indented, list
    items numbered, zoned times in CST, dates left as dates (issue 19)."""
    from cli.partner_tables import fact_rows

    facts = {"holder": {"id_number": "4401**********1230", "since": "2026-11-30T02:15:00Z"},
             "parties": [{"name": "甲"}], "due": "2026-12-04", "empty": {}, "none": None}  # fmt: skip
    assert fact_rows(facts_in_china_time(facts)) == [
        ("holder", ""), ("  id_number", "4401**********1230"), ("  since", "2026-11-30 10:15:00 CST"),
        ("parties", ""), ("  [0]", ""), ("    name", "甲"), ("due", "2026-12-04"), ("empty", "{}"), ("none", ""),
    ]  # fmt: skip
