"""The simulated institution desk: the complaints it was forwarded, its feed of signed answers, its memory of
applied messages, its misbehaviours. Thread-safe (one lock): the HTTP server and the pusher call in from many
threads. It speaks the complaint-desk wire (mappings/complaint_desk.py), verifies every request of the centre
(signature, freshness, replayed nonces) and applies each message id once.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from mappings import complaint_desk
from mappings.codes import MalformedPayload
from reference.errors import UnknownCode
from sandbox.court import CourtRefusal
from sandbox.institution.config import InstitutionConfig
from sandbox.institution.scripts import REVIEW_AFTER, Step, payment, script
from sandbox.institution.steps import RANK, body_of
from sandbox.signed_feed import FeedItem, SignedFeed
from schemas.complaint import ComplaintEnvelope, ComplaintMessageType
from schemas.validation import summarize
from signing.base import MessageSigner, MessageVerifier

PLATFORM = "desk"  # the name the desk's own wire tables are loaded under (codes are the profile's, not per name)


@dataclass
class DeskComplaint:
    complaint_id: str
    desk_ref: str
    forward_id: str
    arrived: float  # the desk's monotonic clock when the forward arrived
    arrived_at: datetime  # the same moment on the desk's (simulated) calendar
    amount: Decimal
    track: str
    faults: set[str]
    status: str = "received"
    pending: list[Step] = field(default_factory=list)


DeskItem = FeedItem  # the desk's feed items (sandbox/signed_feed.py)


class DeskCore(SignedFeed):
    def __init__(
        self,
        config: InstitutionConfig,
        desk_signer: MessageSigner,
        centre_verifier: MessageVerifier,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
        dated_by_clock: bool = False,
    ) -> None:
        super().__init__(
            desk_signer,
            centre_verifier,
            window_seconds=config.window_seconds,
            live=config.live,
            clock=clock,
            monotonic=monotonic,
        )
        self.config = config
        # True: every message is dated no later than `clock` (a desk beside a centre on the real clock, as in
        # `docking demo`, whose answers may not lie in the centre's future); False: on the script's simulated days.
        self.dated_by_clock = dated_by_clock
        self.complaints: dict[str, DeskComplaint] = {}
        self._answers: dict[str, dict[str, Any]] = {}  # message id → the original answer
        self.applications: dict[str, int] = {}  # message id → times applied (must never exceed 1)
        self.received: list[ComplaintEnvelope] = []  # every centre message applied, in order
        self._planned: dict[str, set[str]] = {}  # complaint id → misbehaviours chosen before it arrives
        self._serial = 0

    # ---- controls (tests, the control API)

    def misbehave(self, complaint_id: str, *faults: str) -> None:
        """The complaint (forwarded already, or later) misbehaves so; its pending answers are re-planned."""
        with self._lock:
            self._planned.setdefault(complaint_id, set()).update(faults)
            known = self.complaints.get(complaint_id)
            if known is not None and not self._published_about(complaint_id):
                known.faults |= set(faults)
                known.pending = script(self.config.kind, known.track, known.faults)

    def forget(self, complaint_id: str) -> None:
        """The desk loses the complaint and its memory of the messages applied to it (reconciliation's drift)."""
        with self._lock:
            self.complaints.pop(complaint_id, None)
            for envelope in self.received:
                if envelope.complaint_id == complaint_id:
                    self._answers.pop(envelope.message_id, None)

    # ---- the centre's requests

    def receive(self, body: bytes, headers: Mapping[str, str], target: str) -> dict[str, Any]:
        """One message of the centre: verified, read, applied once; the receipt (`cf` on a resend)."""
        self.verify_request(body, headers, target)
        try:
            envelope = complaint_desk.decode(PLATFORM, body, self.config.timestamp_format)  # type: ignore[arg-type]
        except (MalformedPayload, UnknownCode) as exc:
            raise CourtRefusal(400, "invalid", str(exc)[:300]) from None
        except ValidationError as exc:
            raise CourtRefusal(400, "invalid", summarize(exc)[:300]) from None
        with self._lock:
            self.tick()
            first = self._answers.get(envelope.message_id)
            if first is not None:
                return {**first, "cf": True}
            answer = self._apply(envelope)
            self._answers[envelope.message_id] = answer
            self.applications[envelope.message_id] = self.applications.get(envelope.message_id, 0) + 1
            self.received.append(envelope)
            return answer

    def _apply(self, envelope: ComplaintEnvelope) -> dict[str, Any]:
        cid, kind, body = envelope.complaint_id, envelope.body.type, envelope.body
        known = self.complaints.get(cid)
        if kind is ComplaintMessageType.FORWARD:
            if known is None:
                assert body.type is ComplaintMessageType.FORWARD
                complaint = body.complaint
                faults = set(self.config.faults) | self._planned.get(cid, set())
                self._serial += 1
                known = DeskComplaint(
                    cid,
                    f"{self.config.prefix}{self._clock().year}{self._serial:06d}",
                    envelope.message_id,
                    self._monotonic(),
                    self._clock(),
                    complaint.amount_in_dispute,
                    complaint.track.value,
                    faults,
                )
                known.pending = script(self.config.kind, known.track, faults)
                self.complaints[cid] = known
        elif known is None:
            raise CourtRefusal(404, "unknown_complaint", f"no complaint {cid} was forwarded to this desk")
        elif kind is ComplaintMessageType.WITHDRAWN:
            known.pending, known.status = [], "withdrawn"
        elif body.type is ComplaintMessageType.SMALL_CLAIM_DECISION:
            known.amount = body.amount
            day, step = payment(known.faults)
            known.pending.append((self._elapsed_days(known) + day, step))
        elif kind is ComplaintMessageType.REVIEW_REQUESTED:
            known.pending.append((self._elapsed_days(known) + REVIEW_AFTER, "review_decided"))
            known.status = "handling"
        return {"code": "0", "xxbh": envelope.message_id, "cf": False, "jgslh": known.desk_ref}

    # ---- the desk's answers

    def tick(self) -> int:
        """Publish every scripted answer whose time has come; returns how many."""
        published = 0
        with self._lock:
            for known in list(self.complaints.values()):
                elapsed = self._elapsed_days(known)
                while known.pending and known.pending[0][0] <= elapsed:
                    day, step = known.pending.pop(0)
                    self._publish(known, day, step)
                    published += 1
        return published

    def _elapsed_days(self, known: DeskComplaint) -> float:
        return (self._monotonic() - known.arrived) / self.config.seconds_per_day

    def _publish(self, known: DeskComplaint, day: float, step: str) -> None:
        at = known.arrived_at + timedelta(days=day)
        if step == "to_mediation" or self.dated_by_clock or self.config.live:
            # Never dated after the desk's real clock, however far its simulated days ran: consent is given before
            # it is told (the centre refuses a consent in the future, adapter/complaints/mediation.py), and a live
            # desk read by a real adapter dates each message when it is published.
            at = min(at, self._clock())
        cid = f"UNKNOWN-{known.complaint_id}"[:40] if step == "ack_unknown" else known.complaint_id
        body, status = body_of(step, known.desk_ref, at, known.amount)
        self._serial += 1
        envelope = ComplaintEnvelope(
            message_id=f"{self.config.prefix}-{self._run}M{self._serial:06d}",
            complaint_id=cid,
            desk_ref=known.desk_ref,
            sent_at=at,
            correlates_to=known.forward_id,
            body=body,
        )
        self.publish(envelope, spoiled="bad_signature" in known.faults)
        if step != "ack_unknown" and (status not in RANK or RANK.get(known.status, 9) < RANK[status]):
            known.status = status  # only forward: a late acknowledgement never undoes a decision

    def publish(self, envelope: ComplaintEnvelope, *, spoiled: bool = False) -> DeskItem:
        """Put one message on the feed as the desk writes it (tests use it for crafted but authentic items)."""
        wire = complaint_desk.encode(envelope, PLATFORM, self.config.timestamp_format)  # type: ignore[arg-type]
        return self.append(wire, envelope.message_id, spoiled=spoiled)

    def _published_about(self, complaint_id: str) -> bool:
        return any(f'"tsbh":"{complaint_id}"' in item.body for item in self.items)

    # ---- reads

    def status(self, complaint_ids: list[str]) -> dict[str, str | None]:
        with self._lock:
            self.tick()
            return {
                cid: complaint_desk.encode_status(PLATFORM, known.status if known else None)
                for cid in complaint_ids
                for known in [self.complaints.get(cid)]
            }

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "kind": self.config.kind,
                "complaints": {cid: k.status for cid, k in self.complaints.items()},
                "published": len(self.items),
                "applied": len(self.applications),
                "applied_twice": sorted(m for m, n in self.applications.items() if n > 1),
                "signature_failures": dict(self.signature_failures),
            }
