"""The simulated arbitration commission: the applications the centre handed over and the mediations it entrusted
to the centre, its feed of signed answers, its memory of applied message ids, its misbehaviours, its own status of
each case. Thread-safe (one lock). It speaks the arb-commission wire (mappings/arbitration.py), verifies every
request of the centre (signature, freshness, replayed nonces) and applies each message id once.
"""

import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from mappings import arbitration as wire
from mappings.codes import MalformedPayload
from reference.errors import UnknownCode
from sandbox.arbitration.case import CommissionCase, follow_up
from sandbox.arbitration.config import CommissionConfig
from sandbox.arbitration.scripts import on_application
from sandbox.arbitration.steps import ENTRUSTED_PARTIES, body_of, entrustment
from sandbox.court import CourtRefusal
from sandbox.signed_feed import FeedItem, SignedFeed
from schemas.clock import CHINA
from schemas.partner import PartnerEnvelope, PartnerKind
from schemas.validation import summarize
from signing.base import MessageSigner, MessageVerifier

CENTRE = "centre"  # the name the commission's decoded envelopes carry (ours carry the commission's settings name)


class CommissionCore(SignedFeed):
    def __init__(
        self,
        config: CommissionConfig,
        signer: MessageSigner,
        centre_verifier: MessageVerifier,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            signer, centre_verifier, window_seconds=config.window_seconds, live=config.live, clock=clock,
            monotonic=monotonic,
        )  # fmt: skip
        self.config = config
        self.cases: dict[str, CommissionCase] = {}  # case number → case
        self._answers: dict[str, dict[str, Any]] = {}  # message id → the first receipt
        self.applications: dict[str, int] = {}  # message id → times applied (never more than 1)
        self.received: list[PartnerEnvelope] = []  # every centre message applied, in order
        self.requests: list[str] = []  # every centre request seen, verified or not ("METHOD url")
        self._planned: dict[str, set[str]] = {}  # our record id → misbehaviours chosen before it arrives
        self._numbers = config.first_case_number
        self._serial = 0
        self.refusals: dict[str, tuple[str, str]] = {}  # our record id → (code, words): its messages refused
        self.overrides: dict[str, str] = {}  # our record id → the status its query answers, set by hand
        self.counts: dict[str, dict[str, int]] | None = None  # month → the figures it publishes; None: keeps none

    def now(self) -> datetime:
        return self._clock()

    # ---- controls (tests, the control API)

    def misbehave(self, record_id: str, *faults: str) -> None:
        """The application (handed over already, or later) misbehaves so; a known one is re-planned."""
        with self._lock:
            self._planned.setdefault(record_id, set()).update(faults)
            known = self.by_record(record_id)
            if known is not None and known.status == "received":
                known.faults |= set(faults)
                known.pending = [s for s in on_application(self.config, known.faults) if s[1] != "receipt"]

    def refuse(self, record_id: str, code: str = "refused", detail: str = "the commission refuses it") -> None:
        """Every later message of the centre about `record_id` is refused (HTTP 422 with `code`)."""
        with self._lock:
            self.refusals[record_id] = (code, detail)

    def set_status(self, record_id: str, status: str | None) -> None:
        """The commission's status of the record is edited by hand (drift; None: back to its own)."""
        with self._lock:
            if status is None:
                self.overrides.pop(record_id, None)
            else:
                self.overrides[record_id] = status

    def forget(self, record_id: str) -> None:
        """The commission loses the application and its memory of the messages about it (reconciliation's drift:
        a lost application, to be resent)."""
        with self._lock:
            known = self.by_record(record_id)
            if known is not None:
                del self.cases[known.case_no]
            for envelope in self.received:
                if envelope.record_id == record_id:
                    self._answers.pop(envelope.message_id, None)

    def entrust(self, claim: str, amount: str, parties: Sequence[Mapping[str, Any]] = ENTRUSTED_PARTIES) -> str:
        """The reverse flow: the commission entrusts mediation of one of its cases to the centre (parties as
        schemas/arbitration.py ArbParty JSON); returns its case number."""
        with self._lock:
            case = self._open(None, "", [str(p["ref"]) for p in parties], set())
            case.status = "entrusted"
            self._emit(
                case, "arb.mediation_entrusted", entrustment(case, self._date(case, 0.0), claim, amount, parties), 0.0
            )
            return case.case_no

    def by_record(self, record_id: str) -> CommissionCase | None:
        return next((c for c in self.cases.values() if c.record_id == record_id), None)

    # ---- the centre's requests

    def verify_request(self, body: bytes, headers: Mapping[str, str], target: str) -> None:
        with self._lock:
            self.requests.append(target)
        super().verify_request(body, headers, target)

    def receive(self, body: bytes, headers: Mapping[str, str], target: str) -> dict[str, Any]:
        """One message of the centre: verified, read, applied once; its receipt (accepted, or duplicate with the
        first answer), in the generic partner REST vocabulary (connectors/partner_rest.py)."""
        self.verify_request(body, headers, target)
        try:
            envelope = wire.decode(body, CENTRE)
        except (MalformedPayload, UnknownCode) as exc:
            raise CourtRefusal(400, "malformed", str(exc)[:300]) from None
        except ValidationError as exc:
            raise CourtRefusal(400, "malformed", summarize(exc)[:300]) from None
        with self._lock:
            self.tick()
            first = self._answers.get(envelope.message_id)
            if first is not None:
                return {**first, "duplicate": True}
            refused = self.refusals.get(envelope.record_id or "")
            if refused is not None:
                raise CourtRefusal(422, *refused)
            case = self._apply(envelope)
            self.tick()  # the intake receipt goes out at once
            answer = {"code": "0", "message_id": envelope.message_id, "duplicate": False, "partner_ref": case.case_no}
            self._answers[envelope.message_id] = answer
            self.applications[envelope.message_id] = self.applications.get(envelope.message_id, 0) + 1
            self.received.append(envelope)
            return answer

    def _apply(self, envelope: PartnerEnvelope) -> CommissionCase:
        body = envelope.body
        if envelope.type == "arb.application":
            known = self.by_record(envelope.record_id or "")
            if known is not None:  # our resend under a new message id: the same case, not a second one
                return known
            application = body["application"]  # validated by the wire (mappings/arbitration.py)
            parties = [str(p["ref"]) for p in application["parties"]]
            faults = set(self.config.faults) | self._planned.get(envelope.record_id or "", set())
            case = self._open(envelope.record_id, envelope.message_id, parties, faults)
            case.requested = str(application["requested_instrument"])
            case.pending = on_application(self.config, faults)
            return case
        case = self._case_of(envelope)
        follow_up(case, envelope, self.config, self.elapsed(case))
        return case

    def _case_of(self, envelope: PartnerEnvelope) -> CommissionCase:
        case = self.cases.get(envelope.partner_ref or "") or self.by_record(envelope.record_id or "")
        if case is None:
            raise CourtRefusal(404, "unknown_case", f"no case {envelope.partner_ref or envelope.record_id} here")
        return case

    def _open(self, record_id: str | None, opened_by: str, parties: list[str], faults: set[str]) -> CommissionCase:
        now = self._clock()
        case_no = self.config.case_no(now.astimezone(CHINA).year, self._numbers)  # the commission's year: China time
        self._numbers += 1
        case = CommissionCase(case_no, record_id, opened_by, self._monotonic(), now, parties=parties, faults=faults)
        self.cases[case_no] = case
        return case

    # ---- the commission's answers

    def tick(self) -> int:
        """Publish every scripted answer whose time has come; returns how many."""
        published = 0
        with self._lock:
            for case in list(self.cases.values()):
                elapsed = self.elapsed(case)
                while case.pending and case.pending[0][0] <= elapsed:
                    day, step = case.pending.pop(0)
                    kind, body, status = body_of(step, case, self._date(case, day), self.config)
                    self._emit(case, kind, body, day)
                    if kind == "arb.instrument_issued":
                        case.issued = str(body["kind"])
                    case.status = status
                    if status in ("refused", "withdrawn"):
                        case.pending = []
                    published += 1
        return published

    def elapsed(self, case: CommissionCase) -> float:
        """Simulated days since `case` opened, on the commission's pace."""
        return (self._monotonic() - case.arrived) / self.config.seconds_per_day

    def _date(self, case: CommissionCase, day: float) -> datetime:
        at = case.arrived_at + timedelta(days=day)
        # live (beside a real adapter): never dated after the moment it is published, which the adapter would
        # refuse as a message from the future
        return min(at, self._clock()) if self.config.live else at

    def _emit(self, case: CommissionCase, kind: str, body: dict[str, Any], day: float) -> None:
        at = self._date(case, day)
        self._serial += 1
        envelope = PartnerEnvelope(
            message_id=f"{self.config.message_prefix}-{self._run}M{self._serial:06d}",
            kind=PartnerKind.ARBITRATION,
            partner=CENTRE,
            record_id=case.record_id,
            partner_ref=case.case_no,
            type=kind,
            sent_at=at,
            correlates_to=case.opened_by or None,
            body=body,
        )
        copies = 2 if "duplicate" in case.faults else 1
        for _ in range(copies):
            self.publish(envelope, spoiled="bad_signature" in case.faults)

    def publish(self, envelope: PartnerEnvelope, *, spoiled: bool = False) -> FeedItem:
        """Put one message on the feed as the commission writes it (tests use it for crafted items)."""
        return self.append(wire.encode(envelope), envelope.message_id, spoiled=spoiled)

    def sign_answer(self, payload: bytes) -> dict[str, str]:
        """The commission's signature over one of its answers (a receipt, a refusal), under a fresh id."""
        return dict(self._signer.sign(payload, message_id=uuid.uuid4().hex, at=self._clock()))

    # ---- reads

    def status(self, record_ids: list[str]) -> dict[str, dict[str, str] | None]:
        """The commission's own view of each record (our ids), in the coarse vocabulary of schemas/arbitration.py
        ArbPartnerStatus: {"status", "partner_ref"}, or None where it does not know it."""
        with self._lock:
            self.tick()
            return {
                rid: None
                if case is None
                else {"status": self.overrides.get(rid, case.status), "partner_ref": case.case_no}
                for rid in record_ids
                for case in [self.by_record(rid)]
            }

    def statistics(self, month: str) -> dict[str, int] | None:
        """Its figures for a month (None: it keeps none for the centre — partners.md §3: no public volumes)."""
        with self._lock:
            return None if self.counts is None else dict(self.counts.get(month, {}))

    def stats(self) -> dict[str, Any]:
        with self._lock:
            return {
                "commission": self.config.name,
                "cases": {no: (c.record_id, c.status) for no, c in self.cases.items()},
                "published": len(self.items),
                "applied": len(self.applications),
                "applied_twice": sorted(m for m, n in self.applications.items() if n > 1),
                "requests": len(self.requests),
                "signature_failures": dict(self.signature_failures),
            }
