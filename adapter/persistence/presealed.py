"""A model's JSON sealed from the model itself, rather than by parsing back the JSON just written.

`seal_model(vault, model)` is `vault.seal_json(model.model_dump_json())` — the same text, the same fields sealed in
the same order, each under its own fresh nonce — made by sealing the values in the model's dump as JSON data and
writing that once (pydantic_core.to_json: the same text as model_dump_json; a copy of the model cost more).
Parsing the dispatch's JSON back to find its ID numbers and phones cost a feed page's new case half of its write
(bench/intake.py --profile); a model's fields say where they are.

The result is `Presealed`: text the sealed column stores as it is (adapter/persistence/sealed_types.py), when its
vault is the one that sealed it; any other text is sealed by the column, as before. Only a model whose JSON is
exactly its fields is sealed this way; one with anything else in it (a dict, a list of lists, an extra, an alias, a
serializer of its own, a field written as what it holds (SerializeAsAny, polymorphic_serialization), a computed
field, a sealed field that is not text, its own way of writing infinities) is written and sealed as text instead.
"""

from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, cast, get_args, get_origin

from pydantic import BaseModel, PlainSerializer, SerializeAsAny, WrapSerializer
from pydantic_core import to_json

from adapter.persistence.vault import SEALED_FIELDS, Vault


class Presealed(str):
    """JSON text whose personal fields `vault` has sealed already (`seal_model`)."""

    vault: Vault


def seal_model(vault: Vault, model: BaseModel) -> str:
    """`vault.seal_json(model.model_dump_json())`, without the parse (module doc); a `Presealed` when so made."""
    try:
        _plain_fields(type(model))  # before writing anything: a model that is not plain is written once, as text
        dumped = model.model_dump(mode="json")
        _seal_dump(model, dumped, vault)
    except _NotPlain:
        return vault.seal_json(model.model_dump_json())
    # Written as model_dump_json writes the model: a float that is no number as null, the models' own setting
    # (`_plain_fields` leaves a model with another setting to the text path), not to_json's default.
    text = Presealed(to_json(dumped, inf_nan_mode="null").decode())
    text.vault = vault
    return text


class _NotPlain(Exception):
    """A model whose JSON may not be just its fields: sealed as text (module doc)."""


def _seal_dump(model: BaseModel, dumped: dict[str, Any], vault: Vault) -> None:
    """Seal, in `dumped` (the model's `model_dump(mode="json")`), every text value of a sealed field, at any depth.

    The dump is the model's JSON as plain data — `to_json(dumped)` is `model_dump_json()`'s text, pydantic writing
    both — so sealing its values is sealing a copy of the model and writing that, without making the copy (a fifth
    of sealing a dispatch). The model says where the sealed fields are (`_plain_fields`); its dump is
    walked alongside it. The order is seal_json's (vault.py `_walked`, whose parser hook sees an object once it is
    closed): the objects inside a model first, in the order written, then its own sealed fields in field order."""
    fields, sealed = _plain_fields(type(model))
    if not fields and not sealed:  # an attachment, a 案号's reading: nothing in it to seal
        return
    values = model.__dict__
    if dumped.keys() != values.keys():  # written by another model's fields (a subclass where its parent is declared)
        raise _NotPlain
    for name in fields:
        value = values[name]
        leaf = _LEAF.get(type(value))
        if leaf is None:
            leaf = _LEAF[type(value)] = _is_leaf(type(value))
        if leaf:  # most fields: nothing inside to look at (isinstance of a model's class is slow: an ABC)
            continue
        written = dumped[name]
        if isinstance(value, BaseModel):
            _seal_dump(value, written, vault)
        elif type(value) in _SEQUENCES:  # exactly a list or tuple: a NamedTuple is written as its own kind of list
            for item, item_written in zip(value, written, strict=True):
                if isinstance(item, BaseModel):
                    _seal_dump(item, item_written, vault)
                else:
                    _leaf(item)
        else:  # a dict (keys of its own), a set, a dataclass, a NamedTuple …: anything pydantic may write as an
            # object, whose keys the JSON's walk would look into — never written presealed, or a phone in it stays clear
            raise _NotPlain
    for name in sealed:
        value = values[name]
        if value is not None:
            if type(value) is not str:  # its JSON may be text the walk would seal: not a case this knows
                raise _NotPlain
            dumped[name] = vault.seal_value(name, value)


