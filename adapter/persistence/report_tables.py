"""The stored monthly reports (adapter/report/store.py): one row a China-time month, kept by the job on the 1st.

Kept apart from tables.py (a sibling of api_tables.py, event_tables.py) because only adapter/report/ writes and reads
it. The body is the report's aggregates as JSON (adapter/report/model.py to_dict), scanned for personal numbers
before it is written; `sha256` is the digest of exactly those bytes, so a copy handed on can be checked.
"""

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class MonthlyReportRow(SQLModel, table=True):
    __tablename__ = "monthly_reports"

    month: str = Field(primary_key=True, max_length=7)  # "2026-10", China time
    computed_at: datetime
    body_json: str = Field(sa_column=Column(Text, nullable=False))  # aggregates only: no personal data to seal
    sha256: str = Field(max_length=64)  # of body_json's UTF-8 bytes
