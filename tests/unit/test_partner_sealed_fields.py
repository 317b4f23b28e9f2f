"""Every field of a docking partner's messages and the centre's action inputs that can hold an ID, phone or account
number is one the vault seals at rest (adapter/persistence/vault.py SEALED_FIELDS — facts and envelopes are
SealedJson columns) and adapter/masking.py masks by name: a new field named otherwise (`mobile`, `bank_account`,
`id_no`…) would be stored in clear, so it fails here until it is named as the vault knows it."""

import re
import types
import typing
from collections.abc import Iterator
from enum import StrEnum

import pytest
from pydantic import BaseModel

from adapter.masking import mask_fields
from adapter.partners.specs import SPECS
from adapter.persistence.vault import SEALED_FIELDS
from schemas.arbitration import ArbMessageType
from schemas.partner import PartnerKind
from schemas.roster import RosterMessageType
from schemas.traffic import TrafficMessageType

MESSAGE_TYPES: dict[PartnerKind, type[StrEnum]] = {
    PartnerKind.TRAFFIC: TrafficMessageType,
    PartnerKind.ARBITRATION: ArbMessageType,
    PartnerKind.ROSTER: RosterMessageType,
}
# Names that say "a personal number": identity documents, phones, bank accounts and cards.
PERSONAL = re.compile(r"(^|_)(id_?(number|no|card)|phone|mobile|tel|telephone|account|card_?no|passport|contact)($|_)")


def _fields(model: type[BaseModel], seen: set[type]) -> Iterator[tuple[str, str]]:
    """(model.field, field name) for `model` and every model nested in its fields' types."""
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        yield f"{model.__name__}.{name}", name
        for nested in _models(info.annotation):
            yield from _fields(nested, seen)


def _models(annotation: object) -> Iterator[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in typing.get_args(annotation):
        yield from _models(arg)
    if isinstance(annotation, types.UnionType):
        for arg in annotation.__args__:
            yield from _models(arg)


def _inventory(kind: PartnerKind) -> list[tuple[str, str]]:
    spec, seen = SPECS[kind], set[type]()
    found: list[tuple[str, str]] = []
    for message_type in MESSAGE_TYPES[kind]:
        try:
            found.extend(_fields(spec.body_model(message_type.value), seen))
        except KeyError:
            continue
    for action in spec.actions.values():
        found.extend(_fields(action.input, seen))
    return found


@pytest.mark.parametrize("kind", list(MESSAGE_TYPES))
def test_every_personal_number_field_of_a_kind_is_sealed_and_masked_by_name(kind: PartnerKind) -> None:
    fields = _inventory(kind)
    personal = {where: name for where, name in fields if PERSONAL.search(name)}
    assert personal, f"{kind.value}: no personal field found — the walk over its models is broken"
    assert {where: name for where, name in personal.items() if name not in SEALED_FIELDS} == {}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (PartnerKind.TRAFFIC, {"id_number", "phone", "account"}),
        (PartnerKind.ARBITRATION, {"id_number", "phone"}),
        (PartnerKind.ROSTER, {"id_number", "phone"}),
    ],
)
def test_the_inventory_finds_the_fields_the_kinds_are_known_to_carry(kind: PartnerKind, expected: set[str]) -> None:
    assert expected <= {name for _, name in _inventory(kind)}


def test_a_name_the_vault_seals_is_one_the_masks_know_or_a_text_mask_covers() -> None:
    """id_number and phone are masked by name; an account by the text masks (mask_document), which the views run
    over every string of the facts (adapter/partners/views.py masked)."""
    assert mask_fields({"id_number": "110105198503071230", "phone": "13912345678"}) == {
        "id_number": "110105********1230",
        "phone": "139****5678",
    }
