"""A model's JSON sealed from the model itself, rather than by parsing back the JSON just written.

`seal_model(vault, model)` is `vault.seal_json(model.model_dump_json())` — the same text, the same fields sealed in
the same order, each under its own fresh nonce — made by sealing the values in a copy of the model and writing the
copy once. Parsing the dispatch's JSON back to find its ID numbers and phones cost a feed page's new case half of
its write (bench/intake.py --profile); a model's fields say where they are.

The result is `Presealed`: text the sealed column stores as it is (adapter/persistence/sealed_types.py), when its
vault is the one that sealed it; any other text is sealed by the column, as before. Only a model whose JSON is
exactly its fields is sealed this way; one with anything else in it (a dict, a list of lists, an extra, an alias, a
serializer of its own, a computed field, a sealed field that is not text) is written and sealed as text instead.
"""

from datetime import date
from decimal import Decimal
from enum import Enum
from functools import cache
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, PlainSerializer, WrapSerializer

from adapter.persistence.vault import SEALED_FIELDS, Vault


class Presealed(str):
    """JSON text whose personal fields `vault` has sealed already (`seal_model`)."""

    vault: Vault


def seal_model(vault: Vault, model: BaseModel) -> str:
    """`vault.seal_json(model.model_dump_json())`, without the parse (module doc); a `Presealed` when so made."""
    try:
        sealed = _sealed_copy(model, vault)
    except _NotPlain:
        return vault.seal_json(model.model_dump_json())
    text = Presealed(sealed.model_dump_json())
    text.vault = vault
    return text


class _NotPlain(Exception):
    """A model whose JSON may not be just its fields: sealed as text (module doc)."""


def _sealed_copy(model: BaseModel, vault: Vault) -> BaseModel:
    """`model` with every text value of a sealed field sealed, at any depth; the very model if it holds none.

    The order is seal_json's (vault.py `_walked`, whose parser hook sees an object once it is closed): the objects
    inside a model first, in the order written, then its own sealed fields in field order."""
    fields, sealed = _plain_fields(type(model))
    if not fields and not sealed:  # an attachment, a 案号's reading: nothing in it to seal
        return model
    values = model.__dict__
    changed: dict[str, Any] = {}
    for name in fields:
        value = values[name]
        leaf = _LEAF.get(type(value))
        if leaf is None:
            leaf = _LEAF[type(value)] = _is_leaf(type(value))
        if leaf:  # most fields: nothing inside to look at (isinstance of a model's class is slow: an ABC)
            continue
        if isinstance(value, BaseModel):
            inner = _sealed_copy(value, vault)
            if inner is not value:
                changed[name] = inner
        elif type(value) in _SEQUENCES:  # exactly a list or tuple: a NamedTuple is not rebuilt from a list
            items = [_sealed_copy(item, vault) if isinstance(item, BaseModel) else _leaf(item) for item in value]
            if any(new is not old for new, old in zip(items, value)):  # noqa: B905  # of one length: made from it
                changed[name] = type(value)(items)
        else:  # a dict (keys of its own), a set, a dataclass, a NamedTuple …: anything pydantic may write as an
            # object, whose keys the JSON's walk would look into — never written presealed, or a phone in it stays clear
            raise _NotPlain
    for name in sealed:
        value = values[name]
        if value is not None:
            if type(value) is not str:  # its JSON may be text the walk would seal: not a case this knows
                raise _NotPlain
            changed[name] = vault.seal_value(name, value)
    return _copy(model, changed) if changed else model


_LEAF: dict[type, bool] = {}  # by the type of a field's value: written as a JSON scalar, whatever it holds


def _is_leaf(kind: type) -> bool:
    return kind is type(None) or (
        issubclass(kind, (str, int, float, Decimal, date, Enum)) and not issubclass(kind, BaseModel)
    )


def _copy(model: BaseModel, changed: dict[str, Any]) -> BaseModel:
    """`model.model_copy(update=changed)` for a model of fields only, as pydantic's own copy makes it, without its
    generic steps (a third of sealing a dispatch's parties)."""
    if model.__pydantic_private__ is not None or model.__pydantic_extra__:
        return model.model_copy(update=changed)
    cls = type(model)
    copied = cls.__new__(cls)
    _set(copied, "__dict__", {**model.__dict__, **changed})
    _set(copied, "__pydantic_extra__", model.__pydantic_extra__)
    _set(copied, "__pydantic_fields_set__", model.__pydantic_fields_set__ | changed.keys())
    _set(copied, "__pydantic_private__", None)
    return copied


_set = object.__setattr__  # a frozen model refuses its own __setattr__, as pydantic's copy knows


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
    ):
        raise _NotPlain
    for name, info in cls.model_fields.items():
        serializers = [*_serializers(info.annotation), *(m for m in info.metadata if isinstance(m, _SERIALIZERS))]
        if info.exclude:
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


def _serializers(annotation: Any) -> list[Any]:
    """The serializers in an annotation's `Annotated` parts, at any depth (`X | None`, `tuple[Annotated[…], …]`)."""
    found = []
    for part in get_args(annotation):
        if isinstance(part, _SERIALIZERS):
            found.append(part)
        else:
            found += _serializers(part)
    return found
