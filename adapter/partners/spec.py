"""The seam between the generic partner core (store, outbox, inbox, reconciliation, deadline sweep, API, console)
and one kind's domain (adapter/partners/<kind>/): a PartnerSpec. The core never imports a kind's modules; it asks
the registry (adapter/partners/specs.py) for the spec of a record's kind.

A record as the core keeps it is a PartnerRecord: ids, status, version, a few list columns, and `facts` — the
kind's own data as a JSON object (sealed at rest: it holds IDs, phones, payee accounts). Everything a kind decides
is a pure function of a record, a message and the time, returning a Change the core applies in one transaction
(the status advanced through the kind's Machine, facts merged, a history entry, replies queued in the outbox).
"""

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel

from adapter.deadlines.calendar import WorkCalendar, china_date
from adapter.deadlines.compute import DueState
from adapter.partners.machine import Machine
from schemas.partner import PartnerEnvelope, PartnerKind


@dataclass(frozen=True)
class PartnerRecord:
    """A record as stored (read-only view). `facts` is the kind's data (JSON-ready: Decimal yuan as text, times as
    ISO text with offset); `subject` the list column naming it to a person (certificate number, commission case
    number, USCC or mediator ref — never an ID number); `amount` yuan as text or None."""

    record_id: str
    kind: PartnerKind
    partner: str
    partner_ref: str | None
    status: str
    version: int
    subject: str
    amount: str | None
    facts: Mapping[str, Any]
    case_id: str | None  # the mediation case it belongs to, if any
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None


@dataclass(frozen=True)
class Outgoing:
    """A message to queue for the partner in the same transaction: its type and typed body."""

    type: str
    body: BaseModel
    correlates_to: str | None = None


@dataclass(frozen=True)
class Change:
    """What one message or action does to a record. `event` is the Machine event (None: nothing moves — a note
    such as a duplicate or an appraisal fee); `note` names a history entry that moves no state; `facts` are merged
    into the record's facts (top-level keys replaced); `detail` is the history text — masked, never an ID number;
    `outgoing` the messages queued with it; `subject`/`amount`/`partner_ref`/`case_id` update the list columns when
    not None. `match_id` is the record's main personal identifier for duplicate checks (a mediator's ID number: "an ID
    active in two organisations", partners.md §4): the core stores only its blind index (adapter/complaints/
    blind_index.py, keyed by the data key) in the record's `match_key` column, never the number itself."""

    event: str | None = None
    note: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)
    detail: str = ""
    outgoing: Sequence[Outgoing] = ()
    subject: str | None = None
    amount: str | None = None
    partner_ref: str | None = None
    case_id: str | None = None
    match_id: str | None = None


@dataclass(frozen=True)
class PartnerDue:
    """One due date of a record. `counting` is "working" or "calendar" (police rules count working days, court and
    arbitration rules calendar days — partners.md §0); `rule` names the rule and its source, e.g. "insurer pays
    within 10 days of agreeing (保险法 Art 23)"; `due_at` None while `state` is PAUSED or the clock has not
    started; `estimated` when the holiday calendar lacked a year involved.

    `duty` True (the default): someone must act by `due_at` — the centre, the partner, an insurer, a court — so it
    goes DUE_SOON and OVERDUE and the deadline sweep raises a `partner.deadline_alert` on it. False: a party's own
    window, a right it may leave unused (an award's correction and set-aside [P21 Arts 56, 59], calendar days and
    months): OPEN until `due_at`, LAPSED from then, never DUE_SOON or OVERDUE, never alerted (compute.classify's
    duty=False, as a complainant's review request)."""

    name: str
    rule: str
    counting: str
    state: DueState
    due_at: datetime | None
    met_at: datetime | None = None
    estimated: bool = False
    duty: bool = True


@dataclass(frozen=True)
class Action:
    """Something the centre does to a record (accept an offer, submit an application, upsert a mediator …), offered
    alike by the API (`POST /api/centre/v1/partners/<kind>/…/actions/<name>`), the CLI and the console: `input` is
    the pydantic model of its arguments; `run(record, input, now)` is pure and returns the Change — or raises
    InvalidRequest naming the field and the rule (a guard: nothing is stored, nothing sent). `rules` is the
    partner's rules (an instance of the spec's `rules_model`, from `[partners.<name>.rules]`). `opens`: the action
    creates the record (`record` is None), e.g. an arbitration application or a roster entry."""

    name: str
    summary: str
    input: type[BaseModel]
    run: Callable[[PartnerRecord | None, Any, datetime, Any], Change]  # (record, input, now, rules)
    opens: bool = False
    # The Machine events its run fires, when not the one event named as the action (record_outcome: agree or
    # terminate); what labels an event the centre's (the rest are the partner's messages' or the sweep's).
    events: tuple[str, ...] = ()
    # Whether the centre may take it on this record now (its status, and guards that need only the record); None:
    # when the Machine allows one of its events from the record's status (`allowed_actions`).
    available: Callable[[PartnerRecord], bool] | None = None
    # What makes a second opening a duplicate: (the input field named in the refusal, same(existing, change)) — the
    # core asks it of each open record of the kind and partner with the change's subject or match key.
    unique: "Unique | None" = None
    # The core opens and links a court case for it in the action's own transaction (adapter/partners/case_link.py):
    # a pure action cannot touch the case store. The kind's input names the court flow; see case_link.
    links_case: bool = False


