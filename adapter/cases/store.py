"""The case-store port: what the centre's use cases need of storage, as two small Protocols.

A use case opens one transaction (`with store.begin() as cases:`), loads or creates the case, moves it, queues the
court's message and returns; leaving the block commits everything, an exception rolls all of it back — the state
change and its message are never apart. The case handed out is live for the transaction: its fields may be set
(the mediator, the agreement, a flow-C case's court) and are kept on commit.

The records are the storage rows (adapter/persistence/tables.py): they are plain objects outside a session, which is
all a fake needs, and the deadline engine already reads them (adapter/deadlines/facts.py StoredCase).
"""

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from adapter.persistence.tables import CaseEventRow, CaseRow
from adapter.states import Event
from schemas.case import CaseDispatch
from schemas.envelope import Body, Envelope


class CaseTransaction(Protocol):
    """The cases inside one transaction."""

    def get(self, case_id: str) -> CaseRow:
        """The case, locked against other writers until the transaction ends; raises CaseNotFound."""
        ...

    def create(self, dispatch: CaseDispatch, *, platform: str | None, at: datetime) -> CaseRow:
        """A new case in status RECEIVED, with a fresh id; `platform` None for a case no court knows yet."""
        ...

    def transition(self, case: CaseRow, event: Event, *, actor: str, at: datetime, detail: str = "") -> None:
        """Advance the case by `event` (raising IllegalTransition, changing nothing) and record it in the history."""
        ...

    def enqueue(self, case: CaseRow, body: Body, at: datetime) -> Envelope | None:
        """Queue a message to the case's court (next in its sequence); a case with no court gets none (None)."""
        ...

    def history(self, case: CaseRow) -> Sequence[CaseEventRow]:
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
