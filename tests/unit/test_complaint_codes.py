"""Complaint classification code tables: known and unknown codes per table and version, a table for the other kind
of institution refused, names for display, and each table checked as data (a new version is a new file)."""

from importlib import resources

import pytest

from reference import complaint_codes
from reference.complaint_codes import ClassificationError, CodeTableError, check, describe, load, parse
from schemas.complaint import Classification, InstitutionKind

BANK, INSURER = InstitutionKind.BANK, InstitutionKind.INSURER


def _classification(table: str, version: str, business: str, cause: str) -> Classification:
    return Classification(table=table, version=version, business=business, cause=cause)


@pytest.mark.parametrize(
    ("table", "version", "kind", "business", "cause"),
    [
        ("jrt0169", "2018", BANK, "B0302", "C12"),  # a credit card, a fee
        ("jrt0169", "2018", BANK, "B03", "C01"),  # a 大类 alone is a code too
        ("jrt0169", "2018", BANK, "B99", "C99"),  # "other" is 99
        ("jrt0169", "2018", BANK, "B0601", "C10"),
        ("nfra-insurance", "2020", INSURER, "L0101", "D0101"),  # motor insurance, a claim
        ("nfra-insurance", "2020", INSURER, "L0201", "D0103"),  # ordinary life, surrender
        ("nfra-insurance", "2020", INSURER, "L99", "D03"),
    ],
)
def test_a_listed_code_passes(table: str, version: str, kind: InstitutionKind, business: str, cause: str) -> None:
    check(_classification(table, version, business, cause), kind)


@pytest.mark.parametrize(
    ("table", "version", "kind", "business", "cause", "field", "value"),
    [
        ("jrt0169", "2018", BANK, "B07", "C01", "classification.business", "B07"),
        ("jrt0169", "2018", BANK, "B0303", "C01", "classification.business", "B0303"),
        ("jrt0169", "2018", BANK, "b0302", "C01", "classification.business", "b0302"),
        ("jrt0169", "2018", BANK, "L0101", "C01", "classification.business", "L0101"),  # an insurer's line
        ("jrt0169", "2018", BANK, "B0302", "C13", "classification.cause", "C13"),
        ("jrt0169", "2018", BANK, "B0302", "D0101", "classification.cause", "D0101"),
        ("nfra-insurance", "2020", INSURER, "L0110", "D0101", "classification.business", "L0110"),
        ("nfra-insurance", "2020", INSURER, "B0302", "D0101", "classification.business", "B0302"),
        ("nfra-insurance", "2020", INSURER, "L0101", "C01", "classification.cause", "C01"),
        ("nfra-insurance", "2020", INSURER, "L0101", "D0105", "classification.cause", "D0105"),
    ],
)
def test_an_unlisted_code_names_the_field_the_code_and_the_table_version(
    table: str, version: str, kind: InstitutionKind, business: str, cause: str, field: str, value: str
) -> None:
    with pytest.raises(ClassificationError) as caught:
        check(_classification(table, version, business, cause), kind)
    refused = caught.value
    assert (refused.field, refused.value, refused.rule) == (field, value, "unknown_code")
    assert (refused.table, refused.version) == (table, version)
    assert field in str(refused) and repr(value) in str(refused) and f"{table} version {version}" in str(refused)


@pytest.mark.parametrize(
    ("table", "version", "kind"),
    [("nfra-insurance", "2020", BANK), ("jrt0169", "2018", INSURER)],
)
def test_a_table_for_the_other_kind_of_institution_is_refused(table: str, version: str, kind: InstitutionKind) -> None:
    codes = load(table, version)
    business, cause = next(iter(codes.codes["business"])), next(iter(codes.codes["cause"]))
    with pytest.raises(ClassificationError) as caught:
        check(_classification(table, version, business, cause), kind)
    assert (caught.value.field, caught.value.rule) == ("classification.table", "institution_kind")
    assert f"{table} version {version}" in str(caught.value) and kind.value in str(caught.value)


