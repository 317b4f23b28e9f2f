"""The simulated traffic-accident platform: the cases it offered, its feed of signed messages, its memory of the
centre's messages (each message id applied once), the insurer and the appraisers behind it, its misbehaviours, and
its own view for the status query and the monthly statistics. Thread-safe (one lock). It speaks the
traffic-platform wire (mappings/traffic_platform.py) and verifies every request of the centre (signature,
freshness, replayed nonces).
"""

import random
import secrets
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from adapter.deadlines.calendar import WorkCalendar, china_date
from mappings import traffic_platform as wire
from mappings.codes import MalformedPayload
from mappings.times import CHINA
from sandbox.court import CourtRefusal
from sandbox.signed_feed import FeedItem, SignedFeed
from sandbox.traffic import script
from sandbox.traffic.bodies import CENTRE, Models, body_of, default_models
from sandbox.traffic.case import PlatformCase
from sandbox.traffic.config import TrafficConfig
from sandbox.traffic.police import certificate
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.validation import summarize
from signing.base import MessageSigner, MessageVerifier

PARTNER = "centre"  # how the platform names the centre in the envelopes it decodes


class TrafficCore(SignedFeed):
    def __init__(
        self,
        config: TrafficConfig,
        signer: MessageSigner,
        centre_verifier: MessageVerifier,
        *,
        models: Models | None = None,
        calendar: WorkCalendar | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            signer,
            centre_verifier,
            window_seconds=config.window_seconds,
            live=config.live,
            clock=clock,
            monotonic=monotonic,
        )
        self.config = config
        self.models = models or default_models()
        self.calendar = calendar or WorkCalendar()
        self.rng = random.Random(config.seed)
        self.cases: dict[str, PlatformCase] = {}  # serial number → case
        self._answers: dict[str, dict[str, Any]] = {}  # centre message id → its receipt
        self.applications: dict[str, int] = {}  # centre message id → times applied (never above 1)
        self.received: list[PartnerEnvelope] = []
        self._serial = 0  # messages published
        self._cases = 0
        self.refusals: dict[str, tuple[str, str]] = {}  # our record id → (code, detail) the platform refuses with
        self.published_statistics: dict[str, dict[str, int]] | None = None

    # ---- the police feed

    def offer(
        self, count: int = 1, *, faults: tuple[str, ...] = (), levels: tuple[str, str] | None = None
    ) -> list[str]:
        """`count` new cases offered to the centre (an offer each); their serial numbers."""
        serials = []
        with self._lock:
            for _ in range(count):
                self._cases += 1
                now = self._clock().astimezone(CHINA)
                serial = f"DJ{self.config.division}{now:%Y%m%d}{self._cases:04d}"
                accident = now - timedelta(days=self.rng.randint(20, 40))
                facts = certificate(self.rng, self._cases, accident, self.calendar, levels)
                known = PlatformCase(serial, facts, self._monotonic(), now, now, set(self.config.faults) | set(faults))
                self.cases[serial] = known
                self._emit(known, "case_offered", now)
                known.pending = script.after_offer(known.faults)
                serials.append(serial)
        return serials

    # ---- controls (tests, the control API)

    def misbehave(self, serial_no: str, *faults: str) -> None:
        with self._lock:
            self.cases[serial_no].faults |= set(faults)

    def refuse(self, record_id: str, code: str = "rejected", detail: str = "the platform refuses the message") -> None:
        """Every message about `record_id` is refused from now on (HTTP 422 with `code`)."""
        with self._lock:
            self.refusals[record_id] = (code, detail)

    def forget_last(self, record_id: str) -> str | None:
        """Drift: the platform loses the centre's latest message about a record (its status rolls back, the message
        id is forgotten, so a resend applies). Returns the forgotten message id."""
        with self._lock:
            known = self._by_record(record_id)
            if known is None or not known.applied:
                return None
            message_id, before = known.applied.pop()
            known.status = before
            self._answers.pop(message_id, None)
            return message_id

    # ---- the centre's requests

    def receive(self, body: bytes, headers: Mapping[str, str], target: str) -> dict[str, Any]:
        """One message of the centre: verified, read, applied once; its receipt (accepted, or duplicate)."""
        self.verify_request(body, headers, target)
        try:
            envelope = wire.decode(PARTNER, body, self.models, self.config.timestamp_format)  # type: ignore[arg-type]
        except MalformedPayload as exc:
            raise CourtRefusal(400, "rejected", str(exc)[:300]) from None
        except ValidationError as exc:
            raise CourtRefusal(400, "rejected", summarize(exc)[:300]) from None
        with self._lock:
            self.tick()
            first = self._answers.get(envelope.message_id)
            if first is not None:
                return {**first, "duplicate": True, "result": "duplicate"}
            known = self._apply(envelope)
            answer = {
                "code": "0",
                "message_id": envelope.message_id,
                "duplicate": False,
                "result": "accepted",
                "partner_ref": known.serial_no,
            }
            self._answers[envelope.message_id] = answer
            self.applications[envelope.message_id] = self.applications.get(envelope.message_id, 0) + 1
            self.received.append(envelope)
            return answer

    def _apply(self, envelope: PartnerEnvelope) -> PlatformCase:
        known = self.cases.get(envelope.partner_ref or "")
        if known is None:
            raise CourtRefusal(404, "rejected", f"no case {envelope.partner_ref!r} was offered by this platform")
        if known.record_id not in (None, envelope.record_id):
            raise CourtRefusal(409, "rejected", f"case {known.serial_no} belongs to record {known.record_id}")
        refused = self.refusals.get(envelope.record_id or "")
        if refused is not None:
            raise CourtRefusal(422, *refused)
        step = CENTRE.get(envelope.type)
        if step is None:
            raise CourtRefusal(422, "rejected", f"the platform takes no {envelope.type} from a centre")
        status, later = step(known, envelope.body, self)  # refuses (CourtRefusal) before anything changes
        known.record_id = envelope.record_id
        known.applied.append((envelope.message_id, known.status))
        known.last_centre = envelope.message_id
        known.status = status
        if later:  # the steps that follow count from now
            known.pending = sorted(later)
            known.arrived, known.started_at = self._monotonic(), max(envelope.sent_at, self._clock())
        return known

    def today(self) -> Any:
        return china_date(self._clock())

    # ---- the platform's messages

    def tick(self) -> int:
        """Publish every scripted message whose time has come; returns how many."""
        published = 0
        with self._lock:
            for known in list(self.cases.values()):
                elapsed = (self._monotonic() - known.arrived) / self.config.seconds_per_day
                while known.pending and known.pending[0][0] <= elapsed:
                    day, step = known.pending.pop(0)
                    # On the platform's simulated calendar: the day the script says, counted from the centre's
                    # message; a live platform beside a real adapter never dates a message after its publication
                    at = known.started_at + timedelta(days=day)
                    if self.config.live:
                        at = min(at, self._clock().astimezone(CHINA))
                    self._emit(known, step, at)
                    published += 1
        return published

    def _emit(self, known: PlatformCase, step: str, at: datetime) -> None:
        type_, body, status = body_of(step, known, at, self)
        self._serial += 1
        envelope = PartnerEnvelope(
            message_id=f"DJ-{self._run}M{self._serial:06d}",
            kind=PartnerKind.TRAFFIC,
            partner=PARTNER,
            record_id=known.record_id,
            partner_ref=known.serial_no,
            type=type_,
            sent_at=at,
            correlates_to=known.last_centre,
            body=body,
        )
        spoiled = "bad_signature" in known.faults
        self.publish(envelope, spoiled=spoiled)
        if "duplicate_push" in known.faults:
            self.publish(envelope, spoiled=spoiled)  # the same bytes under the same id, again
        if status is not None:
            known.status = status

    def publish(self, envelope: PartnerEnvelope, *, spoiled: bool = False) -> FeedItem:
        """Put one message on the feed as the platform writes it (tests use it for crafted but authentic items)."""
        raw = wire.encode(envelope, self.models, self.config.timestamp_format)  # type: ignore[arg-type]
        return self.append(raw, envelope.message_id, spoiled=spoiled)

    def sign_answer(self, payload: bytes) -> dict[str, str]:
        """Signature headers for one of the platform's answers (a receipt is signed like a message)."""
        return dict(self._signer.sign(payload, message_id=secrets.token_hex(8), at=self._clock()))

    # ---- reads

    def feed(self, cursor: int, limit: int) -> dict[str, Any]:
        return {"code": "0", **super().feed(cursor, limit)}

    def status(self, record_ids: list[str]) -> dict[str, dict[str, str] | None]:
        """The platform's view of each of our records: {"status", "partner_ref"}, or None where it knows none."""
        with self._lock:
            self.tick()
            return {
                rid: None if known is None else {"status": known.status, "partner_ref": known.serial_no}
                for rid in record_ids
                for known in [self._by_record(rid)]
            }

    def statistics(self, month: str) -> dict[str, int] | None:
        """The platform's counts of the cases offered in the month "YYYY-MM" (China time), by status; None
        for a month it offered nothing in. `published_statistics`, when set, is what it publishes instead (figures
        that differ from ours, for reconciliation; a month absent from it: no counts)."""
        with self._lock:
            if self.published_statistics is not None:
                return dict(self.published_statistics.get(month, {}))
            months = [k for k in self.cases.values() if f"{k.offered_at.astimezone(CHINA):%Y-%m}" == month]
            if not months:
                return None
            return dict(Counter(known.status for known in months))  # by status, as reconciliation counts ours

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "cases": {s: {"status": k.status, "record_id": k.record_id} for s, k in self.cases.items()},
                "published": len(self.items),
                "applied": len(self.applications),
                "applied_twice": sorted(m for m, n in self.applications.items() if n > 1),
                "signature_failures": dict(self.signature_failures),
            }

    def _by_record(self, record_id: str) -> PlatformCase | None:
        return next((k for k in self.cases.values() if k.record_id == record_id), None)
