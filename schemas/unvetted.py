"""The text of a validated record that no `Line` or `Text` validator has looked at (schemas/text.py).

Those validators refuse NUL and lone surrogates (with every other control character), so a record that passed
them can hold either only in a field typed otherwise: a party's phone and address (never refused:
schemas/contacts.py), a digest, a free-form value. The inbox's check for text no database can store
(adapter/inbox/refusal.py `unstorable_model`) asks only these, instead of serialising the whole record again.

Which fields are passed over is read from the model classes (once per class): `Line` or `Text`, an enum, a
literal, a number or a time, optional or not. Everything else is walked — nested records by the same rule, lists,
tuples and dicts item by item — so a field added later with another type is looked at, not skipped. A passed-over
field's value is trusted only as validated from a `str`: a record built with `model_construct`, changed with
`model_copy(update=...)` to text that did not pass the validator, or given bytes for a `Line` (pydantic decodes them
after the validator has let a non-str through) is outside this promise. The court decoders read every such field
as a `str` from parsed JSON or XML (mappings/wire_types.py) and update only with text derived from validated text
(reference/case_intake.py, mappings/court_dispatch.py).
"""

import enum
import types
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, BeforeValidator

from schemas.text import free_text, one_line

_VETTING = (one_line, free_text)
# Types whose validated values hold no text of the message's: numbers, times, and enum members (the enum's own
# constants; a str enum's member is a string, but one of ours).
_NO_TEXT = (bool, int, float, Decimal, datetime, date, time, timedelta, AwareDatetime)


def _vetting(metadata: Any) -> bool:
    return any(isinstance(m, BeforeValidator) and m.func in _VETTING for m in metadata)


def _safe(tp: Any, metadata: Any = ()) -> bool:
    """Whether every validated value of type `tp` (with pydantic's field `metadata`) is vetted text or no text."""
    if get_origin(tp) is Annotated:
        return _safe(get_args(tp)[0], (*metadata, *tp.__metadata__))
    if tp is str:
        return _vetting(metadata)
    if get_origin(tp) in (Union, types.UnionType):
        return all(a is type(None) or _safe(a) for a in get_args(tp))
    if get_origin(tp) is Literal:
        return True  # the model's own constants
    return isinstance(tp, type) and (issubclass(tp, enum.Enum) or issubclass(tp, _NO_TEXT))


@cache
def unvetted_fields(model: type[BaseModel]) -> tuple[str, ...]:
    """The names of `model`'s fields that may hold unvetted text (not `Line`/`Text`, an enum, a literal, a number
    or a time — optional or not), in declaration order."""
    return tuple(name for name, _ in _plan(model))


_TEXT, _RECORD, _RECORDS, _ANY = range(4)  # how a field's value is walked


def _shape(tp: Any) -> int:
    """How to walk a validated value of type `tp`: as text (str or None), a record (or None), a tuple of records,
    or anything (the general walk)."""
    if get_origin(tp) in (Union, types.UnionType):
        members = [a for a in get_args(tp) if a is not type(None)]
        return _shape(members[0]) if len(members) == 1 else _ANY
    if get_origin(tp) is Annotated:
        return _shape(get_args(tp)[0])
    if tp is str:
        return _TEXT
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return _RECORD
    if get_origin(tp) is tuple:
        args = get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis and isinstance(args[0], type) and issubclass(args[0], BaseModel):
            return _RECORDS
    return _ANY


@cache
def _plan(model: type[BaseModel]) -> tuple[tuple[str, int], ...]:
    return tuple(
        (name, _shape(info.annotation))
        for name, info in model.model_fields.items()
        if not _safe(info.annotation, info.metadata)
    )


def any_unvetted(record: BaseModel, bad: Callable[[str], object]) -> bool:
    """Whether `bad(text)` is true of any string in `record` outside its vetted fields: in its other fields, the
    records in them (by the same rule), any list, tuple or dict in them (keys and values), and its extra fields.
    A value not of its field's shape (a record built without validation) is walked in full, never skipped."""
    fields = record.__dict__
    for name, shape in _plan(type(record)):
        value = fields[name]
        if value is None:
            continue
        if shape == _TEXT and type(value) is str:
            if bad(value):
                return True
        elif shape == _RECORD and isinstance(value, BaseModel):
            if any_unvetted(value, bad):  # recursion over the model's classes, never the message's own nesting
                return True
        elif shape == _RECORDS and type(value) is tuple:
            for item in value:
                if any_unvetted(item, bad) if isinstance(item, BaseModel) else _any_in(item, bad):
                    return True
        elif _any_in(value, bad):
            return True
    return bool(record.__pydantic_extra__) and _any_in(record.__pydantic_extra__, bad)


def _any_in(value: Any, bad: Callable[[str], object]) -> bool:
    """`bad` of any string in plain data, records in it included (walked by `any_unvetted`)."""
    stack: list[Any] = [value]
    while stack:  # a walk, not recursion: this nesting may come from the message
        node = stack.pop()
        kind = type(node)
        if kind is str:
            if bad(node):
                return True
        elif kind is tuple or kind is list:  # exact types first: isinstance of a union or an ABC costs more
            stack += node
        elif node is None or kind in _NO_TEXT:
            continue
        elif isinstance(node, str):  # a str enum's member, or another subclass
            if bad(node):
                return True
        elif isinstance(node, BaseModel):
            if any_unvetted(node, bad):
                return True
        elif isinstance(node, dict):
            stack += node
            stack += node.values()
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack += node
    return False
