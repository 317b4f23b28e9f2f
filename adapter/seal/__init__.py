"""The centre's e-seal on agreement documents: PAdES (ETSI EN 319 142) with pyHanko; settings in `[seal]`.

Only this module is light: the use cases (adapter/services.py) name `Sealed` and `DocumentSeal` without importing
pyHanko, which adapter/seal/sealer.py loads when `[seal]` is enabled.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from adapter.seal.settings import SealSettings


@dataclass(frozen=True)
class Sealed:
    """`document`: the PDF that travels (PAdES-sealed for RSA/EC); `cms`: a detached CMS over `document` (DER) for
    an SM2 seal, else None."""

    document: bytes
    cms: bytes | None = None


class DocumentSeal(Protocol):
    """The centre's seal as the use cases apply it (adapter/seal/sealer.py Sealer)."""

    def seal(self, document: bytes, now: datetime) -> Sealed:
        """`document` sealed at `now`; SealError (an InvalidRequest naming the field) when it cannot be."""
        ...

    def carries_seal(self, document: bytes) -> bool:
        """Whether `document` already holds this seal (its signature field), so it is not sealed twice."""
        ...


def configured_seal(settings: "SealSettings", now: datetime) -> DocumentSeal | None:
    """The seal `[seal]` configures, checked (adapter/seal/sealer.py Sealer.from_settings), or None when off;
    pyHanko is imported only then, so commands that never seal do not pay for it."""
    if not settings.enabled:
        return None
    from adapter.seal.sealer import Sealer

    return Sealer.from_settings(settings, now)
