"""A tiny partner kind for testing the generic partner core without any real kind: four statuses, two actions (one
opens a record), an inbound message that opens one, one due date. Registered under PartnerKind.TRAFFIC by the
`toy_spec` fixture (SPECS is keyed by kind; the fixture puts back whatever was there), so the core's tests never
depend on the kinds written in parallel.

    OPEN --accept--> ACCEPTED --finish--> DONE          OPEN --decline--> DECLINED
    actions: file (opens; input subject, amount, holder_id, phone; guard amount <= rules.cap), accept (note)
    inbound: toy.offered (opens: partner_ref, subject), toy.done (finish), toy.declined (decline), toy.noted (a note)
    due: answer — `rules.answer_days` working days after opening while OPEN
"""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import pytest
from pydantic import BaseModel, Field

from adapter.deadlines.calendar import WorkCalendar, china_date
from adapter.deadlines.compute import DueState
from adapter.errors import InvalidRequest
from adapter.partners.machine import Machine
from adapter.partners.spec import Action, Change, Outgoing, PartnerDue, PartnerRecord, figures_by_status
from adapter.partners.specs import SPECS
from scheduler.partners import WIRE_FACTORIES
from schemas.partner import PartnerEnvelope, PartnerKind

KIND = PartnerKind.TRAFFIC  # the toy borrows a real kind's slot: SPECS is keyed by PartnerKind


class St(StrEnum):
    OPEN = "OPEN"
    ACCEPTED = "ACCEPTED"
    DONE = "DONE"
    DECLINED = "DECLINED"


