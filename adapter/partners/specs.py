"""The registry of partner kinds: kind → PartnerSpec. The one module that imports every kind's spec (each kind's
package adds its line); the generic core asks here and never imports a kind directly."""

from adapter.partners.roster.spec import ROSTER
from adapter.partners.spec import PartnerSpec
from schemas.partner import PartnerKind

SPECS: dict[PartnerKind, PartnerSpec] = {
    PartnerKind.ROSTER: ROSTER,
}


def spec_for(kind: PartnerKind | str) -> PartnerSpec:
    """The spec of `kind`; KeyError names the kinds known."""
    try:
        return SPECS[PartnerKind(kind)]
    except (KeyError, ValueError):
        raise KeyError(f"unknown partner kind {kind!r}; known: {', '.join(sorted(k.value for k in SPECS))}") from None
