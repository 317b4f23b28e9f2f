"""The arbitration record's state machine (partners.md §3 "Suggested model", Arbitration Law [P21]): statuses,
events, the table and its Machine. Pure: the generic core advances records through `MACHINE.advance`.

    hand-over (ours → the commission):
    DRAFT ─submit→ SUBMITTED ─refuse→ REFUSED                                  (refused in writing, Art 24)
                   SUBMITTED ─accept→ ACCEPTED ─pay_fee→ FEE_PAID ─form_tribunal→ TRIBUNAL_FORMED
    TRIBUNAL_FORMED|IN_PROCEEDINGS ─hold_hearing→ IN_PROCEEDINGS
    TRIBUNAL_FORMED|IN_PROCEEDINGS ─issue_award→ EFFECTIVE                     (an award binds the day made, Art 57)
    TRIBUNAL_FORMED|IN_PROCEEDINGS ─issue_statement→ INSTRUMENT_ISSUED         (a 调解书, no party signed yet)
    INSTRUMENT_ISSUED|SERVING ─serve→ SERVING (a party signed, others not) ─all_signed→ EFFECTIVE   (Art 52)
    INSTRUMENT_ISSUED|SERVING ─repent→ REPENTED ─issue_award→ AWARD_ISSUED   (backed out before signing, Art 52)
    EFFECTIVE|AWARD_ISSUED ─file_set_aside→ SET_ASIDE_PENDING ─rule_set_aside→ SET_ASIDE
                                                               ─dismiss_set_aside→ UPHELD     (Arts 58–60)
    EFFECTIVE|AWARD_ISSUED|UPHELD|SET_ASIDE ─close→ CLOSED        (the set-aside window lapsed, or ruled)
    before effect (DRAFT … REPENTED) ─withdraw→ WITHDRAWN         (by the centre, or deemed: fee unpaid)

    reverse (the commission entrusts mediation to the centre):
    DRAFT ─entrust→ ENTRUSTED ─start_mediation→ MEDIATING ─send_result→ RESULT_SENT ─close→ CLOSED
    ENTRUSTED ─send_result→ RESULT_SENT (declined);  ENTRUSTED|MEDIATING ─withdraw→ WITHDRAWN

Out of order, deliberately: a tribunal formed while ACCEPTED (a party paid the commission directly) moves on; a
set-aside ruling while EFFECTIVE or AWARD_ISSUED (the filing never reported) moves to its result.
"""

from enum import StrEnum

from adapter.partners.machine import Machine


class ArbStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    REFUSED = "REFUSED"
    ACCEPTED = "ACCEPTED"
    FEE_PAID = "FEE_PAID"
    TRIBUNAL_FORMED = "TRIBUNAL_FORMED"
    IN_PROCEEDINGS = "IN_PROCEEDINGS"
    INSTRUMENT_ISSUED = "INSTRUMENT_ISSUED"
    SERVING = "SERVING"
    REPENTED = "REPENTED"
    EFFECTIVE = "EFFECTIVE"
    AWARD_ISSUED = "AWARD_ISSUED"
    SET_ASIDE_PENDING = "SET_ASIDE_PENDING"
    SET_ASIDE = "SET_ASIDE"
    UPHELD = "UPHELD"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"
    ENTRUSTED = "ENTRUSTED"
    MEDIATING = "MEDIATING"
    RESULT_SENT = "RESULT_SENT"


class ArbEvent(StrEnum):
    SUBMIT = "submit"
    REFUSE = "refuse"
    ACCEPT = "accept"
    PAY_FEE = "pay_fee"
    FORM_TRIBUNAL = "form_tribunal"
    HOLD_HEARING = "hold_hearing"
    ISSUE_AWARD = "issue_award"
    ISSUE_STATEMENT = "issue_statement"
    SERVE = "serve"
    ALL_SIGNED = "all_signed"
    REPENT = "repent"
    FILE_SET_ASIDE = "file_set_aside"
    RULE_SET_ASIDE = "rule_set_aside"
    DISMISS_SET_ASIDE = "dismiss_set_aside"
    CLOSE = "close"
    WITHDRAW = "withdraw"
    ENTRUST = "entrust"
    START_MEDIATION = "start_mediation"
    SEND_RESULT = "send_result"


