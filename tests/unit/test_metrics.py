"""The runtime's metrics (adapter/metrics.py): a registry per instance, Prometheus names, and the flat snapshot
the demo reads."""

from prometheus_client.parser import text_string_to_metric_families

from adapter.metrics import Metrics


def _samples(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for s in family.samples
    }


def test_two_runtimes_in_one_process_keep_their_own_counts() -> None:
    """Not the global registry: a second instance neither fails on the names nor sees the first one's counts."""
    first, second = Metrics(), Metrics()
    first.transition("breaker", "gz-odr", "opened")
    assert first.snapshot() == {"breaker_opened": 1} and second.snapshot() == {}
    assert (
        _samples(first)[("docking_breaker_transitions_total", (("platform", "gz-odr"), ("transition", "opened")))] == 1
    )
    assert not any(name == "docking_breaker_transitions_total" for name, _ in _samples(second))


def test_deliveries_are_counted_by_platform_and_result_and_timed() -> None:
    metrics = Metrics()
    metrics.delivery("gz-odr", "retried", 0.3)
    metrics.delivery("gz-odr", "delivered", 0.02)
    metrics.delivery("gz-odr", "deferred", 0.0)  # not tried: counted, not timed
    samples = _samples(metrics)
    assert samples[("docking_delivery_attempts_total", (("platform", "gz-odr"), ("result", "retried")))] == 1
    assert samples[("docking_delivery_attempts_total", (("platform", "gz-odr"), ("result", "deferred")))] == 1
    assert samples[("docking_delivery_duration_seconds_count", (("platform", "gz-odr"),))] == 2


def test_add_keeps_the_flat_names_the_demo_reads() -> None:
    """`outbound_retried`, `inbound_applied`, `poll_errors` as before; inbound and poll are exported too."""
    metrics = Metrics()
    metrics.add("outbound", {"retried": 2, "delivered": 3})
    metrics.add("inbound", {"applied": 4})
    metrics.add("poll", {"errors": 1})
    assert metrics.get("outbound_retried") == 2 and metrics.get("inbound_applied") == 4
    assert metrics.snapshot()["poll_errors"] == 1
    samples = _samples(metrics)
    assert samples[("docking_inbound_items_total", (("outcome", "applied"),))] == 4
    assert samples[("docking_poll_problems_total", (("kind", "errors"),))] == 1


def test_api_requests_are_labelled_by_route_template() -> None:
    metrics = Metrics()
    metrics.request("/api/centre/v1/cases/{case_id}", "GET", 200, 0.01)
    samples = _samples(metrics)
    key = (("method", "GET"), ("route", "/api/centre/v1/cases/{case_id}"), ("status", "200"))
    assert samples[("docking_api_requests_total", key)] == 1