_LEAF: dict[type, bool] = {}  # by the type of a field's value: written as a JSON scalar, whatever it holds


def _is_leaf(kind: type) -> bool:
    return kind is type(None) or (
        issubclass(kind, (str, int, float, Decimal, date, Enum)) and not issubclass(kind, BaseModel)
    )


_SEQUENCES = (tuple, list)  # built once: `tuple | list` in a loop makes a union each time


def _leaf(item: object) -> object:
    """An item of a list that is no model: only a scalar (module doc); anything else may hold a sealed key."""
    leaf = _LEAF.get(type(item))
    if leaf is None:
        leaf = _LEAF[type(item)] = _is_leaf(type(item))
    if not leaf:
        raise _NotPlain
    return item


@cache
def _plain_fields(cls: type[BaseModel]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Of a model whose JSON is its fields: those that may hold a model with a sealed field (or anything: `Any`, a
    dict …), and those sealed, by name, in order; _NotPlain for any other model. A field of text, a number, a time
    or an enum is neither, by its type: the model was validated."""
    config = cls.model_config
    decorators = cls.__pydantic_decorators__
    if (
        config.get("extra") == "allow"
        or config.get("serialize_by_alias")
        or cls.model_computed_fields
        or decorators.field_serializers
        or decorators.model_serializers
        or cls.__pydantic_root_model__
        or config.get("ser_json_inf_nan", "null") != "null"  # written by its own setting: not as `to_json` writes it
        # a subclass's fields written where this model is declared (as SerializeAsAny): a phone no field here names
        or config.get("polymorphic_serialization")
    ):
        raise _NotPlain
    for name, info in cls.model_fields.items():
        metadata = [*_markers(info.annotation), *info.metadata]
        serializers = [m for m in metadata if isinstance(m, _SERIALIZERS)]
        # Written as what it holds rather than as declared: a subclass's phone is in the JSON though the declared
        # model has no sealed field, so nothing here would look for it.
        if info.exclude or any(isinstance(m, _AS_ANY) for m in metadata):
            raise _NotPlain
        if name in SEALED_FIELDS and (serializers or info.annotation not in (str, str | None)):
            raise _NotPlain
        # A serializer of its own is harmless where it writes text (an amount's): its value is not changed here,
        # and text has no fields for the walk to seal. Anything else it writes might have.
        if any(getattr(s, "return_type", None) is not str for s in serializers):
            raise _NotPlain
    _VISITING.add(cls)
    try:
        walked = tuple(name for name, info in cls.model_fields.items() if _may_hold_sealed(info.annotation))
    finally:
        _VISITING.discard(cls)
    return walked, tuple(name for name in cls.model_fields if name in SEALED_FIELDS)


_VISITING: set[type] = set()  # the models whose fields are being typed: one holding itself may hold anything
_SCALARS = (str, int, float, Decimal, date, Enum)


def _may_hold_sealed(annotation: Any) -> bool:
    """May a value of this type be written as JSON with a sealed field in it? Yes for anything not known here."""
    origin = get_origin(annotation)
    if origin is None:
        if annotation is type(None):
            return False
        if not isinstance(annotation, type) or annotation in _VISITING:
            return True  # Any, a type variable, a model that holds itself
        if issubclass(annotation, BaseModel):
            try:
                walked, sealed = _plain_fields(annotation)
            except _NotPlain:
                return True
            return bool(walked or sealed)
        return not issubclass(annotation, _SCALARS)
    if origin is Annotated:
        return _may_hold_sealed(get_args(annotation)[0])
    if origin in (Union, UnionType, tuple, list):
        return any(_may_hold_sealed(part) for part in get_args(annotation) if part is not Ellipsis)
    return True  # a dict, a set, a Literal …: not known here


_SERIALIZERS = (PlainSerializer, WrapSerializer)
_AS_ANY = cast(type, SerializeAsAny)  # a class at run time; typed as a generic alias (Annotated) for checkers
_MARKERS = (*_SERIALIZERS, _AS_ANY)  # what `_plain_fields` looks for in a field's annotation


def _markers(annotation: Any) -> list[Any]:
    """The serializers and SerializeAsAny markers in an annotation's `Annotated` parts, at any depth (`X | None`,
    `tuple[Annotated[…], …]`)."""
    found = []
    for part in get_args(annotation):
        if isinstance(part, _MARKERS):
            found.append(part)
        else:
            found += _markers(part)
    return found
