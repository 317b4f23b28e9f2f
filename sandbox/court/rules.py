"""The court's rules: a message of the centre is authenticated, in the court's time form, applied once (a duplicate
gets the original answer), and only where the court's own view of the case flow allows it; JC applications and
post-filing agreements are ruled on after `decision_delay`, the ruling published on the decisions feed."""

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sandbox.court.feeds import Feeds
from sandbox.court.state import CST, CourtCase, CourtRefusal
from sandbox.timeforms import court_time, is_court_time


class Rules(Feeds):
    """Receiving the centre's messages and ruling on them."""

    def _before_read(self, feed: str) -> None:
        if feed == "decisions":  # rulings come due with time; they appear when the feed is next read
            self._publish_due_decisions()

    def receive(self, body: bytes, headers: Mapping[str, str], target: str) -> dict[str, Any]:
        self.verify_request(body, headers, target)
        try:
            doc = json.loads(body)
            msg_id, kind, ajbs, content = doc["xxbh"], doc["xxlx"], str(doc["ajbs"]), doc["nr"]
        except (ValueError, KeyError, TypeError) as exc:
            raise CourtRefusal(400, "E400", f"malformed message: {exc}") from None
        # The body is signed; the Idempotency-Key header is not, so it must name the same message.
        idempotency_key = {k.lower(): v for k, v in headers.items()}.get("idempotency-key")
        if idempotency_key != msg_id:
            raise CourtRefusal(400, "E400", f"Idempotency-Key {idempotency_key!r} does not name message {msg_id!r}")
        self.check_sent_time(doc)
        return self.apply_message(msg_id, kind, ajbs, content)

    def check_sent_time(self, doc: Mapping[str, Any]) -> None:
        """A message whose send time (fssj) is not in this court's documented form is refused, as a real
        court's interface would refuse it."""
        if not is_court_time(doc.get("fssj"), self.config.timestamp_format):
            raise CourtRefusal(400, "E400", f"fssj {doc.get('fssj')!r} is not a {self.config.timestamp_format} time")

    def apply_message(self, msg_id: str, kind: str, ajbs: str, content: Any) -> dict[str, Any]:
        """Apply one authenticated message of the centre once; a duplicate gets the original answer back."""
        if not isinstance(content, dict):
            raise CourtRefusal(400, "E400", "malformed message: its content is not a set of fields")
        with self._lock:
            if msg_id in self._applied and "no-dedupe" not in self.config.misconfigured:
                self.duplicates_dropped += 1
                return {**self._applied[msg_id], "duplicate": True}
            before = self.cases.get(ajbs)
            undo = (before.status, len(before.history)) if before is not None else (None, 0)
            try:
                self._apply(kind, ajbs, content)
            except (KeyError, TypeError, ValueError, AttributeError) as exc:
                raise CourtRefusal(400, "E400", f"malformed {kind} content: {exc!r}") from None
            answer = {"code": "0", "message": "ok", "xxbh": msg_id, "zt": self.cases[ajbs].status}
            self._applied[msg_id] = answer
            self._undo[msg_id] = undo
            self.applications[msg_id] = self.applications.get(msg_id, 0) + 1
            self.applied_order.setdefault(ajbs, []).append(msg_id)
            return {**answer, "duplicate": False}

    def _apply(self, kind: str, ajbs: str, content: dict[str, Any]) -> None:
        if ajbs not in self.cases and ajbs in self._dispatched:
            # A case the court dispatched and then lost: its dispatch log re-opens it, so the centre's re-sent
            # messages can rebuild it from the start.
            self.cases[ajbs] = CourtCase(ajbs, self._dispatched[ajbs])
        if kind == "SQ" and ajbs not in self.cases and content.get("ajxx"):
            self.cases[ajbs] = CourtCase(ajbs, "03", status="40")  # a self-received case meets the court
        case = self.cases.get(ajbs)
        if case is None:
            raise CourtRefusal(404, "E404", f"unknown case {ajbs}")
        if kind == "JZ":
            step = content.get("jzlx")
            moves = {
                "01": ({"10", "11"}, "20"),
                "02": ({"10", "11"}, "21"),
                "03": ({"20", "30"}, "30"),
                "04": ({"20", "30"}, "30"),
                "05": ({"30"}, "30"),
                "06": ({"30"}, "31"),
                "07": ({"31"}, "30"),
            }
            if step not in moves:
                raise CourtRefusal(400, "E400", f"unknown progress type {step!r}")
            allowed, target = moves[step]
        elif kind == "JG":
            allowed, target = {"20", "30", "31"}, "50"
        elif kind == "XY":
            if not content.get("wj") or not content.get("xy", {}).get("wjzy"):
                raise CourtRefusal(400, "E400", "agreement without its document")
            allowed, target = {"30"}, "40"
        elif kind == "SQ":
            allowed, target = {"40"}, "60"
        elif kind == "JA":
            allowed, target = {"40"}, "80"
        else:
            raise CourtRefusal(400, "E400", f"unknown message type {kind!r}")
        if case.status not in allowed:
            raise CourtRefusal(409, "E409", f"case {ajbs} is in {case.status}; {kind} needs one of {sorted(allowed)}")
        document = content.get("wj")
        if document is not None:
            received = base64.b64decode(document)
            if hashlib.sha256(received).hexdigest() != content["xy"]["wjzy"]:
                raise CourtRefusal(400, "E400", "agreement document does not match its digest")
            self.documents.setdefault(ajbs, []).append(received)
            if content.get("wjqm"):  # an SM2 seal beside the PDF (detached CMS), kept for the clerk to check
                self.seals.setdefault(ajbs, []).append(base64.b64decode(content["wjqm"]))
        case.status = target
        case.history.append(target)
        delay = self._clock() + self.config.decision_delay
        if kind == "SQ":
            self._due.append((delay, ajbs, "1"))
        elif kind == "XY" and case.tjlx == "02":
            self._due.append((delay, ajbs, "2"))  # post-filing success: the court issues a 调解书 [S1 Art 20]

    def _publish_due_decisions(self) -> None:
        now = self._clock()
        due, self._due = [d for d in self._due if d[0] <= now], [d for d in self._due if d[0] > now]
        for _, ajbs, kind in due:
            case = self.cases[ajbs]
            decided = court_time(datetime.now(CST).replace(microsecond=0), self.config.timestamp_format)
            if kind == "2":
                jdxx: dict[str, Any] = {"jdlx": "2", "jdsj": decided, "wsh": f"调解书-{ajbs}"}
                case.status = "70"
            else:
                roll = self._rng.random()
                result = (
                    "1"
                    if roll < self.config.confirm_rate
                    else ("2" if roll < self.config.confirm_rate + self.config.reject_rate else "3")
                )
                reason = {"1": "", "2": "协议内容违反法律强制性规定", "3": "不属于本院管辖"}[result]
                jdxx = {
                    "jdlx": "1",
                    "sqjg": result,
                    "jdsj": decided,
                    "ly": reason,
                    "wsh": f"（2026）民特{ajbs[-4:]}号",
                }
                case.status = {"1": "61", "2": "62", "3": "63"}[result]
            case.history.append(case.status)
            self._publish(
                "decisions",
                {"xxbh": f"CD-{ajbs}-{kind}", "xxlx": "CD", "fssj": decided, "ajbs": ajbs, "jdxx": jdxx},
            )
