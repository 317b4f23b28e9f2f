"""A sample traffic-accident offer for the unit tests of the traffic domain (and the sandbox's certificates):
anonymised, check digits valid, times in China time. `offer_data` is the dict a boundary would read (so a test can
break one field of it); two vehicles, main / secondary liability, each with 交强险 and 商业三者险."""

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any

CST = timezone(timedelta(hours=8), "CST")
OFFERED_AT = datetime(2026, 9, 21, 10, 0, tzinfo=CST)
CLAIMANT_ID = "110105198503071230"  # GB 11643 check digit valid, not a real person
LIABLE_ID = "440104199001011232"
INSURER_A = "91310000MA1FL0000N"  # GB 32100 check digit valid, not a real organisation
INSURER_B = "914400001234567899"


def pdf(name: str) -> dict[str, Any]:
    return {"name": name, "sha256": hashlib.sha256(name.encode()).hexdigest(), "size": 102400}


def certificate_data(cert_no: str = "粤公交认字〔2026〕第0001号", **levels: str) -> dict[str, Any]:
    """A certificate; `levels` maps party_ref → liability level (default P1 none, P2 main, P3 secondary)."""
    chosen = levels or {"P1": "none", "P2": "main", "P3": "secondary"}
    return {
        "cert_no": cert_no,
        "cert_kind": "standard",
        "issued_at": "2026-09-15T16:00:00+08:00",
        "delivered_at": "2026-09-16T10:00:00+08:00",
        "liability": [{"party_ref": ref, "level": level} for ref, level in chosen.items()],
        "pdf": pdf(f"{cert_no}.pdf"),
    }


def offer_data(**changes: Any) -> dict[str, Any]:
    """A pedestrian (P1) hurt between two cars; P2 drove the first (mainly liable), P3 the second."""
    data: dict[str, Any] = {
        "serial_no": "DJ2026092100017",
        "source": "广州市公安局交通警察支队",
        "court_code": "J10",
        "offered_at": OFFERED_AT.isoformat(),
        "accident": certificate_data(),
        "parties": [
            party("P1", "claimant", "王五", CLAIMANT_ID),
            party("P2", "liable", "赵六", LIABLE_ID),
            party("P3", "liable", "钱七", "11010519491231002X"),
            {**party("I1", "insurer", "甲财产保险股份有限公司", INSURER_A), "kind": "legal_person", "id_type": "uscc"},
            {**party("I2", "insurer", "乙财产保险股份有限公司", INSURER_B), "kind": "legal_person", "id_type": "uscc"},
        ],
        "vehicles": [
            {"plate": "粤A12345", "vehicle_kind": "小型轿车", "owner_ref": "P2", "driver_ref": "P2"},
            {"plate": "粤B67890", "vehicle_kind": "小型轿车", "owner_ref": "P3", "driver_ref": "P3"},
        ],
        "policies": [
            policy(INSURER_A, "JQ-A-001", "compulsory", "200000.00", "P2"),
            policy(INSURER_A, "SZ-A-001", "commercial", "1000000.00", "P2"),
            policy(INSURER_B, "JQ-B-001", "compulsory", "200000.00", "P3"),
            policy(INSURER_B, "SZ-B-001", "commercial", "500000.00", "P3"),
        ],
        "harm": {"deaths": 0, "injured": 1, "property_damage": False, "description": "右腿骨折"},
        "claims": [
            {"head": "01", "amount": "52000.00"},
            {"head": "02", "amount": "18000.00"},
            {"head": "03", "amount": "6000.00"},
            {"head": "07", "amount": "180000.00"},
        ],
    }
    data.update(changes)
    return data


def party(ref: str, role: str, name: str, id_number: str) -> dict[str, Any]:
    return {
        "party_ref": ref,
        "role": role,
        "kind": "natural_person",
        "name": name,
        "id_type": "resident_id",
        "id_number": id_number,
        "phone": "13812345678",
    }


def policy(uscc: str, number: str, cover: str, limit: str, insured: str) -> dict[str, Any]:
    return {"insurer_uscc": uscc, "policy_no": number, "cover": cover, "limit": limit, "insured_ref": insured}
