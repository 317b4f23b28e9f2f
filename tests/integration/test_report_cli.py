"""`docking report monthly` as an operator runs it: a bad --month or a missing --output is a clear error naming
the input (exit 2, no traceback); the formats write the suppressed report of a known month."""

import io
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from adapter.persistence.engine import UnitOfWork
from adapter.report import Month, compute, store
from schemas.clock import CHINA
from tests.support import report_data
from tests.support.cli import docking

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("month", ["2026-13", "2026/10", "last"])  # more forms: tests/unit/test_report_guards.py
def test_a_bad_month_is_refused_naming_it(month: str, tmp_path: Path) -> None:
    result = docking("report", "monthly", "--month", month, cwd=tmp_path)
    assert result.returncode == 2
    assert f"month {month!r} is not a month in the form YYYY-MM" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_xlsx_needs_an_output_file(tmp_path: Path) -> None:
    result = docking("report", "monthly", "--month", "2026-10", "--format", "xlsx", cwd=tmp_path)
    assert result.returncode == 2 and "--format xlsx writes a workbook: give --output FILE" in result.stderr


@pytest.fixture
def config(database_url: str, uow: UnitOfWork, tmp_path: Path) -> Path:
    report_data.build(uow)
    path = tmp_path / "docking.toml"
    path.write_text(f'database_url = "{database_url}"\n[report]\nmin_cell = 3\npartner_clients = ["bankx"]\n')
    return path


def test_the_formats_write_the_suppressed_report(config: Path, tmp_path: Path) -> None:
    """json: figures and "<3" cells; xlsx: the workbook with its charts; the stored report is asked for by month."""
    got = docking("report", "monthly", "--month", "2026-11", "-f", "json", "-c", str(config), check=True)
    body = json.loads(got.stdout)
    figures = {f["key"]: f["value"] for f in body["figures"]}
    assert figures["success_rate"] == "50.00" and figures["amount_settled"] == "70001.00"
    court = dict(next(t for t in body["tables"] if t["key"] == "received_by_court")["rows"])
    assert court["广州市天河区人民法院 (粤0106)"] == "<3" and court["广州市越秀区人民法院 (粤0104)"] == 3

    out = tmp_path / "report.xlsx"
    docking("report", "monthly", "--month", "2026-11", "-f", "xlsx", "-o", str(out), "-c", str(config), check=True)
    book = openpyxl.load_workbook(io.BytesIO(out.read_bytes()))
    assert book["received_by_court"]._charts and book["Summary"]["A1"].value.endswith("2026-11")

    missing = docking("report", "monthly", "--month", "2026-11", "--stored", "-c", str(config))
    assert missing.returncode == 2 and "no stored report for 2026-11" in missing.stderr


def test_the_stored_report_is_listed_and_exported(config: Path, uow: UnitOfWork) -> None:
    """What the job stored: `report stored` lists it with its digest; --stored exports it, not a new one."""
    stored = compute(uow, Month(2026, 11), clock=lambda: datetime(2026, 12, 1, 6, 0, tzinfo=CHINA))
    digest = store.save(uow, stored)
    listed = docking("report", "stored", "-f", "json", "-c", str(config), check=True)
    assert json.loads(listed.stdout) == [
        {"month": "2026-11", "computed_at": "2026-12-01T06:00:00+08:00", "sha256": digest}
    ]
    got = docking("report", "monthly", "--month", "2026-11", "--stored", "-f", "json", "-c", str(config), check=True)
    body = json.loads(got.stdout)
    assert body["computed_at"] == "2026-12-01T06:00:00+08:00"
    # stored without partner_clients: the partner's case counted as self-received, as computed then
    source = dict(next(t for t in body["tables"] if t["key"] == "received_by_source")["rows"])
    assert set(source) == {"court 法院", "self-received 自收"}
