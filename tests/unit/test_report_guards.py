"""The monthly report's guards without a database: the PII scanner (table-driven), small-cell suppression with
its complementary cells, and the month an operator types."""

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from adapter.config.settings import Settings
from adapter.report import Month, MonthlyReport, PiiFound, Table, desensitise, publish, scan
from adapter.report.model import InvalidMonth, table
from adapter.report.pii import find, luhn
from adapter.report.publish import TotalsDoNotCrossFoot
from schemas.clock import CHINA

REFUSED = {
    "resident ID": ("110105198503071230", "resident ID"),
    "resident ID, X check": ("11010519491231002X", "resident ID"),
    "resident ID, lower-case x": ("某人11010519491231002x", "resident ID"),
    "resident ID after Chinese text": ("身份证号440106199003071231号", "resident ID"),
    "resident ID, full-width digits": ("１１０１０５１９８５０３０７１２３０", "resident ID"),
    "Hong Kong residence permit": ("810000199001010019", "resident ID"),
    "permanent-residence card": ("944840199001010016", "resident ID"),
    "old 15-digit resident ID": ("身份证440106850307123", "resident ID (15 digits)"),
    "unified social credit code": ("914400001234567899", "unified social credit code"),
    "mobile": ("13812345678", "mobile number"),
    "mobile after +86, grouped": ("联系 +86 138 1234 5678", "mobile number"),
    "mobile with dashes": ("138-1234-5678", "mobile number"),
    "card, 16 digits": ("4111111111111111", "bank card number"),
    "card, 19 digits": ("6212261202003456788", "bank card number"),
    "card, grouped by spaces": ("卡号 6222 0212 3456 7894", "bank card number"),
}
LET_THROUGH = {
    "an amount": "74146.42",
    "a large amount": "1234567890123.45",
    "a month": "2026-11",
    "a court with its code": "广州市越秀区人民法院 (粤0104)",
    "an ID with a wrong check digit": "110105198503071231",
    "16 digits failing Luhn": "4111111111111112",
    "12 digits": "123456789012",
    "15 digits that are no old ID (no province 00)": "001234567890123",
    "a landline-length number, not a mobile": "12345678901",
    "a percentage": "70.54",
}


@pytest.mark.parametrize(("text", "kind"), REFUSED.values(), ids=REFUSED.keys())
def test_the_scanner_finds_each_kind_of_personal_number(text: str, kind: str) -> None:
    """Each planted number is found, named by kind, and shown masked."""
    found = find(text)
    assert found is not None and found[0] == kind
    digits = "".join(c for c in text.translate({c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}) if c.isalnum())
    assert digits[-18:] not in found[1] and "*" in found[1]


@pytest.mark.parametrize("text", LET_THROUGH.values(), ids=LET_THROUGH.keys())
def test_the_scanner_lets_figures_and_names_through(text: str) -> None:
    assert find(text) is None


def test_luhn_matches_the_published_check() -> None:
    """ISO/IEC 7812: the standard test numbers pass, a changed digit fails."""
    assert luhn("79927398713") and not luhn("79927398710")


COUNTS = (
    "received accepted declined acceptance_overdue closed successful jc_applied jc_confirmed jc_rejected "
    "jc_not_accepted jc_withdrawn deadlines_met deadlines_missed deadline_alerts messages_queued "
    "messages_delivered messages_pending messages_dead quarantined"
)
REPORT = MonthlyReport(
    month=Month(2026, 11),
    computed_at=datetime(2026, 12, 1, 6, 0, tzinfo=CHINA),
    **dict.fromkeys(COUNTS.split(), 0),
    amount_claimed=Decimal("0.00"),
    amount_settled=Decimal("0.00"),
    handling_days_mean=None,
    handling_days_median=None,
)


