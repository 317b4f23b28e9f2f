"""What the sandbox commission answers, and when: (simulated day, step) lists, from its pace (config.py) and the
application's misbehaviours. Days count from the event that starts them (the application's receipt, the fee's
payment, the instrument's issue) — calendar days, as arbitration rules count (partners.md §0).

Steps: receipt, accepted, refused:<reason>, withdrawn (fee overdue), tribunal_formed, hearing,
instrument_issued:<requested instrument>, served:<party index>, repented:<party index>, corrected, set_aside.
"""

from sandbox.arbitration.config import CommissionConfig

Step = tuple[float, str]
MEDIATION_STATEMENT = "mediation_statement"


def on_application(config: CommissionConfig, faults: set[str]) -> list[Step]:
    """The intake receipt at once; then Art 24: accept (with a fee notice) or refuse in writing within 5 days."""
    if "refuse_no_agreement" in faults:
        return [(0.0, "receipt"), (config.decide_after, "refused:no_agreement")]
    if "refuse_pre_dispute" in faults:
        return [(0.0, "receipt"), (config.decide_after, "refused:pre_dispute_confirmation")]
    # The withdrawal is dropped when the fee is paid (on_fee_paid replaces the plan): an unpaid fee lets it run.
    decided = config.late_decision_after if "late_decision" in faults else config.decide_after
    return [(0.0, "receipt"), (decided, "accepted"), (decided + config.fee_days + 1.0, "withdrawn")]


def on_fee_paid(config: CommissionConfig, requested: str, parties: int, faults: set[str]) -> list[Step]:
    """Tribunal, hearing, the instrument asked for; a 调解书 served on each party (effective at the last
    signature, Art 52), or backed out of by the second party before signing → an award on the agreed terms."""
    formed = config.tribunal_after
    issued = formed + config.instrument_after
    steps: list[Step] = [
        (formed, "tribunal_formed"),
        (formed + 1.0, "hearing"),
        (issued, f"instrument_issued:{requested}"),
    ]
    effective = issued
    if requested == MEDIATION_STATEMENT:  # served on each party; an award on agreed terms binds the day made
        days = list(config.signing_days) + [config.signing_days[-1] + n for n in range(1, parties)]
        for n in range(parties):
            if "party_repents" in faults and n == parties - 1:
                steps.append((issued + days[n], f"repented:{n}"))
                effective = issued + days[n] + config.award_after_repent
                steps.append((effective, "instrument_issued:award"))
                break
            steps.append((issued + days[n], f"served:{n}"))
            effective = issued + days[n]
    if "correction" in faults:
        steps.append((effective + config.correction_after, "corrected"))
    if "set_aside" in faults:
        steps.append((effective + config.set_aside_after, "set_aside"))
    return sorted(steps, key=lambda s: s[0])
