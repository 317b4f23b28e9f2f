"""The centre's complaint use cases (partners.md §1): receive (guards, repeat check, forward) and the centre's own
actions — withdraw, return visit, close, request a review, the small-claim decision, conversion to mediation. Each is
one transaction: the complaint's change, its history line and its message to the desk commit together or not at all
(the outbox, adapter/complaints/delivery.py, sends it). An event the complaint's status does not allow raises
adapter/complaints/states.IllegalComplaintTransition (the API's 409) and changes nothing.

The desk's own messages are applied by adapter/complaints/inbound.py; conversion to mediation is
adapter/complaints/mediation.py's.
"""

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from adapter.complaints import mediation
from adapter.complaints.blind_index import index_value, search_values
from adapter.complaints.deadline_settings import ComplaintDeadlineSettings
from adapter.complaints.deadlines import ComplaintDeadlineKind, complaint_deadlines
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.complaints.facts import facts_of
from adapter.complaints.guards import REPEAT_WINDOW, check_intake, find_repeat
from adapter.complaints.memoranda import withhold
from adapter.complaints.states import ComplaintEvent, ComplaintNote, ComplaintStatus
from adapter.deadlines.calendar import WorkCalendar
from adapter.errors import DockingError, InvalidRequest
from adapter.persistence import complaint_store as store
from adapter.persistence.complaint_tables import ComplaintRow
from adapter.persistence.engine import UnitOfWork
from adapter.persistence.sealed_types import engine_vault
from schemas.clock import Clock, china_text, to_utc
from schemas.complaint import (
    Complaint,
    ForwardBody,
    ReviewRequestedBody,
    SmallClaimDecisionBody,
    Track,
    WithdrawnBody,
)

E = ComplaintEvent


class DuplicateComplaint(DockingError):
    """A second intake under a complaint id the centre already holds (the API's 409)."""

    def __init__(self, complaint_id: str, status: str) -> None:
        super().__init__(
            f"complaint {complaint_id} is already received (status {status}): `docking complaints show "
            f"{complaint_id}`; a new complaint needs a new complaint_id"
        )
        self.complaint_id, self.status = complaint_id, status


RECEIPT_SKEW = timedelta(minutes=5)  # intake systems' clocks drift; more than this is a wrong date, not drift


