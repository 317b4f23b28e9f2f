"""CommissionRules: one arbitration commission's rules (the spec's rules_model, `[partners.<name>.rules]`), every
default the source's and marked where *unconfirmed* (partners.md §3). Periods are **calendar days** (arbitration
rules count as the civil procedure does, partners.md §0 / domain.md §3: counting starts the next day; a last day on
a rest day runs to the next working day), or calendar months for set-aside.

    [partners.gzac.rules]
    commission_name = "广州仲裁委员会"   # the commission an agreement must name ("" = not checked) [P21 Art 16]
    acceptance_days = 5                  # accept or refuse, from receipt [P21 Art 24]
    arbitrator_choice_days = 5           # from the acceptance notice; per commission [P25]
    fee_payment_days = 7                 # when a fee notice gives no last day (*unconfirmed*)
    fee_table = "national-1995"          # reference/arbitration_fees-<name>.toml; or fee_bands = [...] inline
    simple_procedure_max = "2000000.00"  # ¥; Chongqing's threshold [P25]
    correction_days = 30                 # from receipt of the award [P21 Art 56]
    set_aside_months = 6                 # from receipt of the award [P21 Art 59]
    revised_law_from = 2026-03-01        # the revised Arbitration Law [P22]

A bad value is refused by pydantic naming the field.
"""

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from adapter.deadlines.calendar import china_date
from reference.arbitration_fees import fee_table
from schemas.enums import Procedure
from schemas.money import RMB


class FeeBand(BaseModel):
    """A band of the acceptance-fee table: a claim above the previous band's `up_to` and at most this `up_to`
    (None: no upper bound) pays `base` plus `rate` of the amount above `over` — yuan."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    up_to: RMB | None = None
    over: RMB
    base: RMB
    rate: Decimal = Field(ge=0, le=1)


# Article references by topic: the 2017 text's are known [P21]; the revised text's numbering is *unconfirmed*
# (partners.md §3), so the default names the topic only and a commission's settings may give the numbers.
ARTICLES_2017: dict[str, str] = {
    "agreement": "Arts 4, 16",
    "application": "Arts 21–23",
    "acceptance": "Art 24",
    "tribunal": "Arts 30–33",
    "mediation": "Arts 51–52",
    "award_effect": "Art 57",
    "correction": "Art 56",
    "set_aside": "Arts 58–59",
    "set_aside_ruling": "Art 60",
}
UNCONFIRMED = "unconfirmed"
ARTICLES_REVISED_DEFAULT: dict[str, str] = {topic: UNCONFIRMED for topic in ARTICLES_2017}


class CommissionRules(BaseModel):
    """One commission's rules; see the module docstring for the settings table and sources."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    commission_name: str = Field(default="", max_length=200)
    acceptance_days: int = Field(default=5, ge=1, le=60)
    arbitrator_choice_days: int = Field(default=5, ge=1, le=60)
    fee_payment_days: int = Field(default=7, ge=1, le=60)
    fee_table: str = "national-1995"  # a shipped table (reference/arbitration_fees-<name>.toml)
    fee_bands: tuple[FeeBand, ...] | None = Field(default=None, min_length=1)  # the commission's own, inline
    simple_procedure_max: RMB = Decimal("2000000.00")
    correction_days: int = Field(default=30, ge=1, le=366)
    set_aside_months: int = Field(default=6, ge=1, le=24)
    set_aside_ruling_months: int = Field(default=2, ge=1, le=12)
    # A waiver made after the dispute arose, by the party itself: partners.md §3 Guards reads [P26] as refusing
    # only waivers not made after the dispute arose; the SPC reply refuses any skipped right, so by default all.
    allow_post_dispute_waivers: bool = False
    revised_law_from: date = date(2026, 3, 1)
    warn_within_days: int = Field(default=1, ge=0, le=30)  # a duty closing within this many days is due_soon
    articles_revised: dict[str, str] = Field(default_factory=lambda: dict(ARTICLES_REVISED_DEFAULT))

    @property
    def bands(self) -> tuple[FeeBand, ...]:
        """The fee bands in use: `fee_bands` if given, else the shipped `fee_table`'s."""
        if self.fee_bands is not None:
            return self.fee_bands
        return tuple(FeeBand.model_validate(band) for band in fee_table(self.fee_table).bands)

    @model_validator(mode="after")
    def _bands_ascending(self) -> "CommissionRules":
        try:
            bounds = [b.up_to for b in self.bands]
        except KeyError as exc:
            raise ValueError(f"fee_table: {exc.args[0]}") from None
        if any(u is None for u in bounds[:-1]):
            raise ValueError("fee_bands: only the last band may have no upper bound (up_to)")
        known = [u for u in bounds if u is not None]
        if known != sorted(known) or len(set(known)) != len(known):
            raise ValueError(f"fee_bands: up_to must ascend strictly, got {known}")
        return self

    def fee(self, claim_amount: Decimal) -> Decimal:
        """The acceptance fee for a claim of `claim_amount` yuan, per `fee_bands`, to the fen."""
        for band in self.bands:
            if band.up_to is None or claim_amount <= band.up_to:
                return (band.base + (claim_amount - band.over) * band.rate).quantize(Decimal("0.01"))
        # The last band is unbounded unless a commission's table stops short: a claim above it is refused.
        raise ValueError(f"claim amount {claim_amount} exceeds the fee table's last band")

    def procedure_for(self, claim_amount: Decimal) -> Procedure:
        """Simple procedure up to `simple_procedure_max` yuan, ordinary above [P25]."""
        return Procedure.SIMPLE if claim_amount <= self.simple_procedure_max else Procedure.ORDINARY

    def law_version(self, at: datetime) -> str:
        """ "2017" before `revised_law_from` (China date of `at`), "2026" from it [P22]."""
        return "2026" if china_date(at) >= self.revised_law_from else "2017"

    def cite(self, topic: str, at: datetime) -> str:
        """The reference to cite for `topic` (a key of ARTICLES_2017) at `at`, e.g. "仲裁法 (2017) Art 24", or
        from `revised_law_from` "仲裁法 (2026) Art n" as set in `articles_revised`, or while unset
        "仲裁法 (2026; 2017 text Art 24, revised article unconfirmed)"; KeyError names the topics known."""
        if topic not in ARTICLES_2017:
            raise KeyError(f"unknown topic {topic!r}; known: {', '.join(ARTICLES_2017)}")
        if self.law_version(at) == "2017":
            return f"仲裁法 (2017) {ARTICLES_2017[topic]}"
        article = self.articles_revised.get(topic, UNCONFIRMED)
        if article == UNCONFIRMED:  # still name the rule: the 2017 text's article, marked as such
            return f"仲裁法 (2026; 2017 text {ARTICLES_2017[topic]}, revised article unconfirmed)"
        return f"仲裁法 (2026) {article}"
