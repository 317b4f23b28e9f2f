"""An entry's fields written from their template (adapter/audit/chain.py `canonical_fields`, what the writer hashes)
are byte for byte what `canonical(entry_fields(…))` writes — what `docking audit verify` hashes — over varied
fields: text JSON escapes or leaves, no case, times in other offsets and years, and values of other types."""

from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import Any

import pytest

from adapter.audit.chain import canonical, canonical_fields, entry_fields

AT = datetime(2026, 12, 1, 8, 30, 15, 123456, tzinfo=UTC)
ODD = 'a "quoted" \\ back/slash \x00\x01\x1f\x7f \t\r\n \u2028\u2029 \ufeff 😀 中文 </script>'


class _Kind(StrEnum):
    REGISTER = "case.register"


BASE: dict[str, Any] = {
    "seq": 1,
    "at": AT,
    "kind": "case.register",
    "subject": "MC-1f2e3d",
    "case_id": "MC-1f2e3d",
    "actor": "court:court",
    "alg": "sha256",
    "digest": "ab" * 32,
}
CASES: dict[str, dict[str, Any]] = {
    "an inbound entry": {},
    "no case": {"case_id": None},
    "odd text everywhere": {"kind": ODD, "subject": ODD, "case_id": ODD, "actor": ODD, "digest": ODD},
    "empty text": {"kind": "", "subject": "", "case_id": "", "actor": ""},
    "a long chain": {"seq": 10**15},
    "sm3": {"alg": "sm3"},
    "a time in +08:00": {"at": AT.astimezone(timezone(timedelta(hours=8)))},
    "a naive time": {"at": datetime(2026, 1, 2, 3, 4, 5)},
    "a year before 1000": {"at": datetime(999, 1, 2, tzinfo=UTC)},
    "no microseconds": {"at": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)},
    # not the writer's types: left to the encoder, which writes them its own way
    "an enum kind": {"kind": _Kind.REGISTER},
    "a number subject": {"subject": 42},
    "a number case": {"case_id": 7},
    "a true seq": {"seq": True},
}


@pytest.mark.parametrize("change", list(CASES.values()), ids=list(CASES))
def test_the_template_writes_what_the_encoder_writes(change: dict[str, Any]) -> None:
    fields = {**BASE, **change}
    assert canonical_fields(**fields) == canonical(entry_fields(**fields))
