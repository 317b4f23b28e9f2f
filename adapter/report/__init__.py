"""The monthly report to the regulator (工作月报, partners.md §5): figures from the database, desensitised, scanned
for personal numbers, exported. Nothing here opens sealed personal data.

    model.py          MonthlyReport and its parts (the shape the CLI, the dashboard and the job read); Month
    monthly.py        compute(): a China-time month's figures (every definition, with its source, is there)
    reading.py        the queries: unsealed columns and stored JSON as text, ids in chunks
    deadline_figures.py  deadlines met / late in the month, from the deadline engine
    desensitise.py    small cells suppressed (with complementary suppression) → PublishedReport
    pii.py            the scanner that refuses an export holding an ID, mobile or card number
    export.py         table / json / csv / xlsx (openpyxl, native charts) of a PublishedReport
    publish.py        monthly_report() and publish(): the above as the configuration asks (CLI, dashboard, job)
    store.py          the stored reports (monthly_reports, migration 0015): what the job on the 1st keeps
"""

from adapter.report.desensitise import PublishedReport, desensitise
from adapter.report.model import Figure, Month, MonthlyReport, Table
from adapter.report.monthly import compute
from adapter.report.pii import PiiFound, scan
from adapter.report.publish import monthly_report, publish

__all__ = [
    "Figure",
    "Month",
    "MonthlyReport",
    "PiiFound",
    "PublishedReport",
    "Table",
    "compute",
    "desensitise",
    "monthly_report",
    "publish",
    "scan",
]
