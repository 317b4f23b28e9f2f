"""The stored monthly reports (monthly_reports, adapter/persistence/report_tables.py): what the job on the 1st keeps.

The body is MonthlyReport.to_dict() as canonical JSON (sorted keys, UTF-8), scanned (pii.py) before it is written —
a report that would fail an export is not stored either; `sha256` is the digest of exactly those bytes. A month
computed again (`docking report monthly --store`, a job re-run after a failure) replaces its row.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from adapter.persistence.engine import UnitOfWork
from adapter.persistence.report_tables import MonthlyReportRow
from adapter.report.desensitise import desensitise
from adapter.report.model import Month, MonthlyReport
from adapter.report.pii import scan
from adapter.report.publish import cross_foot
from schemas.clock import CHINA, from_db, to_utc


@dataclass(frozen=True)
class StoredReport:
    report: MonthlyReport
    sha256: str  # of the stored body


def body_bytes(report: MonthlyReport) -> bytes:
    return json.dumps(report.to_dict(), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def save(uow: UnitOfWork, report: MonthlyReport) -> str:
    """Store `report` (replacing its month's row); its digest. Nothing is stored if a breakdown does not
    cross-foot (TotalsDoNotCrossFoot) or a label holds a personal number (PiiFound: every label is scanned)."""
    scan(desensitise(cross_foot(report), 1))
    body = body_bytes(report)
    digest = hashlib.sha256(body).hexdigest()
    with uow.begin() as session:
        row = session.get(MonthlyReportRow, str(report.month))
        if row is None:
            row = MonthlyReportRow(
                month=str(report.month), computed_at=to_utc(report.computed_at), body_json="", sha256=""
            )
        row.computed_at, row.body_json, row.sha256 = to_utc(report.computed_at), body.decode(), digest
        session.add(row)
    return digest


def load(uow: UnitOfWork, month: Month) -> StoredReport | None:
    """The stored report of `month`, or None. ValueError if its body no longer matches its digest."""
    with uow.begin() as session:
        row = session.get(MonthlyReportRow, str(month))
        if row is None:
            return None
        body, digest = row.body_json, row.sha256
    if hashlib.sha256(body.encode()).hexdigest() != digest:
        raise ValueError(f"the stored report of {month} does not match its SHA-256 {digest}: it was altered")
    return StoredReport(MonthlyReport.from_dict(json.loads(body)), digest)


def stored_months(uow: UnitOfWork) -> list[tuple[str, datetime, str]]:
    """(month, computed_at in China time, sha256) of every stored report, newest month first."""
    with uow.begin() as session:
        rows = session.exec(select(MonthlyReportRow).order_by(col(MonthlyReportRow.month).desc())).all()
        return [(r.month, from_db(r.computed_at).astimezone(CHINA), r.sha256) for r in rows]
