"""The traffic platform's rules (partners.md §2 table), one instance per partner from `[partners.<name>.rules]`:
the spec's `rules_model`. Every rule partners.md marks *unconfirmed* or *inference* is a field with its documented
default, so an operator who learns the platform's real value changes a setting, not the code.

| field                      | default | counting       | source                                           |
|----------------------------|---------|----------------|--------------------------------------------------|
| offer_answer_working_days  | 3       | working days   | [P44 Art 12] (platform value *unconfirmed*)      |
| mediation_days             | 30      | calendar days  | [P44 Arts 24, 26], appraisal (and review) excluded |
| jc_application_days        | 30      | calendar days  | domain.md §3 (from the agreement taking effect)  |
| claim_assess_days          | 30      | calendar days  | 保险法 Art 23 [P19] (a complex claim)              |
| claim_pay_days             | 10      | calendar days  | 保险法 Art 23 [P19] (from agreeing the amount)     |
| liability_shares           | 100/70/50/30/0 % | —     | *inference* (court practice; no source fixes it) |
| claim_heads_version        | "2026"  | —              | reference/traffic_tables/claim_heads-2026.toml   |
| failure_codes_version      | "2026"  | —              | reference/traffic_tables/failure_codes-2026.toml |
| review_pauses_mediation    | true    | —              | *inference* (partners.md §2 Guards)              |
| warn_within_days           | 3       | calendar days  | the centre's own alerting                        |
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas.traffic import LiabilityLevel

L = LiabilityLevel

# The share of the loss a level bears: court practice reads main as 60–90 %, secondary 10–40 %; 70/30 is the
# middle. An *inference*: no rule fixes it, so it is a setting (partners.md §2).
DEFAULT_SHARES: dict[LiabilityLevel, Decimal] = {
    L.FULL: Decimal("1.00"),
    L.MAIN: Decimal("0.70"),
    L.EQUAL: Decimal("0.50"),
    L.SECONDARY: Decimal("0.30"),
    L.NONE: Decimal("0.00"),
}


class TrafficRules(BaseModel):
    """The platform's periods, the liability→share table and the code-table versions; see the module table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offer_answer_working_days: int = Field(default=3, ge=0, le=30)
    mediation_days: int = Field(default=30, ge=1, le=365)
    jc_application_days: int = Field(default=30, ge=1, le=365)
    claim_assess_days: int = Field(default=30, ge=1, le=365)
    claim_pay_days: int = Field(default=10, ge=1, le=365)
    liability_shares: dict[LiabilityLevel, Decimal] = Field(default_factory=lambda: dict(DEFAULT_SHARES))
    claim_heads_version: str = Field(default="2026", min_length=1, max_length=16)
    failure_codes_version: str = Field(default="2026", min_length=1, max_length=16)
    review_pauses_mediation: bool = True
    warn_within_days: int = Field(default=3, ge=0, le=30)

    @field_validator("liability_shares")
    @classmethod
    def _shares_complete(cls, value: dict[LiabilityLevel, Decimal]) -> dict[LiabilityLevel, Decimal]:
        missing = [level.value for level in LiabilityLevel if level not in value]
        if missing:
            raise ValueError(f"liability_shares: no share for {', '.join(missing)} (all five levels, [P18 Art 60])")
        for level, share in value.items():
            if not Decimal("0") <= share <= Decimal("1"):
                raise ValueError(f"liability_shares.{level.value}: {share} is not between 0 and 1")
        if value[L.FULL] != Decimal("1") or value[L.NONE] != Decimal("0"):
            raise ValueError("liability_shares: full bears 1 and none bears 0")
        return value
