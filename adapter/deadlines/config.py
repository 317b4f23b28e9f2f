"""DeadlinePolicy: the statutory periods as overridable defaults, per-court overrides, the holiday file and the
warning window — the `[deadlines]` table of the settings file (domain.md §3 "Local variation").

    [deadlines]
    holiday_file = "holidays.toml"      # years chinesecalendar lacks, and corrections
    warn_within_days = 3
    max_extension_days = 30             # flow B, from 2025 (unconfirmed [S8])

    [deadlines.courts."粤01"]           # every court whose code starts 粤01 (Guangzhou and its districts)
    mediation_days_cap = 30             # [S16]

    [deadlines.courts."粤0104"]         # a longer prefix wins, field by field, over 粤01
    max_extension_days = 10
"""

import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator

from reference.case_number import normalise_court_code


class Periods(BaseModel):
    """The periods of domain.md §3; the defaults are the statutory ones. A court override sets only some."""

    model_config = ConfigDict(extra="forbid")

    acceptance_working_days: int = Field(default=3, ge=1, le=60)  # [S2 Art 12]
    contact_working_days: int = Field(default=3, ge=1, le=60)  # [S2 Art 15], pre-filing (flows A, D)
    mediation_days_delegated: int = Field(default=30, ge=1, le=366)  # flow A [S1 Art 27][S2 Art 24]
    # Flow D: the court designates the centre for a party's online pre-filing application [S2 Arts 8–10];
    # domain.md gives no period of its own, so it follows flow A's pre-filing 30 days.
    mediation_days_party_applied: int = Field(default=30, ge=1, le=366)
    # Flow C: no court has set a period for a dispute brought to the centre directly; none unless configured.
    mediation_days_self_received: int | None = Field(default=None, ge=1, le=366)
    mediation_days_entrusted_ordinary: int = Field(default=15, ge=1, le=366)  # flow B [S2 Art 24]
    mediation_days_entrusted_simple: int = Field(default=7, ge=1, le=366)  # flow B, simple procedure
    jc_application_days: int = Field(default=30, ge=1, le=366)  # [S3 Art 205]
    jc_review_days: int = Field(default=30, ge=1, le=366)  # [S3 Art 187]
    # Extensions agreed by all parties: flow B at most +30 days from 2025 (unconfirmed [S8]); pre-filing
    # flows unlimited [S2 Art 24] unless a court says otherwise. None: no limit.
    max_extension_days: int | None = Field(default=30, ge=0, le=366)
    max_extension_days_pre_filing: int | None = Field(default=None, ge=0, le=366)
    # A court's cap on the whole mediation period, extensions included (Guangzhou: 30 days [S16]).
    mediation_days_cap: int | None = Field(default=None, ge=1, le=366)


# A court code as in a 案号 (粤0104, 粤73) or a prefix of one (粤, 粤01): reference/case_number.py.
_COURT_PREFIX = re.compile(r"[\u4e00-\u9fff][0-9]{0,4}")  # ASCII digits: keys are normalised first


class DeadlinePolicy(Periods):
    """The statutory defaults (inherited fields), their per-court overrides, and how to warn."""

    holiday_file: Path | None = None
    warn_within_days: int = Field(default=3, ge=0, le=60)  # a deadline closing this soon is `due_soon`
    courts: dict[str, Periods] = {}  # court code prefix → the fields it sets (others inherit)

    @field_validator("courts")
    @classmethod
    def _prefixes(cls, value: dict[str, Periods]) -> dict[str, Periods]:
        """Keys in the form a 案号 yields (粤０１ is 粤01, as for the court codes matched against them)."""
        normalised = {normalise_court_code(key): periods for key, periods in value.items()}
        bad = [key for key in value if not _COURT_PREFIX.fullmatch(normalise_court_code(key))]
        if bad:
            raise ValueError(f"{', '.join(map(repr, bad))}: a court key is a court code or its prefix, like 粤01")
        if len(normalised) != len(value):
            raise ValueError(f"{', '.join(map(repr, value))}: two court keys name the same court code")
        return normalised

    def for_court(self, court_code: str | None) -> Periods:
        """The periods for a court: the defaults, then every matching prefix from shortest to longest, each
        setting only the fields it names — so the longest prefix wins, field by field."""
        merged = {name: getattr(self, name) for name in Periods.model_fields}
        # A code stored before 案号 normalisation (粤０１０４) must still find 粤01's settings.
        court_code = normalise_court_code(court_code) if court_code else court_code
        if court_code:
            for prefix in sorted((p for p in self.courts if court_code.startswith(p)), key=len):
                override = self.courts[prefix]
                merged.update({name: getattr(override, name) for name in override.model_fields_set})
        return Periods(**merged)