class Ev(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"
    FINISH = "finish"


MACHINE = Machine(
    kind=KIND.value,
    initial=St.OPEN,
    transitions={(St.OPEN, Ev.ACCEPT): St.ACCEPTED, (St.OPEN, Ev.DECLINE): St.DECLINED,
                 (St.ACCEPTED, Ev.FINISH): St.DONE},
    final=frozenset({St.DONE, St.DECLINED}),
)  # fmt: skip


class ToyRules(BaseModel):
    cap: Decimal = Decimal("1000.00")  # yuan
    answer_days: int = Field(default=3, ge=1, le=30)  # working days


class FileInput(BaseModel):
    subject: str = Field(min_length=1, max_length=40)
    amount: Decimal = Field(ge=0)
    holder_id: str = Field(min_length=18, max_length=18)
    phone: str = ""


class AcceptInput(BaseModel):
    note: str = ""


class RequestBody(BaseModel):
    subject: str
    amount: Decimal


class AnswerBody(BaseModel):
    accepted: bool
    note: str = ""


class OfferedBody(BaseModel):
    subject: str


class EmptyBody(BaseModel):
    reason: str = ""


BODIES: dict[str, type[BaseModel]] = {
    "toy.request": RequestBody,
    "toy.answer": AnswerBody,
    "toy.offered": OfferedBody,
    "toy.done": EmptyBody,
    "toy.declined": EmptyBody,
    "toy.noted": EmptyBody,
}


def _file(record: PartnerRecord | None, data: FileInput, now: datetime, rules: ToyRules) -> Change:
    if data.amount > rules.cap:
        raise InvalidRequest(f"amount: {data.amount} yuan is above the cap {rules.cap}", field="amount", rule="cap")
    return Change(
        note="filed",
        facts={"holder": {"id_number": data.holder_id, "phone": data.phone}, "filed_at": now},
        detail=f"filed; call {data.phone}",
        subject=data.subject,
        amount=f"{data.amount:.2f}",
        match_id=data.holder_id,
        outgoing=(Outgoing("toy.request", RequestBody(subject=data.subject, amount=data.amount)),),
    )


def _accept(record: PartnerRecord | None, data: AcceptInput, now: datetime, rules: ToyRules) -> Change:
    return Change(
        event=Ev.ACCEPT, detail=data.note, facts={"accepted_at": now},
        outgoing=(Outgoing("toy.answer", AnswerBody(accepted=True, note=data.note)),),
    )  # fmt: skip


@dataclass
class ToySpec:
    kind: PartnerKind = KIND
    machine: Machine = MACHINE
    rules_model: type[BaseModel] = ToyRules
    actions: Mapping[str, Action] = field(
        default_factory=lambda: {
            "file": Action("file", "file a request", FileInput, _file, opens=True),
            "accept": Action("accept", "accept the offer", AcceptInput, _accept),
        }
    )

    def body_model(self, type: str) -> type[BaseModel]:
        return BODIES[type]

    def on_message(self, record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
        body = BODIES[envelope.type].model_validate(envelope.body) if envelope.type in BODIES else None
        if body is None:
            raise InvalidRequest(f"type: {envelope.type} is not a toy message", field="type", rule="message_type")
        if record is None:
            if not isinstance(body, OfferedBody):
                raise InvalidRequest(f"{envelope.type} needs a record", rule="unknown_record")
            return Change(note="offered", subject=body.subject, partner_ref=envelope.partner_ref)
        if isinstance(body, OfferedBody):
            return Change(note="offered_again", detail="a second offer: kept")
        event = {"toy.done": Ev.FINISH, "toy.declined": Ev.DECLINE}.get(envelope.type)
        return Change(event=event, note=None if event else "noted", detail=getattr(body, "reason", ""))

    def due_dates(
        self,
        record: PartnerRecord,
        history: Sequence[tuple[datetime, str]],
        calendar: WorkCalendar,
        now: datetime,
        rules: Any,
    ) -> list[PartnerDue]:
        deadline = calendar.add_working_days(china_date(record.opened_at), rules.answer_days)
        left = next((at for at, what in history if what in (Ev.ACCEPT, Ev.DECLINE)), None)
        state = DueState.MET if left else DueState.OVERDUE if now >= deadline.closes_at else DueState.OPEN
        return [
            PartnerDue(
                name="answer",
                rule=f"answer an offer within {rules.answer_days} working days [P44 Art 12]",
                counting="working",
                state=state,
                due_at=deadline.closes_at,
                met_at=left,
                estimated=deadline.estimated,
            )
        ]

    def partner_status(self, record: PartnerRecord) -> str | None:
        if record.status == St.OPEN and "filed_at" not in record.facts:
            return None  # offered by the partner and not answered: nothing of ours there to compare
        return {"OPEN": "received", "ACCEPTED": "accepted", "DONE": "done", "DECLINED": "declined"}[record.status]

    def agrees(self, record: PartnerRecord, theirs: str | None) -> bool:
        return theirs == self.partner_status(record)

    def figures(self, records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
        return figures_by_status(self.partner_status, records, month)

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        if theirs is None and record.amount is not None:
            return (Outgoing("toy.request", RequestBody(subject=record.subject, amount=Decimal(record.amount))),)
        return ()


@pytest.fixture
def toy_spec() -> Iterator[ToySpec]:
    """The toy registered as SPECS[TRAFFIC] for one test, speaking the canonical wire (not the traffic platform's,
    scheduler/partners.py WIRE_FACTORIES); whatever was registered before is put back."""
    spec, before, wire = ToySpec(), SPECS.get(KIND), WIRE_FACTORIES.pop(KIND, None)
    SPECS[KIND] = spec
    yield spec
    if before is None:
        SPECS.pop(KIND, None)
    else:
        SPECS[KIND] = before
    if wire is not None:
        WIRE_FACTORIES[KIND] = wire


def toy_offer(n: int = 1, **changes: Any) -> PartnerEnvelope:
    """The toy kind's offer number `n` from the test partner, as it would push it; `changes` override fields."""
    from schemas.clock import utc_now
    from tests.support.partner_world import PARTNER  # here: partner_world builds its world over this module's kind

    data: dict[str, Any] = {"message_id": f"TP-{n:04d}", "kind": KIND, "partner": PARTNER, "partner_ref": f"REF-{n}",
                            "type": "toy.offered", "sent_at": utc_now(), "body": {"subject": f"JT-{n}"}}  # fmt: skip
    return PartnerEnvelope.model_validate({**data, **changes})
