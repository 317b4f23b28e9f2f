"""One case at the sandbox commission — an application the centre handed over, or a mediation it entrusted to the
centre — and what the centre's later messages do to it (the fee paid, a withdrawal, the entrusted mediation's
result). The application that opens a case is commission.py's."""

from dataclasses import dataclass, field
from datetime import datetime

from sandbox.arbitration.config import CommissionConfig
from sandbox.arbitration.scripts import MEDIATION_STATEMENT, Step, on_fee_paid
from sandbox.court import CourtRefusal
from schemas.partner import PartnerEnvelope


@dataclass
class CommissionCase:
    case_no: str
    record_id: str | None  # ours (AR-…); None for an entrustment until the centre answers
    opened_by: str  # the message id that opened it (our application), or "" for an entrustment
    arrived: float  # the commission's monotonic clock when it opened
    arrived_at: datetime  # the same moment on the commission's calendar
    requested: str = MEDIATION_STATEMENT
    issued: str = ""  # the kind of the last instrument issued (for its correction's number)
    parties: list[str] = field(default_factory=list)  # the parties' refs, in the application's order
    faults: set[str] = field(default_factory=set)
    status: str = "received"
    pending: list[Step] = field(default_factory=list)


def follow_up(case: CommissionCase, envelope: PartnerEnvelope, config: CommissionConfig, elapsed: float) -> None:
    """Apply a centre message about an open case, `elapsed` simulated days after it opened; CourtRefusal 409
    wrong_state for a fee no notice asked for."""
    if envelope.type == "arb.fee_paid":
        if case.status != "accepted":
            raise CourtRefusal(409, "wrong_state", f"case {case.case_no} is {case.status}: no fee is due")
        if "fee_unpaid" not in case.faults:  # fee_unpaid: the payment never reaches the commission's account
            later = on_fee_paid(config, case.requested, max(len(case.parties), 1), case.faults)
            case.pending = [(elapsed + day, step) for day, step in later]  # the withdrawal for non-payment dropped
            case.status = "in_proceedings"
    elif envelope.type == "arb.withdrawn":
        case.pending, case.status = [], "withdrawn"
    elif envelope.type == "arb.mediation_result":
        case.record_id = case.record_id or envelope.record_id
        case.status = "result_received"
