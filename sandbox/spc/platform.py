"""The sandbox SPC platform's state (partners.md §4 "Sandbox"): sessions, the organisations and mediators the centre
submits (ids assigned, certified later), self-received cases registered, the roster listing every answer appears
in (and the callbacks carry), and monthly statistics. Thread-safe; no HTTP here (server.py).

Its checks, as a platform would make them: a mediator whose term has ended is refused ("任期已届满"); a mediator
whose ID is active in another organisation is refused — unless misbehaving (config.FAULTS). Each `msgId` is
applied once: a resend gets the first answer again with `repeat`.
"""

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from connectors.spc_form import callback_signature
from mappings import spc_form
from mappings.codes import MalformedPayload
from mappings.times import CHINA
from sandbox.spc.config import SpcConfig
from sandbox.spc.control import SpcControls

FORM_TYPES = {form.path: type_ for type_, form in spc_form.FORMS.items()}


class Failure(Exception):
    """A form post the platform refuses: answered `-1` with these words."""


@dataclass
class Entry:
    """One organisation, mediator or offline case as the platform holds it."""

    local_id: str
    type: str  # the canonical message type that made it (roster.org_upsert …)
    id: str
    doc: dict[str, Any]
    status: str  # pending | certified | rejected | retired | registered (RosterPartnerStatus)
    reason: str = ""
    due: float = 0.0  # monotonic time its certification is answered
    answers: str = ""  # our message id it answers
    at: datetime | None = None


