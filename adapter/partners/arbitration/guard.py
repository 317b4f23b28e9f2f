"""The application guard: what the adapter refuses locally, sending nothing, before an application reaches a
commission (partners.md §3 Guards, an *inference* from [P21] and [P26]). Each refusal is an InvalidRequest naming
the input (`field`) and a stable `rule`:

- arbitration_agreement_missing — no arbitration agreement [P21 Arts 4, 16];
- arbitration_agreement_incomplete — it names no commission or no matters [P21 Art 16];
- arbitration_agreement_other_commission — it names another commission than this partner's `commission_name`;
- dispute_time_in_future — `dispute_arose_at` after now: only an existing dispute is arbitrable [P26];
- mediation_agreement_missing — an instrument on agreed terms without the settlement [P21 Art 51];
- settlement_before_dispute — the settlement concluded before `dispute_arose_at` (先予仲裁, SPC reply 2018 [P26]);
- confirmation_before_dispute — an arbitration agreement made to confirm the settlement, signed before the
  dispute arose [P26];
- mediation_agreement_not_effective — the settlement's `effective_at` is None or after now (partners.md §3);
- recusal_waived / evidence_waived / defence_waived — a waiver of that right: any, by default; with the rule
  `allow_post_dispute_waivers`, one made after the dispute arose passes [P26].

A pre-dispute arbitration *clause* alone is fine: it founds jurisdiction for ordinary proceedings; only a
confirmation of a settlement must post-date the dispute (partners.md §3). A waiver clause does not help [P26].
Pure: the application, `now` and the commission's rules in; None or InvalidRequest out.
"""

from datetime import datetime

from adapter.errors import InvalidRequest
from adapter.partners.arbitration.rules import CommissionRules
from schemas.arbitration import ArbitrationApplication, RequestedInstrument, Waiver
from schemas.clock import china_text

ON_AGREED_TERMS = frozenset({RequestedInstrument.MEDIATION_STATEMENT, RequestedInstrument.AWARD_ON_AGREED_TERMS})
WAIVED_RIGHTS = ("recusal", "evidence", "defence")
RULES = (
    "arbitration_agreement_missing",
    "arbitration_agreement_incomplete",
    "arbitration_agreement_other_commission",
    "dispute_time_in_future",
    "mediation_agreement_missing",
    "settlement_before_dispute",
    "confirmation_before_dispute",
    "mediation_agreement_not_effective",
    *(f"{right}_waived" for right in WAIVED_RIGHTS),
)


def check_application(app: ArbitrationApplication, now: datetime, rules: CommissionRules) -> None:
    """Refuse `app` with the first rule it breaks (order of the module table); InvalidRequest(field=, rule=)."""
    agreement, settlement, dispute = app.arbitration_agreement, app.mediation_agreement, app.dispute_arose_at
    if agreement is None:
        raise InvalidRequest(
            "no arbitration agreement: a commission refuses an application without a valid written agreement "
            "(Arbitration Law Arts 4, 16)",
            field="arbitration_agreement",
            rule="arbitration_agreement_missing",
        )
    for part in ("commission", "matters"):
        if not getattr(agreement, part).strip():
            raise InvalidRequest(
                f"the arbitration agreement names no {part}: it is invalid (Arbitration Law Art 16)",
                field=f"arbitration_agreement.{part}",
                rule="arbitration_agreement_incomplete",
            )
    if rules.commission_name and agreement.commission.strip() != rules.commission_name:
        raise InvalidRequest(
            f"the arbitration agreement names {agreement.commission!r}, not this commission "
            f"({rules.commission_name!r}) (Arbitration Law Art 16)",
            field="arbitration_agreement.commission",
            rule="arbitration_agreement_other_commission",
        )
    if dispute > now:
        raise InvalidRequest(
            f"dispute_arose_at {china_text(dispute)} is after now: only an existing dispute is arbitrable [P26]",
            field="dispute_arose_at",
            rule="dispute_time_in_future",
        )
    if settlement is None:
        if app.requested_instrument in ON_AGREED_TERMS:
            raise InvalidRequest(
                f"a {app.requested_instrument.value} is made on the terms of a settlement; none given "
                "(Arbitration Law Art 51)",
                field="mediation_agreement",
                rule="mediation_agreement_missing",
            )
    else:
        if settlement.concluded_at < dispute:
            raise InvalidRequest(
                f"the settlement was concluded {china_text(settlement.concluded_at)}, before the dispute arose "
                f"({china_text(dispute)}): 先予仲裁, refused by courts (SPC reply 2018 [P26])",
                field="mediation_agreement.concluded_at",
                rule="settlement_before_dispute",
            )
        if agreement.confirms_settlement and agreement.signed_at < dispute:
            raise InvalidRequest(
                f"the arbitration agreement confirming the settlement was signed {china_text(agreement.signed_at)}, "
                f"before the dispute arose ({china_text(dispute)}): 先予仲裁 (SPC reply 2018 [P26])",
                field="arbitration_agreement.signed_at",
                rule="confirmation_before_dispute",
            )
        if settlement.effective_at is None or settlement.effective_at > now:
            if settlement.effective_at is None:
                when = "has no effective time yet"
            else:
                when = f"takes effect only at {china_text(settlement.effective_at)}, after now"
            raise InvalidRequest(
                f"the mediation agreement {when}: only an effective settlement is handed over to a commission",
                field="mediation_agreement.effective_at",
                rule="mediation_agreement_not_effective",
            )
    for right in WAIVED_RIGHTS:
        for index, waiver in enumerate(getattr(app.waivers, right)):
            if not _waiver_allowed(waiver, app, rules):
                raise InvalidRequest(
                    f"party {waiver.party} waives its {right} right{_when(waiver)}: an award or 调解书 made after "
                    "skipping it is refused enforcement, a waiver clause does not help (SPC reply 2018 [P26])",
                    field=f"waivers.{right}.{index}",  # dotted, as the input's own errors name a list item
                    rule=f"{right}_waived",
                )


def _waiver_allowed(waiver: Waiver, app: ArbitrationApplication, rules: CommissionRules) -> bool:
    # Only with the commission's setting, and only a waiver known to be made after the dispute arose.
    return rules.allow_post_dispute_waivers and waiver.at is not None and waiver.at >= app.dispute_arose_at


def _when(waiver: Waiver) -> str:
    return "" if waiver.at is None else f" (made {china_text(waiver.at)})"
