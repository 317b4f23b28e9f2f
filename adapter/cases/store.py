"""The case-store port: what the centre's use cases need of storage, as small Protocols.

A use case opens one transaction (`with store.begin() as cases:`), loads or creates the case, moves it, queues the
court's message and returns; leaving the block commits everything, an exception rolls all of it back — the state
change and its message are never apart. The case handed out is live for the transaction: its fields may be set
(the mediator, the agreement, a flow-C case's court) and are kept on commit.

The records are described here by what the use cases read and set (`Case`, `CaseEvent`); both stores hand out the
table rows of adapter/persistence/tables.py, which are plain objects outside a session. So the use cases, and this
port, import nothing of persistence.
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from adapter.states import Event
from schemas.case import CaseDispatch
from schemas.envelope import Body, Envelope


class Case(Protocol):
    """A stored case as the use cases see it. The plain attributes are the ones a use case may set; the status moves
    only by `CaseTransaction.transition`. It also satisfies the deadline engine's StoredCase."""

    mediator: str | None
    platform: str | None  # None until a flow-C case names its court
    agreement_json: str | None
    agreement_effective_at: datetime | None
    updated_at: datetime

    @property
    def id(self) -> str: ...
    @property
    def platform_case_id(self) -> str: ...
    @property
    def case_number(self) -> str | None: ...
    @property
    def court_code(self) -> str | None: ...  # from the dispatch or its 案号, read once at intake
    @property
    def flow(self) -> str: ...
    @property
    def procedure(self) -> str: ...
    @property
    def cause(self) -> str: ...
    @property
    def amount(self) -> str: ...  # Decimal as text, two places
    @property
    def status(self) -> str: ...
    @property
    def dispatch_json(self) -> str: ...
    @property
    def court_dispatched_at(self) -> datetime | None: ...
    @property
    def created_at(self) -> datetime: ...


class CaseEvent(Protocol):
    """One recorded transition of a case's history; never changed once written."""

    @property
    def id(self) -> int | None: ...
    @property
    def case_id(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def event(self) -> str: ...
    @property
    def from_status(self) -> str: ...
    @property
    def to_status(self) -> str: ...
    @property
    def actor(self) -> str: ...
    @property
    def detail(self) -> str: ...


class CaseTransaction(Protocol):
    """The cases inside one transaction."""

    def get(self, case_id: str) -> Case:
        """The case, locked against other writers until the transaction ends; raises CaseNotFound."""
        ...

    def create(self, dispatch: CaseDispatch, *, platform: str | None, at: datetime) -> Case:
        """A new case in status RECEIVED, with a fresh id; `platform` None for a case no court knows yet.
        A self-received (flow C) case whose `platform_case_id` another flow-C case holds raises DuplicateCase, also
        when a concurrent registration committed it first (the SQL store's unique index ux_cases_self_received)."""
        ...

    def self_received(self, platform_case_id: str) -> Case | None:
        """The self-received (flow C) case registered under this centre case id, if any."""
        ...

    def transition(self, case: Case, event: Event, *, actor: str, at: datetime, detail: str = "") -> None:
        """Advance the case by `event` (raising IllegalTransition, changing nothing) and record it in the history."""
        ...

    def enqueue(self, case: Case, body: Body, at: datetime) -> Envelope | None:
        """Queue a message to the case's court (next in its sequence); a case with no court gets none (None)."""
        ...

    def history(self, case: Case) -> Sequence[CaseEvent]:
        """The case's recorded transitions, oldest first, including this transaction's."""
        ...

    def document(self, sha256: str) -> bytes | None:
        """A stored agreement document by its digest; None if none is stored."""
        ...

    def keep_document(self, *, sha256: str, name: str, content: bytes, at: datetime) -> None:
        """Store a document under its digest; one already stored under it is kept as it is."""
        ...


class CaseStore(Protocol):
    """Where cases live: one transaction at a time per use case."""

    def begin(self) -> AbstractContextManager[CaseTransaction]:
        """A transaction: commits when the block ends, rolls back (and re-raises) on any exception."""
        ...
