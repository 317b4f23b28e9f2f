"""The SPC platform's connector from its settings (transport "spc_form"): the composition root's one place that
reads the account's secrets from the environment and builds connectors/spc_form.SpcForm."""

from adapter.config.partners import PartnerSettings
from adapter.errors import InvalidRequest
from connectors.spc_form import SpcForm
from schemas.clock import Clock


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
