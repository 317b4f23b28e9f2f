"""Reconciliation: prove, case by case, that every platform's view agrees with ours; classify and repair the rest.

    reconcile(uow, platforms, *, platform=None, scope=Scope.FULL, repair=False, actor=…, clock=…) → ReconcileReport

Scope "open" compares our cases not yet at rest (the frequent pass); "full" compares every case and also pages
through every case each platform lists, to find cases we never received (the nightly pass). Every run and every
difference it finds is stored (tables reconcile_runs, reconcile_differences). Without `repair` nothing changes
but the stored report; with it, messages are requeued through the outbox (audited) and missing cases fetched and
ingested — see classify.py for the classes of difference and what repairs each. A case the platform does not
know at all is re-sent only with `resend_missing` as well: a court that lost its state may refuse the re-sent
messages, and they would go dead.

    reconciler.py  one run: pass 1 over our cases, pass 2 over each platform's list, repairs page by page
    cases.py       our side, read lean: the compared columns in keyset pages, each a short transaction
    classify.py    what a difference is and what would repair it (pure)
    arrival.py     a case the platform lists that we lack: still on its way (in flight), or lost?
    repair.py      the repairs: requeue delivered messages, or fetch a case and ingest it
    report.py      what a run found (Difference, ReconcileReport)
    runs.py        the stored runs and their differences (tables reconcile_runs, reconcile_differences)
"""

from adapter.reconcile.cases import Scope
from adapter.reconcile.classify import Action, Kind
from adapter.reconcile.reconciler import Progress, reconcile
from adapter.reconcile.report import Difference, ReconcileReport

__all__ = ["Action", "Difference", "Kind", "Progress", "ReconcileReport", "Scope", "reconcile"]
