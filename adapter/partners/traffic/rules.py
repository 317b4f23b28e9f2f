"""The traffic platform's rules (partners.md §2 table), one instance per partner from `[partners.<name>.rules]`:
the spec's `rules_model`. Every rule partners.md marks *unconfirmed* or *inference* is a field with its documented
default, so an operator who learns the platform's real value changes a setting, not the code.

| field                      | default | counting       | source                                           |
|----------------------------|---------|----------------|--------------------------------------------------|
| offer_answer_working_days  | 3       | working days   | [P44 Art 12] (platform value *unconfirmed*)      |
| mediation_days             | 30      | calendar days  | [P44 Arts 24, 26], appraisal (and review) excluded |
| jc_application_days        | 30      | calendar days  | domain.md §3 (from the agreement taking effect)  |
| jc_ruling_days             | 30      | calendar days  | domain.md §3, [S3 Art 187] (from the filing)     |
| claim_assess_days          | 30      | calendar days  | 保险法 Art 23 [P19] (a complex claim)              |
| claim_pay_days             | 10      | calendar days  | 保险法 Art 23 [P19] (from agreeing the amount)     |
| liability_shares           | 100/70/50/30/0 % | —     | *inference* (court practice; no source fixes it) |
| compulsory_limits          | 180,000 / 18,000 / 2,000 yuan | — | 交强险 sub-limits, death-disability / medical /  |
|                            |         |                | property (强制保险条例 Art 23; 2020 amounts)     |
| compulsory_no_fault_limits | 18,000 / 1,800 / 100 yuan | —   | the same when the insured bears no liability     |
| claim_heads_version        | "2026"  | —              | reference/traffic_tables/claim_heads-2026.toml   |
| failure_codes_version      | "2026"  | —              | reference/traffic_tables/failure_codes-2026.toml |
| review_pauses_mediation    | true    | —              | *inference* (partners.md §2 Guards)              |
| warn_within_days           | 3       | calendar days  | the centre's own alerting                        |
"""

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from reference.traffic_codes import CATEGORIES
from schemas.money import RMB
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


# 交强险 sub-limits by loss category (机动车交通事故责任强制保险条例 Art 23: death-disability, medical, property, and
# lower ones when the insured bears no liability), the amounts of the 2020 reform; older policies: a setting.
COMPULSORY_LIMITS: dict[str, Decimal] = {
    "death_disability": Decimal("180000.00"),
    "medical": Decimal("18000.00"),
    "property": Decimal("2000.00"),
}
COMPULSORY_NO_FAULT_LIMITS: dict[str, Decimal] = {
    "death_disability": Decimal("18000.00"),
    "medical": Decimal("1800.00"),
    "property": Decimal("100.00"),
}


class TrafficRules(BaseModel):
    """The platform's periods, the liability→share table and the code-table versions; see the module table."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    offer_answer_working_days: int = Field(default=3, ge=0, le=30)
    mediation_days: int = Field(default=30, ge=1, le=365)
    jc_application_days: int = Field(default=30, ge=1, le=365)
    jc_ruling_days: int = Field(default=30, ge=1, le=365)  # the court's review; its president may extend
    claim_assess_days: int = Field(default=30, ge=1, le=365)
    claim_pay_days: int = Field(default=10, ge=1, le=365)
    liability_shares: dict[LiabilityLevel, Decimal] = Field(default_factory=lambda: dict(DEFAULT_SHARES))
    compulsory_limits: dict[str, RMB] = Field(default_factory=lambda: dict(COMPULSORY_LIMITS))
    compulsory_no_fault_limits: dict[str, RMB] = Field(default_factory=lambda: dict(COMPULSORY_NO_FAULT_LIMITS))
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

    @field_validator("compulsory_limits", "compulsory_no_fault_limits")
    @classmethod
    def _every_category(cls, value: dict[str, Decimal], info: ValidationInfo) -> dict[str, Decimal]:
        if set(value) != set(CATEGORIES):
            raise ValueError(f"{info.field_name}: one amount (yuan) for each of {', '.join(CATEGORIES)}")
        return value