@pytest.mark.parametrize(
    ("table", "version"),
    [("jrt0169", "2019"), ("jrt0169", "2018.1"), ("cbirc-insurance", "2020"), ("../reference/causes", "x"), ("", "")],
)
def test_a_table_or_version_not_shipped_is_refused_naming_both(table: str, version: str) -> None:
    with pytest.raises(ClassificationError) as caught:
        check(_classification(table or "x", version or "x", "B01", "C01"), BANK)
    assert (caught.value.field, caught.value.rule) == ("classification.table", "code_table")
    assert "jrt0169/2018" in str(caught.value)  # says what is shipped


def test_names_for_display_carry_the_ancestors_and_the_table() -> None:
    bank = describe(_classification("jrt0169", "2018", "B0302", "C12"))
    assert (bank.business, bank.cause) == ("银行卡类 › 信用卡", "因定价收费引起的投诉")
    assert "jrt0169 version 2018" in bank.table
    insurer = describe(_classification("nfra-insurance", "2020", "L0101", "D0101"))
    assert (insurer.business, insurer.cause) == ("财产保险 › 机动车辆保险", "保险合同纠纷 › 理赔纠纷")
    assert load("jrt0169", "2018").describe("channel", "A01035") == "前台业务渠道 › 电子渠道 › 短信"
    with pytest.raises(ClassificationError, match=r"classification\.cause"):
        describe(_classification("jrt0169", "2018", "B0302", "C77"))


def test_every_shipped_table_names_its_file_and_says_what_is_confirmed() -> None:
    shipped = complaint_codes.shipped_tables()
    assert {(t.table, t.version, t.institution_kind) for t in shipped} >= {
        ("jrt0169", "2018", BANK),
        ("nfra-insurance", "2020", INSURER),
    }
    folder = resources.files("reference").joinpath(complaint_codes.FOLDER)
    for codes in shipped:
        text = folder.joinpath(f"{codes.table}-{codes.version}.toml").read_text(encoding="utf-8")
        if codes.status == "unconfirmed":
            assert "STATUS: *unconfirmed*" in text and "- confirmed" in text and "NOT confirmed" in text
        assert codes.codes["business"] and codes.codes["cause"]


_TABLE = """
[meta]
table = "jrt0169"
version = "{version}"
institution_kind = "bank"
title = "t"
source = "s"
status = "{status}"
levels = [2, 2, 1]
prefixes = {{ business = "B", cause = "C" }}
[business]
{business}
[cause]
"C01" = "服务"
"""


def _table(business: str, *, version: str = "2018.1", status: str = "unconfirmed") -> str:
    return _TABLE.format(version=version, status=status, business=business)


def test_a_new_version_is_a_file_of_its_own_name() -> None:
    codes = parse(_table('"B01" = "储蓄"\n"B0101" = "活期"'), "jrt0169-2018.1.toml")
    assert (codes.table, codes.version, codes.parent("B0101")) == ("jrt0169", "2018.1", "B01")
    with pytest.raises(CodeTableError, match=r"must be named jrt0169-2018\.1\.toml"):
        parse(_table('"B01" = "储蓄"'), "jrt0169-2018.toml")


@pytest.mark.parametrize(
    ("business", "status", "message"),
    [
        ('"B0101" = "活期"', "unconfirmed", "its parent B01 is not listed"),
        ('"B01" = "储蓄"\n"B010101" = "x"', "unconfirmed", "not B followed by 2 or 4 or 5 digits"),
        ('"X01" = "储蓄"', "unconfirmed", "not B followed by"),
        ('"B1" = "储蓄"', "unconfirmed", "not B followed by"),
        ('"B99" = "储蓄"', "unconfirmed", "'other' code"),
        ('"B01" = "储蓄"\n"B01091" = "活期"', "unconfirmed", "its parent B0109 is not listed"),
        ('"B01" = "储蓄"', "maybe", "status must be confirmed or unconfirmed"),
    ],
)
def test_a_table_that_breaks_its_own_rules_is_refused_naming_the_entry(
    business: str, status: str, message: str
) -> None:
    with pytest.raises(CodeTableError, match=message):
        parse(_table(business, status=status), "jrt0169-2018.1.toml")
