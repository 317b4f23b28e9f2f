"""The registry of partner kinds: kind → PartnerSpec. The one module that imports every kind's spec (each kind's
package adds its line); the generic core asks here and never imports a kind directly."""

from adapter.partners.arbitration.spec import ARBITRATION
from adapter.partners.spec import PartnerSpec
from adapter.partners.traffic.spec import TRAFFIC
from schemas.partner import PartnerKind

SPECS: dict[PartnerKind, PartnerSpec] = {
    PartnerKind.ARBITRATION: ARBITRATION,
    PartnerKind.TRAFFIC: TRAFFIC,
}


def spec_for(kind: PartnerKind | str) -> PartnerSpec:
    """The spec of `kind`; KeyError names the kinds known."""
    try:
        return SPECS[PartnerKind(kind)]
    except (KeyError, ValueError):
        raise KeyError(f"unknown partner kind {kind!r}; known: {', '.join(sorted(k.value for k in SPECS))}") from None
