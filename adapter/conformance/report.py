"""The conformance report: one result per check (id, pass or fail, the reason, the evidence — each request and
the answer it met), as a table for people or JSON for machines. Evidence is masked before it is kept: signature and
credential header values are cut to a prefix, ID/phone/account numbers masked (adapter/masking.py, PIPL Art 28)."""

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from adapter.masking import mask_document
from schemas.clock import china_iso

# Header values that prove who we are (or the court is): shown by name with a short prefix, never whole.
_SECRET_HEADERS = re.compile(r"authorization|signature|sign|secret|token|app-key|jws", re.IGNORECASE)


def masked_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers for evidence: credential and signature values cut to 8 characters and "…"."""
    return {k: (f"{v[:8]}…" if _SECRET_HEADERS.search(k) and len(v) > 8 else v) for k, v in headers.items()}


def masked(text: str, limit: int = 600) -> str:
    """Free text or a payload for evidence: personal numbers masked, cut to `limit` characters."""
    text = mask_document(text)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


@dataclass(frozen=True)
class Evidence:
    request: str  # what was asked, e.g. "send JZ CONF-3f2a… for case 0104-…"
    answer: str  # what came back: a receipt, a page summary, or the error class, code and detail


@dataclass
class CheckResult:
    id: str  # stable, e.g. "send.duplicate": what a fault table and a CI job name
    title: str
    passed: bool = False
    reason: str = ""
    skipped: bool = False  # not run ("not run: depends on …"): neither a pass nor, by itself, a failure
    evidence: list[Evidence] = field(default_factory=list)
    seconds: float = 0.0

    def saw(self, request: str, answer: str) -> None:
        self.evidence.append(Evidence(masked(request), masked(answer)))

    def skip(self, reason: str) -> None:
        self.passed, self.skipped, self.reason = False, True, reason

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "SKIP" if self.skipped else "FAIL"


@dataclass
class Report:
    platform: str
    transport: str
    mode: str
    started_at: datetime
    results: list[CheckResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the summary adds, e.g. that no test case was left

    @property
    def passed(self) -> bool:
        """No check failed and at least one passed: skipped checks never make a run pass by themselves."""
        return not self.failed and any(r.passed for r in self.results)

    @property
    def failed(self) -> list[str]:
        return [r.id for r in self.results if not r.passed and not r.skipped]

    @property
    def skipped(self) -> list[str]:
        return [r.id for r in self.results if r.skipped]

    def as_dict(self) -> dict[str, Any]:
        """The report for machines: times in ISO 8601 China time, +08:00 (cli/output.py's convention)."""
        return {
            "platform": self.platform,
            "transport": self.transport,
            "mode": self.mode,
            "started_at": china_iso(self.started_at),
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "notes": self.notes,
            "checks": [asdict(r) | {"seconds": round(r.seconds, 3)} for r in self.results],
        }

    def to_json(self) -> str:
        return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)

    def to_text(self, started: str) -> str:
        """The report for people; `started` is the start time as people read it (China time, "CST")."""
        lines = [f"conformance of {self.platform} ({self.transport}, {self.mode}) started {started}", ""]
        for r in self.results:
            lines.append(f"{r.verdict}  {r.id:<20} {r.title}  ({r.seconds:.2f} s)")
            if r.reason:
                lines.append(f"      reason:  {r.reason}")
            for e in r.evidence:
                lines.append(f"      request: {e.request}")
                lines.append(f"      answer:  {e.answer}")
        total, passed = len(self.results), sum(r.passed for r in self.results)
        verdict = "all passed" if self.passed and not self.skipped else "passed" if self.passed else "FAILED"
        if self.failed:
            verdict += f": {', '.join(self.failed)}"
        skipped = f", {len(self.skipped)} skipped" if self.skipped else ""
        lines += ["", f"{passed} of {total} checks passed{skipped} — {verdict}", *self.notes]
        return "\n".join(lines)
