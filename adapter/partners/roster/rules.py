"""RosterRules: the SPC roster partner's rules as overridable defaults — the `[partners.<name>.rules]` table of the
settings file (the spec's `rules_model`). The published rules only say rosters are updated "promptly" and
self-received cases registered (partners.md §4 [P43 Arts 5–10]); every period here is therefore a setting with the
suggested default, and each says whether it counts working or calendar days.

    [partners.spc.rules]
    sync_working_days = 5                 # a roster change reaches the platform within 5 working days
    term_alert_days = 30                  # alert 30 calendar days before a mediator's term ends
    register_working_days = 10            # a closed self-received case registered within 10 working days
    min_qualifying_mediators = 3          # an organisation needs ≥3 qualifying mediators to be submitted [P46]
    certification_alert_working_days = 20  # certification still awaited after this → alert
    due_soon_days = 2                     # a working-day period is due soon this many calendar days before it closes
"""

from pydantic import BaseModel, ConfigDict, Field


class RosterRules(BaseModel):
    """The roster rules; defaults from partners.md §4 "Suggested model" (settings: the rules say "promptly")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sync_working_days: int = Field(
        default=5,
        ge=1,
        le=60,
        description="Working days within which a roster change (new entry, change, suspension, retirement) must "
        "reach the platform. The rules say 'promptly' [P43 Art 10]; 5 is partners.md §4's suggestion.",
    )
    term_alert_days: int = Field(
        default=30,
        ge=1,
        le=366,
        description="Calendar days before a mediator's term ends from which the term is due_soon (renewal is "
        "certified again [P45]); after the term's last day the entry should go EXPIRED.",
    )
    register_working_days: int = Field(
        default=10,
        ge=1,
        le=60,
        description="Working days after a self-received (flow C) case closes within which it is registered with "
        "the platform. The rules say 'promptly'; 10 is partners.md §4's suggestion.",
    )
    min_qualifying_mediators: int = Field(
        default=3,
        ge=1,
        le=50,
        description="Qualifying, active, in-term mediators an organisation needs to be submitted [P46].",
    )
    certification_alert_working_days: int = Field(
        default=20,
        ge=1,
        le=120,
        description="Working days after submission without the platform's certification answer before an alert "
        "(no published period: the courts certify at their own pace — an operator chases it).",
    )
    due_soon_days: int = Field(
        default=2,
        ge=0,
        le=30,
        description="Calendar days before a sync, registration or certification period closes from which it "
        "shows due_soon.",
    )
