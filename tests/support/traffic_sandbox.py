"""The sandbox traffic platform for the tests: the generic partner REST connector with the traffic-platform wire
(what the runtime builds for a traffic partner), and the platform as a partner contract profile
(tests/support/partner_profiles.py)."""

from adapter.config.platform import SigningSettings
from adapter.platforms.signers import build_signer, build_verifier
from connectors.partner_rest import PartnerRest
from mappings.times import DEFAULT_FORM, TimestampForm
from mappings.traffic_platform import TrafficWire
from schemas.partner import PartnerKind
from schemas.traffic import BODIES


def traffic_port(
    name: str, api: str, signing: SigningSettings, form: TimestampForm = DEFAULT_FORM, **options: object
) -> PartnerRest:
    """A traffic partner `name` at `api` (the platform's base URL), signed and verified under `signing`."""
    return PartnerRest(
        name,
        PartnerKind.TRAFFIC,
        api,
        build_signer(signing, platform=name),
        build_verifier(signing, platform=name),
        wire=TrafficWire(name, form),
        bodies=BODIES.__getitem__,
        **options,  # type: ignore[arg-type]
    )