@pytest.mark.parametrize(
    "where",
    ["row label", "table title"],
)
def test_a_planted_number_refuses_the_export_naming_the_cell(where: str) -> None:
    """The error names the table and the row (or the title), and never shows the number whole."""
    planted = table("received_by_institution", "Received by institution", "institution", {"某银行": 5, "其他": 4})
    if where == "row label":
        planted = replace(planted, rows=(("某银行", 5), ("张三 13812345678", 4)))
    else:
        planted = replace(planted, title="机构 6222021234567894")
    with pytest.raises(PiiFound) as refused:
        scan(desensitise(replace(REPORT, tables=(planted,)), 3))
    message = str(refused.value)
    if where == "row label":
        assert "table 'received_by_institution' row 2 (institution)" in message and "mobile number" in message
        assert "13812345678" not in message
    else:
        assert "table 'received_by_institution' title" in message and "bank card number" in message
        assert "6222021234567894" not in message


def _published(counts: dict[str, int], min_cell: int = 3) -> tuple[dict[str, int | None], int | None]:
    report = replace(REPORT, tables=(table("t", "T", "court", counts),))
    (published,) = desensitise(report, min_cell).tables
    return dict(published.rows), published.total


SUPPRESSION = {
    "nothing small": ({"a": 10, "b": 3}, {"a": 10, "b": 3}, 13),
    "zero is shown": ({"a": 10, "b": 0}, {"a": 10, "b": 0}, 10),
    # one small cell: the next smallest joins it, or the total would give it away
    "complementary cell": ({"a": 10, "b": 5, "c": 1}, {"a": 10, "b": None, "c": None}, 16),
    # two small cells summing below min_cell: a third joins them
    "two small, summing below": ({"a": 10, "b": 4, "c": 1, "d": 1}, {"a": 10, "b": None, "c": None, "d": None}, 16),
    "two small, summing enough": ({"a": 10, "b": 2, "c": 2}, {"a": 10, "b": None, "c": None}, 14),
    # one small cell alone: the total is hidden too
    "a lone small cell": ({"a": 2}, {"a": None}, None),
}


@pytest.mark.parametrize(("counts", "shown", "total"), SUPPRESSION.values(), ids=SUPPRESSION.keys())
def test_small_cells_are_suppressed_with_complementary_cells(
    counts: dict[str, int], shown: dict[str, int | None], total: int | None
) -> None:
    assert _published(counts) == (shown, total)


def test_non_personal_tables_and_headline_figures_are_never_suppressed() -> None:
    """Messages count no one; headline figures are centre-wide totals."""
    report = replace(
        REPORT, received=1, tables=(Table("messages", "Messages", "status", (("dead", 1),), personal=False),)
    )
    published = desensitise(report, 3)
    assert published.tables[0].rows == (("dead", 1),)
    assert {f.key: f.value for f in published.figures}["received"] == 1


def test_suppressed_cells_show_as_less_than_min_cell() -> None:
    published = desensitise(replace(REPORT, tables=(table("t", "T", "court", {"a": 9, "b": 1}),)), 5)
    assert published.to_dict()["tables"][0]["rows"] == [["a", "<5"], ["b", "<5"]]


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-1", "26-10", "2026/10", "October", "", "1999-12", "2026-00", "3000-01"]
)
def test_a_bad_month_is_refused_naming_it(text: str) -> None:
    with pytest.raises(InvalidMonth, match="YYYY-MM") as refused:
        Month.parse(text)
    assert repr(text) in str(refused.value)


def test_a_month_runs_from_china_midnight_to_china_midnight() -> None:
    """2026-11 in UTC: 10-31 16:00 to 11-30 16:00."""
    month = Month.parse("2026-11")
    assert month.start.isoformat() == "2026-11-01T00:00:00+08:00" and month.end == Month(2026, 12).start
    assert Month(2026, 12).next() == Month(2027, 1) and Month(2026, 1).previous() == Month(2025, 12)
    assert Month.containing(datetime(2026, 11, 30, 16, 10, tzinfo=CHINA).astimezone(CHINA)) == Month(2026, 11)


def test_a_breakdown_that_does_not_sum_to_its_figure_is_never_published() -> None:
    """partners.md §5: totals cross-foot; a report that does not is a bug, refused naming the table."""
    settings = Settings()
    good = replace(REPORT, received=5, tables=(table("received_by_court", "Court", "court", {"a": 3, "b": 2}),))
    assert publish(good, settings).tables[0].total == 5
    with pytest.raises(TotalsDoNotCrossFoot, match="'received_by_court' sums to 5, but received is 6"):
        publish(replace(good, received=6), settings)
