"""What a sandbox traffic platform is told to be: its pace (appraisal after N working days, the insurer's days),
its misbehaviours, its time compression and its time form (partners.md §2 "Sandbox").

Misbehaviours (FAULTS), chosen for the whole platform (`faults`) or per case (TrafficCore.misbehave):

  review_liability  a party asks for a liability review (复核, [P18 Art 71]) mid-mediation; the review redoes the
                    certificate with the liability changed (the claim figures must be recalculated)
  reappraisal       the appraisal result is challenged and a second result follows, with another conclusion
  superseded        the police replace the certificate soon after the offer (a new certificate number)
  part_paid         the insurer pays part of the agreed amount
  refused           the insurer refuses the claim
  paid_late         the insurer pays after day 30 of the claim (保险法 Art 23: assess within 30 days, pay within 10)
  duplicate_push    every message is published twice: the same bytes under the same message id
  out_of_order      a case's later message is published before the earlier one it follows
  jc_rejected       the court refuses judicial confirmation of the agreement (the platform reports the ruling)
  jc_silent         the court never rules on the JC application (the platform reports nothing: the centre's
                    jc_ruling due date falls overdue, the clerk withdraws or closes)
  bad_signature     the case's messages carry a signature that does not match their bytes

Time is compressed: `seconds_per_day` real seconds stand for one simulated day. Business times in the messages are
on the platform's simulated calendar; signatures carry the real time, as ingest's freshness checks want.
"""

from dataclasses import dataclass

from sandbox.config_checks import check_day, check_faults, check_timestamp_format

FAULTS = (
    "review_liability",
    "reappraisal",
    "superseded",
    "part_paid",
    "refused",
    "paid_late",
    "duplicate_push",
    "out_of_order",
    "jc_rejected",
    "jc_silent",
    "bad_signature",
)


@dataclass
class TrafficConfig:
    seconds_per_day: float = 0.5  # real seconds per simulated day
    faults: tuple[str, ...] = ()  # misbehaviours of every case this platform offers
    appraisal_days: int = 5  # working days from an appraisal request to its result
    platform_key_id: str = "traffic-2026-01"
    division: str = "440104"  # the platform's region (serial numbers carry it)
    window_seconds: int = 300  # how far a request's signed time may be from the platform's clock
    timestamp_format: str = "iso8601"
    seed: int = 19
    latency_seconds: float = 0.0  # added to every platform request
    timeout_seconds: float = 1.5  # how long a "timeout" fault keeps the client waiting
    # Standalone beside a real adapter: a message is never dated after the moment it is published.
    live: bool = False

    def __post_init__(self) -> None:
        check_faults(self.faults, FAULTS)
        check_timestamp_format(self.timestamp_format)
        check_day(self.seconds_per_day)
        if self.appraisal_days < 1:
            raise ValueError("appraisal_days must be at least 1")