class ComplaintServices:
    """`uow` is the unit of work each use case runs one transaction in; `desks` which desk serves which institution
    (empty: every intake refused naming the setting to add); `calendar` and `deadlines` the forward's due dates."""

    def __init__(
        self,
        uow: UnitOfWork,
        clock: Clock,
        actor: str = "centre",
        *,
        desks: DeskDirectory | None = None,
        calendar: WorkCalendar | None = None,
        deadlines: ComplaintDeadlineSettings | None = None,
        repeat_window: timedelta = REPEAT_WINDOW,
    ) -> None:
        self.uow, self.clock, self.actor = uow, clock, actor
        self.desks = desks or DeskDirectory()
        self.calendar = calendar or WorkCalendar()
        self.deadlines = deadlines or ComplaintDeadlineSettings()
        self.repeat_window = repeat_window

    # ---- intake

    def receive(self, complaint: Complaint) -> ComplaintStatus:
        """Take a complaint in: refused (InvalidRequest naming field and rule, nothing stored) when no desk serves
        its institution (rule no_desk), or by the intake guards (representative's document, codes, track, cap —
        adapter/complaints/guards.py), or a `received_at` more than five minutes ahead of the clock (rule future);
        DuplicateComplaint for a known id. A repeat of an earlier complaint against
        the same institution is MERGED when it brings no new facts; otherwise stored and FORWARDED, its
        complaint.forward queued in the same transaction (fields the MoU withholds removed). With new facts the
        clock restarts [P33] (CBIRC Order 2020 No 3; forwarded the day received [P67a]). Returns the status."""
        desk = self.desks.for_institution(complaint.institution.uscc)
        check_intake(complaint, desk.memorandum)
        now = self.clock()
        if complaint.received_at > now + RECEIPT_SKEW:  # a wrong date would move every deadline of the complaint
            raise InvalidRequest(
                f"received_at: {china_text(complaint.received_at)} is in the future; give the time the centre "
                "received the complaint, or leave it out for now (rule future)",
                field="received_at",
                rule="future",
            )
        with self.uow.begin() as session:
            existing = store.find(session, complaint.complaint_id)
            if existing is not None:
                raise DuplicateComplaint(complaint.complaint_id, existing.status)
            vault = engine_vault(self.uow.engine)
            key = index_value(complaint.complainant, vault)
            earlier = store.priors(
                session, search_values(complaint.complainant, vault), complaint.institution.uscc, as_key=key
            )
            repeat = find_repeat(complaint, earlier, key=key, window=self.repeat_window)
            try:  # a concurrent intake of the same id may commit first: its primary key refuses ours
                with session.begin_nested():
                    row = store.create(
                        session, complaint, desk=desk.name, complainant_key=key, actor=self.actor, at=now
                    )
            except IntegrityError:
                raise DuplicateComplaint(complaint.complaint_id, "just received") from None
            if repeat is not None and not complaint.new_facts:
                row.repeat_of = repeat.complaint_id
                store.transition(
                    session, row, E.MERGE, actor=self.actor, at=now,
                    detail=f"repeats {repeat.complaint_id} without new facts: merged into it [P33]",
                )  # fmt: skip
                self._note_on(session, repeat.complaint_id, "repeat_merged", f"repeated by {row.complaint_id}", now)
                return ComplaintStatus.MERGED
            if repeat is not None:
                row.repeat_of, row.restarted_at = repeat.complaint_id, to_utc(complaint.received_at)
                detail = f"repeats {repeat.complaint_id} with new facts: handled anew, the clock restarts [P33]"
                store.note(session, row, ComplaintNote.NEW_FACTS, actor=self.actor, at=now, detail=detail)
                self._note_on(
                    session, repeat.complaint_id, ComplaintNote.NEW_FACTS, f"new facts in {row.complaint_id}", now
                )
            return self._forward(session, row, complaint, desk, now)

    def _forward(
        self, session: Session, row: ComplaintRow, complaint: Complaint, desk: Desk, now: datetime
    ) -> ComplaintStatus:
        visible, withheld = withhold(complaint, desk.memorandum)
        # FORWARDED: handed to the outbox now. `forwarded_at` — the institution's receipt, where its decision
        # clock starts — is set when the desk's receipt comes back (adapter/complaints/delivery.py); until then
        # the forward deadline stays live, so a desk that cannot be reached shows the complaint late. The dues the
        # message carries are counted as if it arrives now.
        status = store.transition(
            session, row, E.FORWARD, actor=self.actor, at=now,
            detail=f"to desk {desk.name}" + (f"; withheld: {', '.join(withheld)}" if withheld else ""),
        )  # fmt: skip
        arriving = replace(facts_of(row), forwarded_at=to_utc(now))
        dues = {d.kind: d for d in complaint_deadlines(arriving, self.calendar, self.deadlines, now)}
        centre, decision = dues.get(ComplaintDeadlineKind.CENTRE_TARGET), dues.get(ComplaintDeadlineKind.DECISION)
        body = ForwardBody(
            complaint=visible,
            forwarded_at=now,
            centre_due=centre.due.closes_at if centre and centre.due else None,
            statutory_due=decision.due.closes_at if decision and decision.due else None,
            withheld=withheld,
        )
        store.enqueue(session, row, body, now)
        return status

    def _note_on(self, session: Session, complaint_id: str, what: str, detail: str, now: datetime) -> None:
        other = store.find(session, complaint_id)
        if other is not None:
            store.note(session, other, what, actor=self.actor, at=now, detail=detail)

    # ---- the centre's actions

    def withdraw(self, complaint_id: str, reason: str = "", *, version: int | None = None) -> ComplaintStatus:
        """The complainant withdrew: handling ends on arrival, and a desk that has the complaint is told."""
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            had_desk = row.status != ComplaintStatus.RECEIVED
            status = store.transition(session, row, E.WITHDRAW, actor=self.actor, at=now, detail=reason)
            if had_desk:
                store.enqueue(session, row, WithdrawnBody(withdrawn_at=now, reason=reason), now)
            return status

    def visit(
        self, complaint_id: str, satisfaction: int, note: str = "", *, version: int | None = None
    ) -> ComplaintStatus:
        """The return visit (回访) with the complainant's satisfaction, 1 (very dissatisfied) to 5 [P67a];
        InvalidRequest (field satisfaction) outside 1–5."""
        if not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5:
            raise InvalidRequest(
                f"satisfaction: {satisfaction!r} is not a score from 1 (very dissatisfied) to 5 (very satisfied)",
                field="satisfaction",
                rule="range_1_5",
            )
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            status = store.transition(
                session, row, E.VISIT, actor=self.actor, at=now, detail=f"satisfaction {satisfaction}; {note}".strip()
            )
            row.satisfaction = satisfaction
            return status

    def close(self, complaint_id: str, note: str = "", *, version: int | None = None) -> ComplaintStatus:
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            return store.transition(session, row, E.CLOSE, actor=self.actor, at=now, detail=note)

    def request_review(self, complaint_id: str, grounds: str, *, version: int | None = None) -> ComplaintStatus:
        """The complainant disputes the decision: the institution is asked to review it (核查) [P34][P42b]."""
        if not grounds.strip():
            raise InvalidRequest("grounds: a review request needs its grounds", field="grounds", rule="required")
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            status = store.transition(session, row, E.REQUEST_REVIEW, actor=self.actor, at=now, detail=grounds[:200])
            row.review_requested_at = to_utc(now)
            store.enqueue(session, row, ReviewRequestedBody(requested_at=now, grounds=grounds), now)
            return status

    def small_claim_decide(
        self, complaint_id: str, amount: Decimal, mediator: str, *, version: int | None = None
    ) -> ComplaintStatus:
        """The mediator's small-claim decision within the authority the institution's MoU delegates [P67a]:
        InvalidRequest when the complaint is not on the small-claim track (field track), its desk has no memorandum
        (rule memorandum), or `amount` is above the memorandum's cap (field amount, rule small_claim_cap). Sends
        smallclaim.decision."""
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            desk = self.desks.get(row.desk)
            memo = desk.memorandum if desk is not None else None
            if row.track != Track.SMALL_CLAIM:
                raise InvalidRequest(
                    f"track: complaint {complaint_id} is on the {row.track} track, not small_claim",
                    rule="small_claim_track",  # the complaint's state, not an input: no field (adapter/errors.py)
                )
            if memo is None:
                raise InvalidRequest(
                    f"desk {row.desk} has no memorandum ([desks.{row.desk}.memorandum]): no authority is delegated",
                    rule="memorandum",
                )
            if amount > memo.small_claim_cap:
                raise InvalidRequest(
                    f"amount: {amount} yuan is above the small-claim cap of {memo.small_claim_cap} yuan the "
                    f"memorandum with {row.institution_name} delegates (rule small_claim_cap)",
                    field="amount",
                    rule="small_claim_cap",
                )
            status = store.transition(
                session, row, E.SMALL_CLAIM_DECIDE, actor=self.actor, at=now, detail=f"{amount:.2f} yuan by {mediator}"
            )
            row.small_claim_decided_at, row.remedy_amount = to_utc(now), f"{amount:.2f}"
            body = SmallClaimDecisionBody(amount=amount, cap=memo.small_claim_cap, decided_at=now, mediator=mediator)
            store.enqueue(session, row, body, now)
            return status

    def convert_to_mediation(
        self,
        complaint_id: str,
        complainant_consented_at: datetime,
        institution_consented_at: datetime,
        note: str = "",
        *,
        version: int | None = None,
    ) -> str:
        """Both parties consented: a flow-C case is opened for the complaint (adapter/complaints/mediation.py), the
        desk is told; returns the new case id."""
        now = self.clock()
        with self.uow.begin() as session:
            row = store.get(session, complaint_id, version=version)
            return mediation.convert(
                session, row, complainant_consented_at, institution_consented_at, note,
                actor=self.actor, now=now, tell_desk=True,
            )  # fmt: skip
