"""What a sandbox institution is told to be: which desk it plays (its pace and answers), its misbehaviours, its
time compression and its time form.

The three desks of partners.md §1 "Sandbox", each a script of answers in simulated days after a forward arrives:

  card_centre    a bank's credit-card centre: acknowledges within minutes, decides (upheld) in two days
  life_insurer   acknowledges within the hour, extends to 30 days (senior approval, complainant told), decides
  green_pc       a P&C insurer on the green channel [P67a]: acknowledges in minutes, calls the complainant,
                 decides (partly upheld) within a week

Misbehaviours (FAULTS), chosen for the whole server (`faults`) or per complaint (DeskCore.misbehave):

  never_ack          publishes nothing about the complaint: no acknowledgement, no decision
  extend_60          extends to 30 and then to 60 days before deciding (Order 2020 No 3 Art 20: never more)
  to_mediation       refuses; both sides consent to mediation (the centre opens a flow-C case)
  duplicate_ack      acknowledges twice: the same content under a new message id
  decision_before_ack  the decision is published before the acknowledgement
  unknown_complaint  also publishes an acknowledgement about a complaint id the centre never forwarded
  bad_signature      the complaint's items carry a signature that does not match their bytes
  late_payment       a small claim is paid ten days after the mediator's decision, not the next day

Time is compressed: `seconds_per_day` real seconds stand for one simulated day, so "two days" passes in a second
at 0.5. The business times in the messages are simulated (the forward's arrival on the desk's clock + the
script's days); the signatures carry the real time, as ingest's freshness checks want.
"""

from dataclasses import dataclass

from sandbox.config_checks import check_day, check_faults, check_timestamp_format

FAULTS = (
    "never_ack",
    "extend_60",
    "to_mediation",
    "duplicate_ack",
    "decision_before_ack",
    "unknown_complaint",
    "bad_signature",
    "late_payment",
)
KINDS = ("card_centre", "life_insurer", "green_pc")


@dataclass
class InstitutionConfig:
    kind: str = "card_centre"
    seconds_per_day: float = 0.5  # real seconds per simulated day
    faults: tuple[str, ...] = ()  # misbehaviours of every complaint this desk receives
    desk_key_id: str = "desk-2026-01"
    ref_prefix: str = ""  # the desk's own reference prefix ("" = by kind)
    window_seconds: int = 300  # how far a request's signed time may be from the desk's clock
    timestamp_format: str = "iso8601"
    latency_seconds: float = 0.0  # added to every desk request
    timeout_seconds: float = 1.5  # how long a "timeout" fault keeps the client waiting
    # Standalone beside a real adapter (`docking sandbox institution`): a message is never dated after the moment it
    # is published, so compressed days do not put its times ahead of the adapter's clock (refused as `future`).
    live: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind {self.kind!r} is not one of {', '.join(KINDS)}")
        check_faults(self.faults, FAULTS)
        check_timestamp_format(self.timestamp_format)
        check_day(self.seconds_per_day)

    @property
    def prefix(self) -> str:
        return self.ref_prefix or {"card_centre": "KZX", "life_insurer": "RS", "green_pc": "CX"}[self.kind]
