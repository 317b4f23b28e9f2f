"""The simulated court: its case store, its feeds and its rules, shared by every sandbox transport.

It speaks the platform's own wire format (pinyin-initial JSON fields and platform codes), signs what it
publishes under its signature profile, verifies every request (signature, freshness, replayed nonces),
applies each message id once, enforces its own view of the case flow, and rules on judicial-confirmation
applications after a short delay. Its field maps and rules are its own, independent of the adapter's mappings;
the signature profiles are shared code, proved against independent implementations in the interop tests.
"""

import base64
import hashlib
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from sandbox import data
from sandbox.timeforms import FORMS, court_time, is_court_time
from signing.base import MemoryReplayGuard, MessageSigner, MessageVerifier, PublicKeyEntry, check
from signing.errors import SignatureInvalid

CST = timezone(timedelta(hours=8))
FLOWS = {"01": "民诉前调", "02": "民初", "04": "民诉前调"}  # 调解类型 → case-number type code


class CourtRefusal(Exception):
    """A request the court refuses; `status` is the HTTP status, `code` the platform's error code."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class CourtCase:
    ajbs: str
    tjlx: str
    status: str = "10"
    history: list[str] = field(default_factory=list)


@dataclass
class FeedItem:
    seq: int
    body: str
    headers: dict[str, str]  # the court's signature over body, under its profile


@dataclass
class SandboxConfig:
    seed: int = 7
    decision_delay: float = 0.2  # seconds before a JC ruling or 调解书 is published
    confirm_rate: float = 0.85
    reject_rate: float = 0.10  # the rest: not accepted
    redeliver_rate: float = 0.05  # the feed is at least once: sometimes an item comes again
    court_key_id: str = "court-2026-01"
    window_seconds: int = 300  # how far a request's signed time may be from the court's clock
    # Fault injection (`docking demo --chaos RATE`): this share of platform requests fails in one of the ways
    # below, chosen at random; `outage_seconds` > 0 also takes the platform down for that long now and then.
    # "refuse" (REST only, not a default) answers a read with HTTP 400, and lets a send through.
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ("error", "throttle", "timeout", "drop", "lost_answer")
    timeout_seconds: float = 1.5  # how long a "timeout" fault keeps the client waiting
    outage_seconds: float = 0.0
    latency_seconds: float = 0.0  # added to every platform request (a slow court; lets tests kill mid-delivery)
    # Codes this court publishes beyond its standard lists (table → codes): drift for `docking mappings check`.
    extra_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The form of the times in this court's messages (sandbox/timeforms.py), both ways: what it publishes, and
    # what it demands of the centre's send time (fssj). Courts document one; many use yyyyMMddHHmmss.
    timestamp_format: str = "iso8601"

    def __post_init__(self) -> None:
        if self.timestamp_format not in FORMS:
            raise ValueError(f"timestamp_format {self.timestamp_format!r} is not one of {', '.join(FORMS)}")


class CourtCore:
    """Thread-safe: the HTTP servers call it from many threads."""

    def __init__(
        self,
        config: SandboxConfig,
        court_signer: MessageSigner,
        centre_verifier: MessageVerifier,
        clock: Callable[[], float] = time.monotonic,
        render: Callable[[dict[str, Any]], str] = lambda doc: json.dumps(doc, ensure_ascii=False),
    ) -> None:
        self.config = config
        self.render = render  # how this court's transport writes a published message: JSON, or XML for SOAP
        self._signer = court_signer
        self._verifier = centre_verifier
        self.replay = MemoryReplayGuard()
        self._clock = clock
        self._rng = random.Random(config.seed)
        self._lock = threading.RLock()
        self.cases: dict[str, CourtCase] = {}
        self._feeds: dict[str, list[FeedItem]] = {"dispatches": [], "decisions": []}
        # How a feed answers a cursor past its end: "echo" hands it back (nothing new), "position" gives the
        # feed's own end — what a court whose feed restarted (reset_feed) may do either way.
        self._past_end = "echo"
        self._applied: dict[str, dict[str, Any]] = {}  # message id → the original answer
        self._due: list[tuple[float, str, str]] = []  # (when, ajbs, decision type)
        self._serial = 1000
        self.duplicates_dropped = 0
        self.signature_failures: dict[str, int] = {}
        self.applications: dict[str, int] = {}  # message id → times applied (must never exceed 1)
        self.applied_order: dict[str, list[str]] = {}  # case → the message ids applied to it, in order
        # Drift for reconciliation (forget, alter, lose): what the court issued about each case (body, message id),
        # its dispatch log (case → flow, kept even when a case is forgotten), and per applied message the case's
        # status and history length before it, so losing messages rolls the case back as if they never came.
        self._records: dict[str, list[tuple[str, str]]] = {}
        self._dispatched: dict[str, str] = {}
        self._undo: dict[str, tuple[str | None, int]] = {}
        self.forgotten_messages = 0
        self.faults: dict[str, int] = {}
        self._fault_rng = random.Random(config.seed + 1)
        self._outage_until = 0.0
        self.rejected: list[tuple[str, str]] = []  # (code, message) of every refusal, for tests and stats

    # ---- fault injection

    def draw_fault(self) -> str | None:
        """The fault to inflict on this request, if any (thread-safe; counts what it inflicts)."""
        with self._lock:
            now = self._clock()
            if now < self._outage_until:
                kind: str | None = "outage"
            elif self.config.outage_seconds and self._fault_rng.random() < self.config.fault_rate / 50:
                self._outage_until = now + self.config.outage_seconds
                kind = "outage"
            elif self._fault_rng.random() < self.config.fault_rate:
                kind = self._fault_rng.choice(self.config.fault_kinds)
            else:
                kind = None
            if kind:
                self.faults[kind] = self.faults.get(kind, 0) + 1
            return kind

    @property
    def duplicates_applied(self) -> int:
        """Messages the court applied more than once — the failure this product exists to prevent."""
        with self._lock:
            return sum(n - 1 for n in self.applications.values() if n > 1)

    # ---- authentication

    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None:
        """Signature, signed time within the window, message id or nonce never seen: else 401 with the reason."""
        try:
            check(
                self._verifier,
                body,
                headers,
                now=datetime.now(UTC),
                target=target,
                window=timedelta(seconds=self.config.window_seconds),
                replay=self.replay,
                scope="centre",
            )
        except SignatureInvalid as exc:
            self.signature_failures[exc.reason] = self.signature_failures.get(exc.reason, 0) + 1
            raise CourtRefusal(401, "E401", f"signature refused ({exc.reason}): {exc.detail}") from None

    def trust(self, entry: PublicKeyEntry) -> None:
        """The court is given another centre key (what `docking keys export-public` is for): it verifies with it
        from now on. A profile without public keys (HMAC) cannot be given one."""
        trusting = getattr(self._verifier, "trusting", None)
        if trusting is None:
            raise CourtRefusal(400, "E400", f"a {self._verifier.profile} court is not given public keys")
        with self._lock:
            self._verifier = trusting(entry)

    def sign_item(self, body: str, message_id: str) -> dict[str, str]:
        """The court's signature headers for a feed item (tests use it to publish crafted but authentic items)."""
        return dict(self._signer.sign(body.encode(), message_id=message_id, at=datetime.now(UTC)))

    def _publish(self, feed: str, doc: dict[str, Any], *, lost: bool = False) -> None:
        """Issue a message about a case: kept in the case's record, and on the feed unless it is `lost` on its way."""
        body = self.render(doc)
        self._records.setdefault(str(doc["ajbs"]), []).append((body, str(doc["xxbh"])))
        if lost:
            return
        items = self._feeds[feed]
        items.append(FeedItem(len(items) + 1, body, self.sign_item(body, str(doc["xxbh"]))))

    # ---- dispatching new cases

    def dispatch(self, count: int, tjlx: str | None = None, *, publish: bool = True, phone: object = None) -> list[str]:
        """Dispatch `count` new cases; `tjlx` fixes the flow (01 委派, 02 委托, 04 party-applied), else a mix.
        `publish=False`: the dispatch feed item is lost on its way, so only reconciliation can find the cases.
        `phone`: the person's contact number (lxdh) exactly as given, to try the forms courts send (95588,
        "+852 5123 4567", "020-87654321转123", a JSON number …); else a random mainland mobile."""
        if tjlx is not None and tjlx not in FLOWS:
            raise CourtRefusal(400, "E400", f"flow {tjlx!r} is not one a court dispatches ({sorted(FLOWS)})")
        with self._lock:
            return [self._dispatch_one(tjlx, publish, phone) for _ in range(count)]

    def _dispatch_one(self, fixed_flow: str | None, publish: bool = True, phone: object = None) -> str:
        rng = self._rng
        tjlx = fixed_flow or rng.choices(["01", "02", "04"], weights=[45, 40, 15])[0]
        court_code, court_name = rng.choice(data.COURTS[:-1])
        self._serial += 1
        ajbs = f"{court_code[1:]}-{uuid.UUID(int=rng.getrandbits(128)).hex[:16]}"
        cause = data.weighted_cause(rng)
        bank = rng.choice(data.INSTITUTIONS)
        person = data.person_name(rng)
        plaintiff_first = tjlx == "02"
        now = court_time(datetime.now(CST).replace(microsecond=0), self.config.timestamp_format)
        ajxx = {
            "ah": f"（2026）{court_code}{FLOWS[tjlx]}{self._serial}号",
            "fydm": court_code,
            "fymc": court_name,
            "tjlx": tjlx,
            "cxlx": rng.choice(["1", "2"]) if tjlx == "02" else "1",
            "ay": cause,
            "ssqq": f"请求判令被告偿还欠款本息（{cause}）",
            "bdje": data.amount(rng, cause),
            "dsr": [
                {
                    "xm": bank,
                    "ssdw": "03" if plaintiff_first else "01",
                    "dsrlx": "2",
                    "zjlx": "02",
                    "zjhm": data.social_credit_code(bank),
                    "lxdh": "020" + f"{rng.randrange(2 * 10**7, 10**8)}",  # local numbers start 2–9
                    "sddz": "广州市天河区珠江新城",
                },
                {
                    "xm": person,
                    "ssdw": "04" if plaintiff_first else "02",
                    "dsrlx": "1",
                    "zjlx": "01",
                    "zjhm": data.resident_id(rng),
                    "lxdh": data.mobile(rng) if phone is None else phone,
                    "sddz": "广州市越秀区中山五路",
                },
            ],
            "fj": [{"wjmc": "起诉状.pdf", "sha256": hashlib.sha256(ajbs.encode()).hexdigest(), "dx": 48213}],
            "tjzz": "广东银行业保险业纠纷调解中心",
            "tjy": None,
            "pqsj": now,
        }
        self.cases[ajbs] = CourtCase(ajbs, tjlx)
        self._dispatched[ajbs] = tjlx
        self._publish(
            "dispatches",
            {"xxbh": f"PQ-{ajbs}", "xxlx": "PQ", "fssj": now, "ajbs": ajbs, "ajxx": ajxx},
            lost=not publish,
        )
        return ajbs

    # ---- feeds

    def feed(self, name: str, cursor: int, limit: int) -> dict[str, Any]:
        with self._lock:
            if name not in self._feeds:
                raise CourtRefusal(404, "E404", f"no feed {name!r}")
            if name == "decisions":
                self._publish_due_decisions()
            items = self._feeds[name]
            if cursor > len(items) and self._past_end == "position":
                return {"items": [], "next_cursor": len(items)}  # a restarted feed says where it really is
            page = items[cursor : cursor + max(1, min(limit, 500))]
            if cursor > 0 and self._rng.random() < self.config.redeliver_rate:
                page = [items[cursor - 1], *page]  # at least once: the last item read comes again
            next_cursor = page[-1].seq if page else cursor
            return {"items": [item.__dict__ for item in page], "next_cursor": max(next_cursor, cursor)}

    def reset_feed(self, answer: str = "position") -> None:
        """The court's feeds restart empty (a migration, a restore from backup): what it publishes from now on is
        numbered from 1 again, behind every client's cursor. Asked from a cursor past its new end it answers with
        its own position (`answer="position"`, a cursor going backwards) or hands the cursor back with nothing
        after it (`"echo"`: a restart the client cannot see in the feed). Its cases are kept."""
        if answer not in ("position", "echo"):
            raise CourtRefusal(400, "E400", f"answer {answer!r} is not position or echo")
        with self._lock:
            for items in self._feeds.values():
                items.clear()
            self._past_end = answer

    def inject(self, feed: str, body: str, headers: Mapping[str, str] | None = None) -> None:
        """Publish an item on a feed as it is, e.g. unsigned or malformed, for bad-input tests; a `body` that is a
        sandbox.wire.RawText goes out byte for byte (e.g. not UTF-8), one with a lone surrogate as its \\u escape."""
        with self._lock:
            items = self._feeds[feed]
            items.append(FeedItem(len(items) + 1, body, dict(headers or {})))

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

    # ---- receiving the centre's messages

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
            if msg_id in self._applied:
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
            digest = hashlib.sha256(base64.b64decode(document)).hexdigest()
            if digest != content["xy"]["wjzy"]:
                raise CourtRefusal(400, "E400", "agreement document does not match its digest")
        case.status = target
        case.history.append(target)
        delay = self._clock() + self.config.decision_delay
        if kind == "SQ":
            self._due.append((delay, ajbs, "1"))
        elif kind == "XY" and case.tjlx == "02":
            self._due.append((delay, ajbs, "2"))  # post-filing success: the court issues a 调解书 [S1 Art 20]

    # ---- drift, for reconciliation: what a court restored from an old backup or edited by hand looks like

    def forget(self, ajbs: str) -> None:
        """Lose a case and the court's memory of every message applied to it; its dispatch log remains."""
        with self._lock:
            self._known(ajbs)
            del self.cases[ajbs]
            for msg_id in self.applied_order.pop(ajbs, []):
                self._forget_message(msg_id)
            self._due = [d for d in self._due if d[1] != ajbs]

    def alter(self, ajbs: str, status: str) -> None:
        """Set a case's status by hand, as a clerk's edit would; the court still remembers every message."""
        if status not in data.CODE_LISTS["court_status"]:
            raise CourtRefusal(400, "E400", f"status {status!r} is not a court status code")
        with self._lock:
            case = self._known(ajbs)
            case.status = status
            case.history.append(status)

    def lose(self, ajbs: str, count: int) -> list[str]:
        """Roll a case back as if its last `count` applied messages never arrived (state, history and memory of
        their ids; rulings that followed them too). Returns the lost message ids."""
        with self._lock:
            self._known(ajbs)
            order = self.applied_order.get(ajbs, [])
            if not 1 <= count <= len(order):
                raise CourtRefusal(400, "E400", f"case {ajbs} has {len(order)} applied message(s), not {count}")
            lost = order[-count:]
            del order[-count:]
            status, length = self._undo[lost[0]]
            if status is None:  # the first lost message made the case (a self-received case's JC application)
                del self.cases[ajbs]
                self.applied_order.pop(ajbs, None)
            else:
                case = self.cases[ajbs]
                case.status = status
                del case.history[length:]
            for msg_id in lost:
                self._forget_message(msg_id)
            self._due = [d for d in self._due if d[1] != ajbs]
            return lost

    def _known(self, ajbs: str) -> CourtCase:
        case = self.cases.get(ajbs)
        if case is None:
            raise CourtRefusal(404, "E404", f"unknown case {ajbs}")
        return case

    def _forget_message(self, msg_id: str) -> None:
        self._applied.pop(msg_id, None)
        self._undo.pop(msg_id, None)
        applied = self.applications.get(msg_id, 0) - 1
        if applied > 0:
            self.applications[msg_id] = applied
        else:
            self.applications.pop(msg_id, None)
        self.forgotten_messages += 1

    # ---- queries

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