@dataclass
class SpcCore(SpcControls):
    config: SpcConfig = field(default_factory=SpcConfig)
    clock: Callable[[], datetime] = lambda: datetime.now(CHINA)
    monotonic: Callable[[], float] = time.monotonic
    entries: dict[str, Entry] = field(default_factory=dict)  # our localId → entry
    rows: list[dict[str, Any]] = field(default_factory=list)  # the roster listing, seq = index + 1
    applied: dict[str, dict[str, Any]] = field(default_factory=dict)  # msgId → its first answer
    sessions: dict[str, list[float]] = field(default_factory=dict)  # token → [last use, requests answered]
    failing: list[str] = field(default_factory=list)  # control: the next posts answered -1 with these words
    failing_http: list[int] = field(default_factory=list)  # control: the next requests answered with these statuses
    refusing: dict[str, str] = field(default_factory=dict)  # control: localId → words its posts are refused with
    counts: dict[str, dict[str, int]] | None = None  # control: the statistics to report, by month, instead of its own
    posts: int = 0
    logins: int = 0
    _lock: threading.RLock = field(default_factory=threading.RLock)

    # ---- sessions

    def login(self, username: str, password: str) -> str | None:
        ok = secrets.compare_digest(username.encode(), self.config.username.encode()) and secrets.compare_digest(
            password.encode(), self.config.password.encode()
        )
        if not ok:
            return None
        with self._lock:
            token = secrets.token_hex(16)
            self.sessions[token] = [self.monotonic(), 0]
            self.logins += 1
            return token

    def session_ok(self, token: str | None) -> bool:
        """Whether `token` names a live session (and uses it once)."""
        with self._lock:
            held = self.sessions.get(token or "")
            now = self.monotonic()
            if held is None or now - held[0] > self.config.session_seconds:
                self.sessions.pop(token or "", None)
                return False
            if "session_expiry" in self.config.faults and held[1] >= self.config.session_requests:
                del self.sessions[token or ""]
                return False
            held[0], held[1] = now, held[1] + 1
            return True

    def expire_sessions(self) -> int:
        with self._lock:
            count = len(self.sessions)
            self.sessions.clear()
            return count

    # ---- form posts

    def post(self, path: str, fields: dict[str, str]) -> dict[str, Any]:
        """One form post's answer {"code": "0", "id", "repeat"}; Failure for a refusal."""
        type_ = FORM_TYPES.get(path)
        if type_ is None:
            raise Failure(f"页面不存在: {path}")
        msg_id, local_id = fields.get("msgId", ""), fields.get("localId", "")
        if not msg_id or not local_id:
            raise Failure("msgId 和 localId 不能为空")
        with self._lock:
            if msg_id in self.applied:
                return {**self.applied[msg_id], "repeat": True}
            self.posts += 1
            if self.failing:
                raise Failure(self.failing.pop(0))
            if local_id in self.refusing:
                raise Failure(self.refusing[local_id])
            if "minus_one" in self.config.faults and self.posts % 5 == 1:
                raise Failure("系统繁忙, 提交失败")
            try:
                doc = spc_form.canonical_body(type_, spc_form.wire_form(type_, fields))
            except MalformedPayload as exc:
                raise Failure(f"表单数据有误: {exc}") from None
            entry = self._apply(type_, local_id, msg_id, doc)
            answer = {"code": "0", "id": entry.id, "repeat": False}
            self.applied[msg_id] = answer
            return answer

    def _apply(self, type_: str, local_id: str, msg_id: str, doc: dict[str, Any]) -> Entry:
        if type_ == "roster.mediator_retire":
            entry = self.entries.get(local_id)
            if entry is None:
                raise Failure("调解员不存在")
            entry.status, entry.reason = "retired", str(doc.get("reason", ""))
            return entry  # the receipt is the answer: nothing follows on the listing
        entry = self.entries.get(local_id)
        if entry is None:
            prefix = {"roster.org_upsert": "O", "roster.mediator_upsert": "M"}.get(type_, "C")
            entry = Entry(local_id, type_, f"{self.config.id_prefix}-{prefix}{len(self.entries) + 1:06d}", doc, "")
            self.entries[local_id] = entry
        entry.doc, entry.answers, entry.at = doc, msg_id, self.clock()
        declared = str(doc.get("status") or "active")
        if type_ == "case.offline_register":
            entry.status = "registered"
            self._row("registered", entry, msg_id)
        elif declared in ("suspended", "retired") and entry.status in ("certified", "suspended"):
            entry.status = declared  # a certified entry's status change: applied, nothing to certify
        else:  # certified (or refused) later, at a tick: a new entry, or a change to a certified one
            entry.status, entry.reason = "pending", ""
            entry.due = self.monotonic() + self.config.certify_after
        return entry

    # ---- certification, later

    def tick(self) -> int:
        """Answer every submission whose time has come; returns how many were answered."""
        answered = 0
        with self._lock:
            now = self.monotonic()
            for entry in list(self.entries.values()):
                if entry.status == "pending" and entry.due <= now:
                    self._certify(entry)
                    answered += 1
        return answered

    def _certify(self, entry: Entry) -> None:
        today = self.clock().astimezone(CHINA).date()
        extra: dict[str, Any] = {}
        refusal = ""
        if entry.type == "roster.mediator_upsert":
            term_to = _day(entry.doc.get("term_to"))
            if term_to is not None:
                extra["termEnd"] = term_to.isoformat()  # the term the court certifies
                if term_to < today and "expired_term" not in self.config.faults:
                    refusal = "任期已届满"  # ended by the time the court looked (misbehaving: certified anyway)
            other = self._active_elsewhere(entry)
            if other and "dup_id" not in self.config.faults and not refusal:
                refusal = "该证件号已在其他调解组织任职"
        entry.status, entry.reason = ("rejected", refusal) if refusal else ("certified", "")
        self._row(entry.status, entry, entry.answers, **extra)

    def _active_elsewhere(self, entry: Entry) -> bool:
        """Whether the ID is certified, or submitted earlier (first come keeps it), in another organisation."""
        number, org = entry.doc.get("id_number"), entry.doc.get("organisation")
        order = list(self.entries.values())
        return bool(number) and any(
            e is not entry
            and e.type == "roster.mediator_upsert"
            and (e.status == "certified" or (e.status == "pending" and order.index(e) < order.index(entry)))
            and e.doc.get("id_number") == number
            and e.doc.get("organisation") != org
            for e in order
        )

    def _row(self, event: str, entry: Entry, answers: str, **extra: Any) -> None:
        seq = len(self.rows) + 1
        row = {
            "seq": seq,
            "msgId": f"{self.config.id_prefix}-EV{seq:06d}",
            "event": event,
            "localId": entry.local_id,
            "id": entry.id,
            "at": spc_form.wire_time(self.clock()),
            "answers": answers,
            **({"reason": entry.reason} if entry.reason else {}),
            **extra,
        }
        self.rows.append(row)

    # ---- reading

    def listing(self, since: int, limit: int) -> dict[str, Any]:
        self.tick()
        with self._lock:
            page = self.rows[since : since + max(1, min(limit, 500))]
            return {"code": "0", "rows": [self.signed(row) for row in page], "next": since + len(page)}

    def signed(self, row: dict[str, Any]) -> dict[str, Any]:
        """A listing row as published: its exact text and signature (a `tampered` row's signature is wrong)."""
        body = spc_form.encode_item({k: v for k, v in row.items() if k != "tampered"})
        published: dict[str, Any] = {"seq": row["seq"], "body": body.decode()}
        if self.config.callback_key:
            sign = callback_signature(self.config.callback_key, body)
            published["sign"] = sign[::-1] if row.get("tampered") else sign
        return published

    def query(self, local_ids: list[str]) -> dict[str, Any]:
        self.tick()
        with self._lock:
            rows: dict[str, Any] = {}
            for local_id in local_ids:
                entry = self.entries.get(local_id)
                rows[local_id] = (
                    None if entry is None else {"status": entry.status, "id": entry.id, "reason": entry.reason}
                )
            return {"code": "0", "rows": rows}

    def statistics(self, month: str) -> dict[str, Any]:
        """The platform's counts: organisations and mediators certified now (certified or suspended), and offline
        cases registered in `month` (China time) — the keys the roster reconciles (adapter/partners/roster/spec.py)."""
        with self._lock:
            if self.counts is not None:
                return {"code": "0", "month": month, "counts": self.counts.get(month, {})}
            counts = {"organisations": 0, "mediators": 0, "registered": 0}
            for entry in self.entries.values():
                if entry.status == "registered":
                    when = entry.at.astimezone(CHINA).strftime("%Y-%m") if entry.at is not None else ""
                    counts["registered"] += when == month
                elif entry.status in ("certified", "suspended"):
                    counts["organisations" if entry.type == "roster.org_upsert" else "mediators"] += 1
            if "stats_differ" in self.config.faults:
                counts["registered"] += 1
            return {"code": "0", "month": month, "counts": counts}


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None
