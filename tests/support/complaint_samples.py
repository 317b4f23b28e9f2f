"""A sample complaint for the unit tests of the complaint guards and memoranda: anonymised, check digits valid,
times in China time. `complaint_data` is the dict a boundary would read (so a test can break one field of it)."""

import hashlib
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from adapter.complaints.memoranda import Memorandum
from schemas.complaint import Complaint

CST = timezone(timedelta(hours=8), "CST")
RECEIVED = datetime(2026, 3, 2, 10, 15, tzinfo=CST)
RESIDENT_ID = "110105198503071230"  # GB 11643 check digit valid, not a real person
OTHER_RESIDENT_ID = "440104199001011232"
BANK_USCC = "914400001234567899"  # GB 32100 check digit valid, not a real organisation
INSURER_USCC = "91310000MA1FL0000N"
OTHER_USCC = "91110000100001234U"
DOCUMENT = {"name": "授权委托书.pdf", "sha256": hashlib.sha256(b"poa").hexdigest(), "size": 20480}


def complaint_data(**changes: Any) -> dict[str, Any]:
    """A credit-card complaint against a bank, by a natural person, on the general track."""
    data: dict[str, Any] = {
        "complaint_id": "CP-2026-0001",
        "received_at": RECEIVED.isoformat(),
        "channel": "web",
        "complainant": {
            "kind": "natural_person",
            "name": "李四",
            "id_type": "resident_id",
            "id_number": RESIDENT_ID,
            "phone": "13812345678",
            "address": "广州市越秀区某路1号",
        },
        "institution": {"kind": "bank", "name": "某银行信用卡中心", "uscc": BANK_USCC, "branch": "广州分中心"},
        "classification": {"table": "jrt0169", "version": "2018", "business": "B0302", "cause": "C12"},
        "request": "退还违约金",
        "facts": "逾期一天被收取违约金",
        "amount_in_dispute": "860.00",
        "attachments": [{"name": "账单.pdf", "sha256": hashlib.sha256(b"bill").hexdigest(), "size": 1024}],
    }
    data.update(changes)
    return data


def complaint(**changes: Any) -> Complaint:
    return Complaint.model_validate(complaint_data(**changes))


def insurer_complaint(**changes: Any) -> Complaint:
    fields: dict[str, Any] = {
        "institution": {"kind": "insurer", "name": "某人寿保险公司", "uscc": INSURER_USCC},
        "classification": {"table": "nfra-insurance", "version": "2020", "business": "L0206", "cause": "D0101"},
    }
    return complaint(**{**fields, **changes})


def memorandum(**changes: Any) -> Memorandum:
    fields: dict[str, Any] = {
        "small_claim_cap": "5000.00",
        "delegated_authority": "调解员可在 5000 元以内径行作出调解决定，机构承诺履行",
        "tracks": ["general", "small_claim"],
        "signed_on": date(2025, 6, 1),
    }
    return Memorandum.model_validate({**fields, **changes})


AMOUNT_OVER_CAP = Decimal("5000.01")
