"""Small-cell suppression (partners.md §5 "Guards": aggregates only, small cells suppressed, totals cross-foot).

A case-count cell from 1 to `min_cell` − 1 could point at a person (the one case of a cause at a court), so it is
shown as "<min_cell" (`[report] min_cell`, default 3). Zero points at nobody and is shown. Headline figures are
centre-wide totals and are shown; breakdowns of non-personal counts (messages) are shown whole.

Complementary suppression: every breakdown's total is published (it cross-foots to a headline figure), so a
single suppressed cell would be the total minus the cells shown. Whenever a table suppresses anything, the
smallest further non-zero cells are suppressed too until at least two are and the suppressed cells together
hold at least `min_cell` cases — so neither one cell nor a pair of small ones can be worked back from the total.
If no cell is left to add, the table's total is suppressed as well. (Each table is protected on its own: the
breakdowns are one-way, never crossed, so no cell of one table is a sum of another's.)
"""

from dataclasses import dataclass
from typing import Any

from adapter.report.model import Figure, Month, MonthlyReport, Table, _json_value

Cell = int | None  # None: suppressed


@dataclass(frozen=True)
class PublishedTable:
    key: str
    title: str
    column: str
    rows: tuple[tuple[str, Cell], ...]  # as in the Table, suppressed cells None
    total: Cell  # None only when suppression had nothing left to hide a lone cell with
    suppressed: int  # how many cells are hidden


@dataclass(frozen=True)
class PublishedReport:
    """What may leave the adapter: headline figures, and the tables with small cells hidden."""

    month: Month
    computed_at: str  # ISO 8601, China time
    min_cell: int
    figures: tuple[Figure, ...]
    tables: tuple[PublishedTable, ...]

    @property
    def hidden(self) -> str:
        """How a suppressed cell is shown."""
        return f"<{self.min_cell}"

    def shown(self, cell: Cell) -> str:
        return self.hidden if cell is None else str(cell)

    def table(self, key: str) -> PublishedTable:
        return next(t for t in self.tables if t.key == key)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready; suppressed cells as the string "<min_cell"."""
        return {
            "month": str(self.month),
            "computed_at": self.computed_at,
            "zone": "CST (UTC+08:00)",
            "suppression": {"min_cell": self.min_cell, "shown_as": self.hidden},
            "definitions": DEFINITIONS,
            "figures": [
                {"key": f.key, "label": f.label, "value": _json_value(f.value), "unit": f.unit} for f in self.figures
            ],
            "tables": [
                {
                    "key": t.key,
                    "title": t.title,
                    "column": t.column,
                    "rows": [[label, self.hidden if n is None else n] for label, n in t.rows],
                    "total": self.hidden if t.total is None else t.total,
                }
                for t in self.tables
            ],
        }


# Embedded in every export (partners.md §5 "Suggested model": definitions embedded).
DEFINITIONS = {
    "success_rate": "successful ÷ closed in the month, percent (partners.md §5; 340/482 = 70.54 % [P67a])",
    "successful": "closed with outcome 1, an agreement reached in the mediation [S2 Art 25]",
    "closed": "mediation ended in the month: agreement effective or a failure outcome 2–8",
    "amounts": "Decimal yuan; claimed over the cases received, settled over the agreements of the cases settled",
    "handling_days": "working days (State Council holidays and 调休) from receipt to the end, of the cases closed",
    "zone": "months and times in China time (CST, UTC+08:00)",
    "complaints_forwarded_same_day": "complaints forwarded to the institution on the China calendar day received "
    "(当日接收、当日转办 [P67a])",
    "complaints_settled": "complaints decided upheld, partly upheld or settled in the month, and small claims paid "
    "in the month (a complaint once); amount: remedy amounts and payments, Decimal yuan",
    "small_claim_working_days": "working days from receipt to the institution's payment, of the small claims paid "
    "in the month (reported, not enforced [P67a])",
}


def desensitise(report: MonthlyReport, min_cell: int) -> PublishedReport:
    """The report as it may be exported; `min_cell` ≥ 1 (1: nothing suppressed)."""
    if min_cell < 1:
        raise ValueError(f"min_cell must be at least 1, not {min_cell}")
    return PublishedReport(
        month=report.month,
        computed_at=report.computed_at.isoformat(),
        min_cell=min_cell,
        figures=report.headline(),
        tables=tuple(_suppress(t, min_cell) for t in report.tables),
    )


def _suppress(table: Table, min_cell: int) -> PublishedTable:
    if not table.personal:
        return PublishedTable(table.key, table.title, table.column, table.rows, table.total, 0)
    hidden = {i for i, (_, n) in enumerate(table.rows) if 0 < n < min_cell}
    total: Cell = table.total
    if hidden:
        while len(hidden) < 2 or sum(table.rows[i][1] for i in hidden) < min_cell:
            spare = [i for i, (_, n) in enumerate(table.rows) if n > 0 and i not in hidden]
            if not spare:
                total = None  # a lone small cell would be the total itself
                break
            hidden.add(min(spare, key=lambda i: (table.rows[i][1], i)))
    rows = tuple((label, None if i in hidden else n) for i, (label, n) in enumerate(table.rows))
    return PublishedTable(table.key, table.title, table.column, rows, total, len(hidden))
