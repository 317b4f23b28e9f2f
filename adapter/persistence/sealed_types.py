"""Column types that seal personal data on the way into the database and open it on the way out.

Sealing in the column type, not at each call site, means no path — the ORM, a Core bulk insert, a CLI report —
can write an ID number in clear by forgetting a step. The vault belongs to the engine (one per configuration),
so it rides on the engine's dialect object, which is what a TypeDecorator is handed.
"""

from typing import Any

from sqlalchemy import LargeBinary, Text
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.types import TypeDecorator

from adapter.persistence.presealed import Presealed
from adapter.persistence.vault import Vault, VaultError, open_blob, open_json

_ATTRIBUTE = "docking_vault"


def attach_vault(engine: Engine, vault: Vault | None) -> None:
    setattr(engine.dialect, _ATTRIBUTE, vault)


def engine_vault(engine: Engine) -> Vault | None:
    vault: Vault | None = getattr(engine.dialect, _ATTRIBUTE, None)
    return vault


class SealedJson(TypeDecorator[str]):
    """JSON text whose `id_number` and `phone` values are sealed (the rest stays readable). Text this engine's
    vault sealed already from its model (adapter/persistence/presealed.py) is stored as it is."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        vault: Vault | None = getattr(dialect, _ATTRIBUTE, None)
        if isinstance(value, Presealed):
            if value.vault is not vault:  # sealed for another engine: its tokens would be sealed again, or stored
                raise VaultError("JSON text sealed by another vault than this database's")
            return str(value)
        return value if value is None or vault is None else vault.seal_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        return value if value is None else open_json(value, getattr(dialect, _ATTRIBUTE, None))


class SealedBytes(TypeDecorator[bytes]):
    """Raw bytes sealed whole: they may not parse, which is often why they were kept."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        vault: Vault | None = getattr(dialect, _ATTRIBUTE, None)
        return value if value is None or vault is None else vault.seal_blob(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> bytes | None:
        return value if value is None else open_blob(bytes(value), getattr(dialect, _ATTRIBUTE, None))
