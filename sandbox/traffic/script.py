"""What the sandbox platform publishes about a case after each message of the centre, and when: (simulated day
after the centre's message, step) lists, from the platform's pace and the case's misbehaviours.

Steps: superseded (the police replace the certificate); review_requested / review_redo / review_replaced (a
liability review that redoes the certificate, [P18 Arts 71, 74]); appraisal_result / appraisal_redone (鉴定, after
N working days); jc_confirmed / jc_rejected (the court's ruling on the agreement); claim_received / claim_assessing
/ claim_agreed / claim_paid / claim_part_paid / claim_refused (the insurer; 保险法 Art 23: assess a complex claim
within 30 days, pay within 10 days of agreeing).
"""

from datetime import date

from adapter.deadlines.calendar import WorkCalendar

Step = tuple[float, str]

SUPERSEDE_AFTER = 0.5  # days after the offer the police replace its certificate (superseded)
# after acceptance (review_liability): requested, redo decided [P18 Art 74], the new certificate a day later
REVIEW = ((2.0, "review_requested"), (5.0, "review_redo"), (6.0, "review_replaced"))
REAPPRAISE_AFTER = 3.0  # days after the first result that a second one follows (reappraisal)
JC_RULING_AFTER = 3.0  # days after an agreement that the court's JC ruling is reported (jc_rejected: a refusal)
INSURER = ((0.01, "claim_received"), (1.0, "claim_assessing"), (5.0, "claim_agreed"))
PAY_AFTER = 7.0  # the insurer pays two days after agreeing …
PAY_LATE_AFTER = 35.0  # … or after day 30 (paid_late)
REFUSE_AFTER = 10.0


def after_offer(faults: set[str]) -> list[Step]:
    return [(SUPERSEDE_AFTER, "superseded")] if "superseded" in faults else []


def after_acceptance(faults: set[str]) -> list[Step]:
    return _ordered(list(REVIEW), faults) if "review_liability" in faults else []


def after_appraisal_request(faults: set[str], calendar: WorkCalendar, today: date, working_days: int) -> list[Step]:
    """The result on the N-th working day after the request (police and appraisal periods count working days)."""
    day = float((calendar.add_working_days(today, working_days).last_day - today).days)
    steps = [(day, "appraisal_result")]
    if "reappraisal" in faults:
        steps.append((day + REAPPRAISE_AFTER, "appraisal_redone"))
    return _ordered(steps, faults)


def after_outcome(faults: set[str], agreed: bool) -> list[Step]:
    """An agreement goes to the court for judicial confirmation; the platform reports the ruling."""
    if not agreed or "jc_silent" in faults:
        return []
    return [(JC_RULING_AFTER, "jc_rejected" if "jc_rejected" in faults else "jc_confirmed")]


def after_claim(faults: set[str]) -> list[Step]:
    steps = [s for s in INSURER if s[1] != "claim_agreed"] if "refused" in faults else list(INSURER)
    if "refused" in faults:
        steps.append((REFUSE_AFTER, "claim_refused"))
    else:
        pay = PAY_LATE_AFTER if "paid_late" in faults else PAY_AFTER
        steps.append((pay, "claim_part_paid" if "part_paid" in faults else "claim_paid"))
    return _ordered(steps, faults)


def _ordered(steps: list[Step], faults: set[str]) -> list[Step]:
    """out_of_order: the first two steps swap days, so the later message is published first."""
    steps = sorted(steps)
    if "out_of_order" in faults and len(steps) >= 2:
        (d0, s0), (d1, s1) = steps[0], steps[1]
        steps[0], steps[1] = (d0, s1), (d1, s0)
    return steps
