"""The case store: the port through which the centre's use cases (adapter/services.py) read and change cases.

    store.py   CaseStore (begin() → one transaction), CaseTransaction (get, create, transition, enqueue, history,
               document, keep_document), and the records they hand out (Case, CaseEvent): Protocols the core owns

Implementations: adapter/persistence/case_store.py (SQL, over adapter/persistence/repository.py) and
adapter/testing/fake_store.py (in memory, for the use cases' unit tests); tests/contract/test_case_store.py runs one
suite against both. The lean reads that must be fast (the sweep's listing, reconciliation) read the tables directly.
"""

from adapter.cases.store import Case, CaseEvent, CaseStore, CaseTransaction

__all__ = ["Case", "CaseEvent", "CaseStore", "CaseTransaction"]
