"""Idempotency-Key and If-Match in the action's own transaction for a record with a `version` column — shared by
the complaint actions (api/complaint_tx.py) and the partner actions (api/partner_tx.py); the case actions derive
their version from history instead (api/case_tx.py). The transaction's shape — lock, key, If-Match, the use case,
the answer kept and audited, one commit — is api/keyed_tx.py's.
"""

from typing import Any

from sqlmodel import Session

from api.keyed_tx import KeyedTransaction


class RecordTransaction(KeyedTransaction):
    """The unit of work one action on a versioned record hands to its use case; single use (api/keyed_tx.py).
    `record_id` the record acted on (None: the action creates one). Subclasses say how to lock and find the record,
    what is not found, and the answer; its ETag is its `version` column, before and after the use case."""

    def current_version(self, session: Session, row: Any) -> int:
        return int(row.version)

    def new_version(self, session: Session, row: Any) -> int:
        return int(row.version)