@dataclass(frozen=True)
class Unique:
    """An opening action's identity (an arbitration's mediation case, an organisation's USCC, a mediator's ID in
    an organisation): `field` the input field it comes from; `same(existing, change)` whether the open record
    `existing` (same kind and partner, same subject or same match key) is what `change` would open again."""

    field: str
    same: Callable[[PartnerRecord, Change], bool]


def allowed_actions(spec: "PartnerSpec", record: PartnerRecord) -> list[str]:
    """The actions on a record the centre may take now, sorted: each non-opening action whose `available` says so,
    or — without one — one of whose events (`events`, else its name) the Machine allows from the record's status."""
    allowed = set(spec.machine.allowed(record.status))
    return sorted(
        name for name, action in spec.actions.items() if not action.opens
        and (action.available(record) if action.available is not None else bool(allowed & fired(action)))
    )  # fmt: skip


def fired(action: Action) -> set[str]:
    """The Machine events `action` may fire: its `events`, else the event named as it."""
    return set(action.events or (action.name,))


class PartnerSpec(Protocol):
    """One kind's domain, registered in adapter/partners/specs.py."""

    kind: PartnerKind
    machine: Machine
    actions: Mapping[str, Action]
    # The partner's rules (periods, caps, code-table versions, law version by date …): every rule partners.md marks
    # *unconfirmed* is a field here with the documented default; one instance per partner, from the settings.
    rules_model: type[BaseModel]

    def body_model(self, type: str) -> type[BaseModel]:
        """The typed body for a message type, or KeyError (the connector answers an unknown type as PayloadError)."""
        ...

    def on_message(self, record: PartnerRecord | None, envelope: PartnerEnvelope, now: datetime, rules: Any) -> Change:
        """What an inbound message does. `record` is None when the message opens a record (a traffic offer, a
        commission entrusting mediation, an unsolicited roster entry); raises InvalidRequest (adapter/errors.py)
        naming the field and rule when the message cannot apply — the core quarantines it with its bytes."""
        ...

    def due_dates(
        self,
        record: PartnerRecord,
        history: Sequence[tuple[datetime, str]],
        calendar: WorkCalendar,
        now: datetime,
        rules: Any,
    ) -> list[PartnerDue]:
        """The record's due dates now; `history` is (at, event or note) oldest first. Pure."""
        ...

    def partner_status(self, record: PartnerRecord) -> str | None:
        """What the partner should say about this record in its coarse vocabulary (PartnerStatus.status), for
        reconciliation; None when nothing has been sent to it yet."""
        ...

    def agrees(self, record: PartnerRecord, theirs: str | None) -> bool:
        """Whether the partner's status `theirs` is consistent with the record — its vocabulary is coarser than
        ours and names some steps otherwise (the kind's status-equivalence table); reconciliation reports a
        difference only when it is not. `partner_status(record)` always agrees."""
        ...

    def figures(self, records: Iterable[PartnerRecord], month: str) -> dict[str, int]:
        """Our side of the partner's figures for `month` ("YYYY-MM", China time), under the keys and the counting
        of its statistics (PartnerPort.statistics) — e.g. the SPC platform's organisations, mediators, registered;
        `records` are all the partner's records. Pure."""
        ...

    def repair(self, record: PartnerRecord, theirs: str | None, now: datetime) -> Sequence[Outgoing]:
        """The messages that bring the partner back in step when reconciliation finds `theirs` differing from
        `partner_status(record)` (e.g. resend a lost application); empty when only an operator can repair it."""
        ...


def figures_by_status(
    partner_status: Callable[[PartnerRecord], str | None],
    records: Iterable[PartnerRecord],
    month: str,
    opened: Callable[[PartnerRecord], datetime] = lambda record: record.opened_at,
) -> dict[str, int]:
    """The records opened in `month` ("YYYY-MM", China time; `opened` says when a record was, by default its
    opened_at) counted by what the partner should say of each (`partner_status`; None: not counted) — for a
    partner whose statistics count its cases by status."""
    counts: Counter[str] = Counter()
    for record in records:
        if china_date(opened(record)).strftime("%Y-%m") == month:
            said = partner_status(record)
            if said is not None:
                counts[said] += 1
    return dict(counts)
