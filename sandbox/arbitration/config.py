"""What a sandbox arbitration commission is told to be: its name and case-number form, its pace (simulated days),
its misbehaviours and its time compression (partners.md §3 "Sandbox").

Misbehaviours (FAULTS), for the whole commission (`faults`) or per application (CommissionCore.misbehave):

  refuse_no_agreement   refuses within the 5 days: no written arbitration agreement (Arts 4, 16)       BSL01
  refuse_pre_dispute    refuses: the agreement was confirmed before the dispute arose (先予仲裁) [P26]   BSL02
  late_decision         decides (accepts) only on day 10: past the 5 calendar days of Art 24
  fee_unpaid            the centre's payment never reaches the commission → withdrawn once the fee is overdue
                        (a fee the centre never pays is withdrawn alike, with no fault)
  party_repents         the second party backs out before signing for the 调解书 → an award (Arts 51–52)
  correction            the instrument is corrected 10 days after it took effect (Art 56: within 30 days)
  set_aside             a party files to set the award aside in month five (Art 59: within 6 months)
  duplicate             every answer is published twice under the same message id (at-least-once feeds)
  bad_signature         the application's answers carry a signature that does not match their bytes

Time is compressed: `seconds_per_day` real seconds stand for one simulated day. Business times in the messages
are the commission's calendar (`clock`) plus the script's days; signatures carry the real clock.
"""

from dataclasses import dataclass
from decimal import Decimal

from sandbox.config_checks import check_day, check_faults

FAULTS = (
    "refuse_no_agreement",
    "refuse_pre_dispute",
    "late_decision",
    "fee_unpaid",
    "party_repents",
    "correction",
    "set_aside",
    "duplicate",
    "bad_signature",
)


@dataclass
class CommissionConfig:
    name: str = "广州仲裁委员会"
    abbreviation: str = "穗仲"  # the commission's short name in its case numbers
    case_no_format: str = "（{year}）{abbr}案字第{n}号"  # the commission's case numbers
    first_case_number: int = 123
    message_prefix: str = "GZAC"  # the commission's message ids (ASCII: they travel in signature headers too)
    seconds_per_day: float = 0.5  # real seconds per simulated day
    faults: tuple[str, ...] = ()
    commission_key_id: str = "commission-2026-01"
    window_seconds: int = 300  # how far a request's signed time may be from the commission's clock
    latency_seconds: float = 0.0  # added to every commission request
    timeout_seconds: float = 1.5  # how long a "timeout" transport fault keeps the client waiting
    # The commission's pace, in simulated days (Art 24: accept or refuse within 5 days of receipt).
    decide_after: float = 3.0
    late_decision_after: float = 10.0  # late_decision: past Art 24's 5 days, whatever weekend follows
    fee_days: int = 7  # the fee notice's period: unpaid by then → the application is treated as withdrawn
    fee: Decimal = Decimal("1200.00")  # yuan, per the commission's fee schedule (a setting, partners.md §3)
    tribunal_after: float = 5.0  # after the fee is paid
    instrument_after: float = 10.0  # after the tribunal is formed
    signing_days: tuple[float, ...] = (1.0, 2.0)  # each party signs for the 调解书 so many days after it issued
    award_after_repent: float = 5.0
    correction_after: float = 10.0
    set_aside_after: float = 140.0  # month five after the award took effect
    # Standalone beside a real adapter: a message is never dated after the moment it is published.
    live: bool = False

    def __post_init__(self) -> None:
        check_faults(self.faults, FAULTS)
        check_day(self.seconds_per_day)
        if "{n}" not in self.case_no_format:
            raise ValueError("case_no_format must contain {n} (and may contain {year}, {abbr})")

    def case_no(self, year: int, n: int) -> str:
        return self.case_no_format.format(year=year, abbr=self.abbreviation, n=n)
