"""What the court answers about itself: its case list, a case's messages, its code lists, statuses, stats."""

from datetime import UTC, datetime
from typing import Any

from sandbox import data
from sandbox.court.auth import Authentication


class Views(Authentication):
    """Read-only answers (under the lock), for the platform API, the control API and tests."""

    @property
    def duplicates_applied(self) -> int:
        """Messages the court applied more than once — the failure this product exists to prevent."""
        with self._lock:
            return sum(n - 1 for n in self.applications.values() if n > 1)

    def list_cases(self, after: str, limit: int) -> dict[str, Any]:
        """The court's cases in id order after `after`; `next_cursor` is "" on the last page."""
        with self._lock:
            ids = sorted(i for i in self.cases if i > after)[: max(1, min(limit, 1000))]
            page = [{"ajbs": i, "zt": self.cases[i].status} for i in ids]
            more = len(ids) == max(1, min(limit, 1000)) and any(i > ids[-1] for i in self.cases)
            return {"code": "0", "cases": page, "next_cursor": ids[-1] if more else ""}

    def case_messages(self, ajbs: str) -> dict[str, Any]:
        """What the court issued about a case (its dispatch, its rulings) as feed items, signed now; none for a
        case it does not hold."""
        with self._lock:
            records = self._records.get(ajbs, []) if ajbs in self.cases else []
            items = [
                {"seq": n, "body": body, "headers": self.sign_item(body, msg_id)}
                for n, (body, msg_id) in enumerate(records, 1)
            ]
            return {"code": "0", "items": items}

    def code_lists(self) -> dict[str, Any]:
        tables = {name: list(codes) for name, codes in data.CODE_LISTS.items()}
        for name, codes in self.config.extra_codes.items():
            tables.setdefault(name, []).extend(codes)
        return {"version": data.CODE_LISTS_VERSION, "tables": tables}

    def status(self, ids: list[str]) -> dict[str, str | None]:
        with self._lock:
            return {i: (self.cases[i].status if i in self.cases else None) for i in ids}

    def pending_decisions(self) -> int:
        with self._lock:
            return len(self._due)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            by_status: dict[str, int] = {}
            for case in self.cases.values():
                by_status[case.status] = by_status.get(case.status, 0) + 1
            return {
                "cases": len(self.cases),
                "by_status": by_status,
                "applied_messages": len(self._applied),
                "duplicates_dropped": self.duplicates_dropped,
                "forgotten_messages": self.forgotten_messages,
                "now": datetime.now(UTC).isoformat(),
            }
