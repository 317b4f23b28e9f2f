"""The sandbox SPC platform's control verbs (sandbox/spc/platform.py SpcCore mixes them in): what a test or an
integrator makes the platform do — refuse the next posts, fail the next requests, lose a record, have a court remove
an entry, publish a row of its own, change a status — and its running totals."""

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from mappings import spc_form

if TYPE_CHECKING:
    from sandbox.spc.platform import Entry


class SpcControls:
    """Mixed into SpcCore, whose state these act on (declared here for the type checker)."""

    entries: dict[str, "Entry"]
    rows: list[dict[str, Any]]
    applied: dict[str, dict[str, Any]]
    failing: list[str]
    failing_http: list[int]
    posts: int
    logins: int
    _lock: threading.RLock

    def _row(self, event: str, entry: "Entry", answers: str, **extra: Any) -> None: ...

    def fail_next(self, *words: str) -> None:
        with self._lock:
            self.failing.extend(words)

    def remove(self, local_id: str, reason: str) -> bool:
        """A court removes an entry (misconduct, [P43 Art 28]): a `removed` row follows."""
        with self._lock:
            entry = self.entries.get(local_id)
            if entry is None:
                return False
            entry.status, entry.reason = "retired", reason
            self._row("removed", entry, "")
            return True

    def publish(self, event: str, local_id: str, ident: str, at: datetime, msg_id: str, *, tampered: bool = False,
                **extra: Any) -> None:  # fmt: skip
        """A row of the platform's own (a control: what a court on the platform decided), in the listing."""
        with self._lock:
            row = {"seq": len(self.rows) + 1, "msgId": msg_id, "event": event, "localId": local_id, "id": ident,
                   "at": spc_form.wire_time(at), **extra}  # fmt: skip
            if tampered:
                row["tampered"] = True
            self.rows.append(row)

    def set_status(self, local_id: str, status: str) -> None:
        with self._lock:
            self.entries[local_id].status = status

    def http_failure(self) -> int | None:
        """The status to answer this request with instead, if one was injected."""
        with self._lock:
            return self.failing_http.pop(0) if self.failing_http else None

    def forget(self, local_id: str) -> bool:
        """Lose a record (drift for reconciliation to find): as if the upsert had never arrived."""
        with self._lock:
            entry = self.entries.pop(local_id, None)
            if entry is not None:
                self.applied = {k: v for k, v in self.applied.items() if v.get("id") != entry.id}
            return entry is not None

    def stats(self) -> dict[str, Any]:
        with self._lock:
            by_status: dict[str, int] = {}
            for entry in self.entries.values():
                by_status[entry.status] = by_status.get(entry.status, 0) + 1
            return {"entries": by_status, "rows": len(self.rows), "posts": self.posts, "logins": self.logins}
