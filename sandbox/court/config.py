"""What a sandbox court is told to be: its randomness, its pace and rulings, its faults, its drift, its time form."""

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.config_checks import check_faults, check_timestamp_format

# What `docking sandbox serve --fault` can break on purpose (sandbox/court/misconfig.py says how).
MISCONFIGURATIONS = ("wrong-key", "no-dedupe", "broken-cursor", "wrong-error-codes")


@dataclass
class SandboxConfig:
    seed: int = 7
    decision_delay: float = 0.2  # seconds before a JC ruling or 调解书 is published
    confirm_rate: float = 0.85
    reject_rate: float = 0.10  # the rest: not accepted
    redeliver_rate: float = 0.05  # the feed is at least once: sometimes an item comes again
    court_key_id: str = "court-2026-01"
    window_seconds: int = 300  # how far a request's signed time may be from the court's clock
    # Fault injection (`docking demo --chaos RATE`): this share of platform requests fails in one of the ways
    # below, chosen at random; `outage_seconds` > 0 also takes the platform down for that long now and then.
    # "refuse" (REST only, not a default) answers a read with HTTP 400, and lets a send through.
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = ("error", "throttle", "timeout", "drop", "lost_answer")
    timeout_seconds: float = 1.5  # how long a "timeout" fault keeps the client waiting
    outage_seconds: float = 0.0
    latency_seconds: float = 0.0  # added to every platform request (a slow court; lets tests kill mid-delivery)
    latency_jitter_seconds: float = 0.0  # each request's latency varies by up to this much either way (uniform)
    # Codes this court publishes beyond its standard lists (table → codes): drift for `docking mappings check`.
    extra_codes: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # The form of the times in this court's messages (sandbox/timeforms.py), both ways: what it publishes, and
    # what it demands of the centre's send time (fssj). Courts document one; many use yyyyMMddHHmmss.
    timestamp_format: str = "iso8601"
    # A court misconfigured on purpose, for the conformance kit to pinpoint (sandbox/court/misconfig.py).
    misconfigured: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_timestamp_format(self.timestamp_format)
        check_faults(self.misconfigured, MISCONFIGURATIONS)
        if not 0 <= self.latency_jitter_seconds <= self.latency_seconds:
            raise ValueError(f"latency jitter {self.latency_jitter_seconds} s must be between 0 and the latency")

    def latency(self, draw: Callable[[float, float], float] = random.uniform) -> float:
        """Seconds to hold one platform request: the latency, give or take the jitter (uniform)."""
        if not self.latency_jitter_seconds:
            return self.latency_seconds
        return self.latency_seconds + draw(-self.latency_jitter_seconds, self.latency_jitter_seconds)


def parse_latency(text: str) -> tuple[float, float]:
    """`MS[,JITTER]` (milliseconds, e.g. "50" or "50,10") as (latency, jitter) in seconds; ValueError naming the
    rule otherwise: both numbers, 0 ≤ jitter ≤ latency ≤ 60 000 ms."""
    parts = text.split(",")
    try:
        if len(parts) > 2:
            raise ValueError
        latency, jitter = float(parts[0]), float(parts[1]) if len(parts) == 2 else 0.0
    except ValueError:
        raise ValueError(f"{text!r} is not MS or MS,JITTER (milliseconds, e.g. 50 or 50,10)") from None
    if not (0 <= jitter <= latency <= 60_000):  # NaN fails every comparison
        raise ValueError(f"{text!r}: need 0 <= JITTER <= MS <= 60000 (milliseconds)")
    return latency / 1000, jitter / 1000
