"""The SPC platform in the composition root: its connector from the settings (transport "spc_form" — the one place
that reads the account's secrets from the environment and builds connectors/spc_form.SpcForm), and the job that
registers closed self-received cases with a roster partner."""

from typing import TYPE_CHECKING

from adapter.config.partners import PartnerSettings
from adapter.errors import InvalidRequest
from adapter.partners.roster_registration import register_pending
from connectors.spc_form import SpcForm
from schemas.clock import Clock
from schemas.partner import PartnerKind

if TYPE_CHECKING:  # scheduler/partners.py imports this module: the runtime's type only, no cycle at run time
    from scheduler.partners import PartnerRuntime


def build_spc_form(name: str, config: PartnerSettings, clock: Clock | None = None) -> SpcForm:
    """SpcForm for `[partners.<name>]` (scheduler/partners.py TRANSPORTS["spc_form"]; the form keeps no clock of
    its own: the platform's session is its clock); InvalidRequest naming the setting when the form table or a
    secret is missing (never the secret's value)."""
    form = config.form
    if form is None:
        raise InvalidRequest(f"[partners.{name}] transport spc_form needs a [partners.{name}.form] table", field="form")
    try:
        password, callback_key = form.password(), form.callback_key()
    except ValueError as exc:
        raise InvalidRequest(f"[partners.{name}.form]: {exc}", field="form", rule="secret") from None
    timeout = (min(3.05, config.timeout_seconds), config.timeout_seconds)
    return SpcForm(
        name,
        config.base_url,
        form.username,
        password,
        callback_key=callback_key,
        timeout=timeout,
        max_response_bytes=int(config.max_response_mb * 1024 * 1024),
    )


def register_roster_cases(partners: "PartnerRuntime", name: str) -> dict[str, int]:
    """The job register-roster:<name>: open a registration for each closed flow-C case not yet registered with the
    roster partner `name` (adapter/partners/roster_registration.py); what it did, for the job's stored result."""
    run = register_pending(partners.uow, partner=name, rules=partners.rules_for(name, PartnerKind.ROSTER),
                           actor="registration-job", now=partners.clock())  # fmt: skip
    return {"opened": len(run.opened), "waiting": len(run.waiting)}
