"""A failed reconciliation run's stored detail names each court once (adapter/reconcile/runs.py failures_text)."""

from adapter.reconcile.runs import failures_text


def test_each_court_is_named_once() -> None:
    failures = {
        "gz": "gz: POST /api/v1/cases/status: connection refused by 127.0.0.1:1 (the platform may be down or busy)",
        "sz": "the case list does not advance",
    }
    assert failures_text(failures) == (
        "gz: POST /api/v1/cases/status: connection refused by 127.0.0.1:1 (the platform may be down or busy); "
        "sz: the case list does not advance"
    )


def test_no_failure_is_no_detail() -> None:
    assert failures_text({}) == ""
