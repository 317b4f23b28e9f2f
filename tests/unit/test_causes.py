"""Case causes: 2020-catalogue names, an unknown one quarantined (never guessed), platform numeric codes mapped."""

import json
from dataclasses import replace
from pathlib import Path

import pytest

from mappings import odr_rest
from mappings.causes import causes
from mappings.codes import UnknownCode
from mappings.court_fields import case_to_canonical
from sandbox import data

SAMPLE = Path(__file__).parents[1] / "data" / "odr_rest" / "dispatch.json"


def _ajxx(cause: str) -> dict:
    ajxx = json.loads(SAMPLE.read_text(encoding="utf-8"))["ajxx"]
    ajxx["ay"] = cause
    return ajxx


def test_the_catalogue_covers_the_finance_causes_and_traffic_accidents() -> None:
    names = causes().names
    for name in ("信用卡纠纷", "金融借款合同纠纷", "财产保险合同纠纷", "人身保险合同纠纷", "机动车交通事故责任纠纷"):
        assert name in names
    assert causes().version
    assert all(cause in names for cause, _ in data.CAUSES)  # what the sandbox court dispatches


def test_a_cause_outside_the_catalogue_names_platform_table_field_and_value() -> None:
    with pytest.raises(UnknownCode) as caught:
        case_to_canonical(_ajxx("信用卡纠葛"), "A1", odr_rest.tables("court-gz"))
    assert (caught.value.platform, caught.value.table, caught.value.field, caught.value.value) == (
        "court-gz",
        "cause",
        "ajxx.ay",
        "信用卡纠葛",
    )


def test_a_platform_that_sends_numeric_codes_maps_them_in_its_own_table() -> None:
    base = odr_rest.tables("court-gz")
    tables = replace(base, tables={**base.tables, "cause": {"9299": "信用卡纠纷"}})
    assert case_to_canonical(_ajxx("9299"), "A1", tables).cause == "信用卡纠纷"
    with pytest.raises(UnknownCode, match="'9300'"):
        case_to_canonical(_ajxx("9300"), "A1", tables)