class ArbNote(StrEnum):
    """History entries that move no state."""

    RECEIPT = "receipt"  # the commission's intake receipt: the acceptance clock's start
    DUPLICATE = "duplicate"  # the same business answer again under another message id: kept, changes nothing
    HEARING = "hearing"  # a further hearing while IN_PROCEEDINGS is an event; one in another status only noted
    CORRECTED = "corrected"  # a correction of the instrument [P21 Art 56]
    ALSO_REPENTED = "also_repented"  # another party backing out of the same 调解书: the award follows all the same
    RESENT = "resent"  # the application resent by reconciliation
    DEADLINE_ALERT = "deadline_alert"


S, E = ArbStatus, ArbEvent

_PROCEEDING = (S.TRIBUNAL_FORMED, S.IN_PROCEEDINGS)
_SERVING = (S.INSTRUMENT_ISSUED, S.SERVING)
_BINDING = (S.EFFECTIVE, S.AWARD_ISSUED)  # an instrument in effect: set-aside may be filed [P21 Art 58]
# Before the instrument takes effect the application may be withdrawn, or deemed withdrawn (fee unpaid).
_BEFORE_EFFECT = (S.DRAFT, S.SUBMITTED, S.ACCEPTED, S.FEE_PAID, *_PROCEEDING, *_SERVING, S.REPENTED)

FINAL: frozenset[ArbStatus] = frozenset({S.REFUSED, S.CLOSED, S.WITHDRAWN})

TRANSITIONS: dict[tuple[ArbStatus, ArbEvent], ArbStatus] = {
    (S.DRAFT, E.SUBMIT): S.SUBMITTED,
    # Accept, or refuse in writing with reasons, within 5 days of receipt [P21 Art 24].
    (S.SUBMITTED, E.ACCEPT): S.ACCEPTED,
    (S.SUBMITTED, E.REFUSE): S.REFUSED,
    (S.ACCEPTED, E.PAY_FEE): S.FEE_PAID,
    (S.FEE_PAID, E.FORM_TRIBUNAL): S.TRIBUNAL_FORMED,
    # A tribunal while ACCEPTED: the fee was paid to the commission by a party directly (fee_payer respondent).
    (S.ACCEPTED, E.FORM_TRIBUNAL): S.TRIBUNAL_FORMED,
    **{(s, E.HOLD_HEARING): S.IN_PROCEEDINGS for s in _PROCEEDING},
    # An award on agreed terms may follow a written review without a hearing.
    **{(s, E.ISSUE_AWARD): S.EFFECTIVE for s in _PROCEEDING},
    **{(s, E.ISSUE_STATEMENT): S.INSTRUMENT_ISSUED for s in _PROCEEDING},
    # Service per party: a 调解书 binds once the last party signs for it [P21 Art 52].
    **{(s, E.SERVE): S.SERVING for s in _SERVING},
    **{(s, E.ALL_SIGNED): S.EFFECTIVE for s in _SERVING},
    # A party backing out before signing: the tribunal must make an award promptly [P21 Art 52].
    **{(s, E.REPENT): S.REPENTED for s in _SERVING},
    (S.REPENTED, E.ISSUE_AWARD): S.AWARD_ISSUED,
    # Set-aside within 6 months of receipt; the court rules within 2 months [P21 Arts 58–60].
    **{(s, E.FILE_SET_ASIDE): S.SET_ASIDE_PENDING for s in _BINDING},
    **{(s, E.RULE_SET_ASIDE): S.SET_ASIDE for s in (*_BINDING, S.SET_ASIDE_PENDING)},
    **{(s, E.DISMISS_SET_ASIDE): S.UPHELD for s in (*_BINDING, S.SET_ASIDE_PENDING)},
    **{(s, E.CLOSE): S.CLOSED for s in (*_BINDING, S.UPHELD, S.SET_ASIDE, S.RESULT_SENT)},
    **{(s, E.WITHDRAW): S.WITHDRAWN for s in (*_BEFORE_EFFECT, S.ENTRUSTED, S.MEDIATING)},
    # Reverse: mediation entrusted to the centre by a commission.
    (S.DRAFT, E.ENTRUST): S.ENTRUSTED,
    (S.ENTRUSTED, E.START_MEDIATION): S.MEDIATING,
    (S.ENTRUSTED, E.SEND_RESULT): S.RESULT_SENT,
    (S.MEDIATING, E.SEND_RESULT): S.RESULT_SENT,
}

# The Machine's table is typed by StrEnum (one for every kind); a Mapping's key is invariant, so the view is rebuilt.
_TABLE: dict[tuple[StrEnum, StrEnum], StrEnum] = dict(TRANSITIONS.items())
MACHINE = Machine(kind="arbitration", initial=S.DRAFT, transitions=_TABLE, final=frozenset(FINAL))
