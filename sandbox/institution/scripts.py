"""What each sandbox desk answers to a forwarded complaint, and when: a script of (simulated day, step) per
complaint, from the desk's kind, the complaint's track and its misbehaviours (sandbox/institution/config.py).

Steps are the desk's messages: ack, contacted, extended30, extended60, decided, to_mediation, paid (a small claim
after the mediator's decision), review_decided — plus ack_unknown (an acknowledgement about a complaint id the
centre never forwarded). The days follow partners.md §1: a card centre decides in two days, a life insurer extends
to 30 (Order 2020 No 3 Art 20), the green channel decides within a week [P67a].
"""

Step = tuple[float, str]

# The desks' own pace, in simulated days after the forward arrived.
PACE: dict[str, tuple[Step, ...]] = {
    "card_centre": ((0.007, "ack"), (0.04, "contacted"), (2.0, "decided")),  # ack in 10 minutes, decide in 2 days
    "life_insurer": ((0.04, "ack"), (1.0, "contacted"), (12.0, "extended30"), (25.0, "decided")),
    "green_pc": ((0.003, "ack"), (0.02, "contacted"), (5.0, "decided")),
}
PAY_AFTER = 1.0  # a small claim is paid the day after the mediator's decision …
PAY_LATE_AFTER = 10.0  # … or ten days later (late_payment)
REVIEW_AFTER = 10.0  # a review (核查) is decided ten days after it was asked for


def script(kind: str, track: str, faults: set[str]) -> list[Step]:
    """The steps the desk will publish about one newly forwarded complaint, in time order."""
    if "never_ack" in faults:
        return []
    steps = list(PACE[kind])
    if track == "small_claim":
        # The mediator decides on this track (smallclaim.decision from the centre); the desk then pays.
        steps = [s for s in steps if s[1] in ("ack", "contacted")]
    elif "to_mediation" in faults:
        steps = [s for s in steps if s[1] in ("ack", "contacted")] + [(5.0, "to_mediation")]
    elif "extend_60" in faults:
        steps = [s for s in steps if s[1] in ("ack", "contacted")]
        steps += [(12.0, "extended30"), (28.0, "extended60"), (50.0, "decided")]
    ack_day = next(day for day, step in steps if step == "ack")
    if "duplicate_ack" in faults:
        steps.append((ack_day, "ack"))
    if "unknown_complaint" in faults:
        steps.append((ack_day, "ack_unknown"))
    if "decision_before_ack" in faults and any(step == "decided" for _, step in steps):
        # The decision comes first, on the day the acknowledgement was due; the acknowledgement on the decision's
        # day, and nothing else (a desk that decided at once calls nobody first).
        decided = next(day for day, step in steps if step == "decided")
        steps = [(ack_day, "decided"), (decided, "ack")]
    return sorted(steps, key=lambda s: s[0])


def payment(faults: set[str]) -> Step:
    return (PAY_LATE_AFTER if "late_payment" in faults else PAY_AFTER, "paid")
