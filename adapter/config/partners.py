"""Docking partners in the settings (partners.md §0, §2–§4): each partner is a platform, registered like a court or a
complaint desk under `[partners.<name>]` with the court's connection fields (PlatformSettings: base_url, signing,
mode, poll_seconds, timeouts, retry and breaker) plus its kind, its transport and the kind's rules.

    [partners.gd-traffic]
    kind = "traffic"                              # traffic | arbitration | roster (schemas/partner.py)
    transport = "rest"                            # rest (connectors/partner_rest.py) | fake (tests) | spc_form
    base_url = "https://traffic.example/api"
    mode = "poll"                                 # poll (we read its feed; "pull" is read as poll) | push (it POSTs)
    [partners.gd-traffic.signing]                 # one of the existing profiles, exactly as for courts and desks
    ...
    [partners.gd-traffic.rules]                   # the kind's rules model (spec.rules_model): periods, caps, …
    offer_answer_working_days = 3

The rules are checked against the kind's rules model when the settings load: a wrong field is a ConfigError naming
the file, the table ([partners.<name>.rules]) and the field.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from adapter.config.platform import PlatformSettings
from adapter.config.spc_form import SpcFormSettings
from schemas.partner import PartnerKind


class PartnerSettings(PlatformSettings):
    """One partner endpoint: a court's connection fields, its kind, transport and rules."""

    kind: PartnerKind
    transport: Literal["rest", "fake", "spc_form"] = "rest"  # type: ignore[assignment]
    rules: dict[str, Any] = Field(default_factory=dict)  # validated against the kind's rules_model by `partner_rules`
    reconcile_seconds: float = Field(default=900, gt=0)  # query_status against ours, every so often
    sweep_seconds: float = Field(default=600, gt=0)  # due dates → alerts
    deliver_batch: int = Field(default=50, ge=1, le=1000)
    form: SpcFormSettings | None = None  # transport spc_form: the web form's login (adapter/config/spc_form.py)

    @field_validator("mode", mode="before")
    @classmethod
    def _pull_is_poll(cls, value: Any) -> Any:
        # One word everywhere (courts' and desks' mode, `docking status`, the demo JSON): poll. partners.md writes
        # "pull", so a config saying so keeps working and reads back as poll.
        return "poll" if value == "pull" else value

    @model_validator(mode="after")
    def _form_for_spc(self) -> "PartnerSettings":
        if (self.transport == "spc_form") != (self.form is not None):
            raise ValueError("transport spc_form needs a [form] table (username, password_env), and only it has one")
        return self


class PartnerRulesError(ValueError):
    """A partner's rules refused by its kind's model: the message names the table and the field."""


def partner_rules(name: str, config: PartnerSettings) -> BaseModel:
    """The partner's rules as an instance of its kind's rules_model; PartnerRulesError naming
    "[partners.<name>.rules] <field>: <message>", or the kind missing from this build (adapter/partners/specs.py)."""
    from adapter.partners.specs import spec_for  # the kinds register there; imported late: no import cycle

    try:
        model = spec_for(config.kind).rules_model
    except KeyError as exc:
        raise PartnerRulesError(f"[partners.{name}] kind {config.kind.value}: {exc.args[0]}") from None
    try:
        return model.model_validate(config.rules)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "rules"
        raise PartnerRulesError(f"[partners.{name}.rules] {field}: {first['msg']}") from None


class PartnerOptions(BaseModel):
    """`[partner_jobs]`: what applies to every partner."""

    model_config = ConfigDict(extra="forbid")

    deliver_seconds: float = Field(default=5.0, gt=0)
    due_soon_hours: float = Field(default=24.0, gt=0)  # a due date this close raises an alert
