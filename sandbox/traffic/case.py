"""One case as the sandbox platform keeps it: its offer, its pace and misbehaviours, and its status in the
platform's coarse vocabulary (TrafficPartnerStatus)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sandbox.traffic.script import Step


@dataclass
class PlatformCase:
    serial_no: str
    offer: dict[str, Any]  # the offer's canonical body, as the police feed made it
    arrived: float  # the platform's monotonic clock when the step list last restarted
    offered_at: datetime  # simulated
    started_at: datetime  # the simulated time the step list last restarted (the centre's message, or the offer)
    faults: set[str]
    record_id: str | None = None  # ours (TR-…), once the centre named it
    status: str = "offered"
    pending: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # what later bodies need (claim amount, appraisal count …)
    applied: list[tuple[str, str]] = field(default_factory=list)  # (centre message id, status before it)
    last_centre: str | None = None  # the centre's latest message id (what the next answer correlates to)
