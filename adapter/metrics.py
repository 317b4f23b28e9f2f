"""This process's metrics: a Prometheus registry of its own per runtime, and the flat counts the demo and CLI read.

What happens in this process is counted here (deliveries and their latency, breaker and hold transitions, polls,
API requests); what is in the database (outbox depth, oldest pending, dead letters, quarantine, feed lag, job
runs, centre events) is read at scrape time by adapter/metrics_db.py, so it is right whichever of several worker
processes did the work. A registry per runtime, not prometheus-client's global one: tests and the demo build
many runtimes in one process, and the global registry refuses a metric name twice.

    metric (prefix docking_)                                  labels                      from
    delivery_attempts_total                                   platform, result            delivery()
    delivery_duration_seconds (histogram)                     platform                    delivery()
    breaker_transitions_total                                 platform, transition        transition("breaker", …)
    platform_hold_transitions_total                           platform, transition        transition("hold", …)
    feed_hold_transitions_total                               platform, transition        transition("feed", …)
    send_process_transitions_total                            platform, transition        transition("send_process", …)
    check_process_transitions_total                           platform, transition        transition("check_process", …)
    inbound_items_total                                       outcome                     add("inbound", …)
    poll_problems_total                                       kind                        add("poll", …)
    api_requests_total                                        route, method, status       request()
    api_request_duration_seconds (histogram)                  route, method               request()

`snapshot()` keeps the flat names the demo and `docking demo` progress read (`outbound_retried`,
`breaker_opened`, `inbound_applied`, …): `<prefix>_<key>` as given to `add` and `transition`.
"""

import threading
from collections import Counter
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics import Counter as PromCounter
from prometheus_client.metrics import Histogram
from prometheus_client.registry import Collector

# Seconds. A court answers in tens to hundreds of milliseconds; a send with its quick retries can take up to the
# slowest call (adapter/platforms/retry.py slowest_call: about 40 s at a 10 s read timeout).
DELIVERY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
API_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_TRANSITIONS = {
    "breaker": "breaker_transitions",
    "hold": "platform_hold_transitions",
    "feed": "feed_hold_transitions",
    "send_process": "send_process_transitions",  # started, ended (died): scheduler/send_processes.py
    "check_process": "check_process_transitions",  # started, ended (died, failed): scheduler/check_process.py
}
_ADDED = {"inbound": ("inbound_items", "outcome"), "poll": ("poll_problems", "kind")}


class Metrics:
    """One runtime's metrics. Thread-safe: jobs run in APScheduler's threads, the API in uvicorn's."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._scraped: Collector | None = None
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._attempts = PromCounter(
            "docking_delivery_attempts", "Outbox sends by platform and result", ["platform", "result"], registry=r
        )
        self._latency = Histogram(
            "docking_delivery_duration_seconds",
            "Time one outbox message's send took, quick retries included",
            ["platform"],
            buckets=DELIVERY_BUCKETS,
            registry=r,
        )
        self._transitions = {
            kind: PromCounter(
                f"docking_{name}", f"{kind} state changes by platform", ["platform", "transition"], registry=r
            )
            for kind, name in _TRANSITIONS.items()
        }
        self._added = {
            prefix: PromCounter(f"docking_{name}", f"{prefix} counts by {label}", [label], registry=r)
            for prefix, (name, label) in _ADDED.items()
        }
        self._requests = PromCounter(
            "docking_api_requests", "API requests by route template, method and status", ["route", "method", "status"],
            registry=r,
        )  # fmt: skip
        self._request_latency = Histogram(
            "docking_api_request_duration_seconds",
            "API request handling time by route template and method",
            ["route", "method"],
            buckets=API_BUCKETS,
            registry=r,
        )
        # The children of one route, method and status, found once: `labels()` checks and locks on every call, a
        # cost the event loop paid per request (bench/api.py, #16). Bounded: routes × methods × statuses.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def read_at_scrape(self, collector: Collector) -> None:
        """Collect `collector` (adapter/metrics_db.py) on every scrape, in place of an earlier one: each app built
        over the runtime brings its own read connection (api/app.py), and a registry refuses a name twice."""
        with self._lock:
            if self._scraped is not None:
                self.registry.unregister(self._scraped)
            self.registry.register(collector)
            self._scraped = collector

    def add(self, prefix: str, counts: Counter[str] | dict[str, int]) -> None:
        """Count `counts` under `prefix` (`outbound` from deliver_due, `inbound` and `poll` from the poller)."""
        with self._lock:
            for key, value in counts.items():
                self._counts[f"{prefix}_{key}"] += value
        family = self._added.get(prefix)
        if family is not None:
            for key, value in counts.items():
                if value:
                    family.labels(str(key)).inc(value)

    def transition(self, kind: str, platform: str, what: str) -> None:
        """A platform's breaker / hold / feed hold changed, or a send or check process of its started or ended
        (`kind` "breaker" | "hold" | "feed" | "send_process" | "check_process"; `what` e.g. "opened", "closed",
        "held", "released", "started", "ended")."""
        with self._lock:
            self._counts[f"{kind}_{what}"] += 1
        self._transitions[kind].labels(platform, what).inc()

    def check_process(self, platform: str, what: str) -> None:
        """The check process of `platform` "started" or "ended" on its own (scheduler/check_process.py)."""
        self.transition("check_process", platform, what)

    def send_process(self, platform: str, what: str) -> None:
        """A send process of `platform` "started" or "ended" on its own (scheduler/send_processes.py)."""
        self.transition("send_process", platform, what)

    def delivery(self, platform: str, result: str, seconds: float) -> None:
        """One outbox send: its DeliveryResult (adapter/outbox/record.py) and how long it took, in seconds."""
        self._attempts.labels(platform, result).inc()
        if result not in ("deferred", "held", "unreadable"):  # not tried: no latency to speak of
            self._latency.labels(platform).observe(seconds)

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        """One API request, by route template (`/api/centre/v1/cases/{case_id}`, never the raw path)."""
        children = self._request_children.get((route, method, status))
        if children is None:
            children = (self._requests.labels(route, method, str(status)), self._request_latency.labels(route, method))
            self._request_children[(route, method, status)] = children
        children[0].inc()
        children[1].observe(seconds)

    def get(self, name: str) -> int:
        with self._lock:
            return self._counts[name]

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def exposition(self) -> bytes:
        """The registry in Prometheus text format (0.0.4), collectors registered on it included."""
        return generate_latest(self.registry)
