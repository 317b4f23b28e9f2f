"""The memorandum of understanding (MoU) the centre holds with one institution (partners.md §1 "Centre practice"
[P67a][P67b]): the small-claim fast track's amount cap and the authority the institution delegates to the mediator,
the tracks it accepts, and the complaint fields it may not receive ("data an institution may see is an MoU setting",
partners.md §1 "Guards"). One per complaint desk, mounted under the desk's settings.

`withhold(complaint, memo)` removes those fields before a forward is built: a withheld field is never sent, and the
forward lists what was removed (ForwardBody.withheld).
"""

import types
from datetime import date
from functools import cache
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.complaint import Complaint, Track
from schemas.money import RMB


@cache
def withholdable() -> frozenset[str]:
    """Dotted paths of Complaint a memorandum may withhold: the optional fields, whose absence the record can
    carry (default None or an empty tuple), at any depth — e.g. "complainant.phone", "representative",
    "representative.document", "attachments". A field with another default (track, undisputed, new_facts) is not
    among them: dropping it would send a false value, not no value."""
    return frozenset(_paths(Complaint, "")[0])


@cache
def known_paths() -> frozenset[str]:
    """Every dotted path of Complaint (withholdable or not), for the error that names a required field."""
    return frozenset(_paths(Complaint, "")[1])


def _paths(model: type[BaseModel], prefix: str) -> tuple[set[str], set[str]]:
    optional: set[str] = set()
    every: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        every.add(path)
        if not info.is_required() and (info.default is None or info.default == ()):
            optional.add(path)
        nested = _record_in(info.annotation)
        if nested is not None:
            inner_optional, inner_every = _paths(nested, f"{path}.")
            optional |= inner_optional
            every |= inner_every
    return optional, every


def _record_in(annotation: Any) -> type[BaseModel] | None:
    """The record class a field holds, directly or as `X | None`; None for scalars and tuples."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        for arg in get_args(annotation):
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                return arg
    return None


class Memorandum(BaseModel):
    """One institution's MoU with the centre.

    small_claim_cap      yuan (Decimal, two places): the largest amount in dispute the small-claim track takes, and
                         the most the mediator may decide (SmallClaimDecisionBody.cap)
    delegated_authority  what the institution lets the mediator decide, as the MoU words it
    tracks               the tracks the institution accepts complaints on; always includes "general"
    withheld             dotted paths of optional Complaint fields the institution may not receive (`withholdable()`)
    signed_on            the MoU's date
    Errors: pydantic ValidationError naming the key — a withheld path that is unknown or names a required field
    (Order 2020 No 3 Art 13 fields the institution needs to handle the complaint at all), a track list without
    "general", a small-claim track with a zero cap."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    small_claim_cap: RMB
    delegated_authority: str = Field(min_length=1, max_length=2000)
    tracks: tuple[Track, ...] = (Track.GENERAL, Track.SMALL_CLAIM)
    withheld: tuple[str, ...] = ()
    signed_on: date

    @field_validator("withheld")
    @classmethod
    def _withholdable(cls, paths: tuple[str, ...]) -> tuple[str, ...]:
        allowed = withholdable()
        for path in paths:
            if path in allowed:
                continue
            if path in known_paths():
                raise ValueError(
                    f"{path!r} is a field of a complaint the institution must receive (required, or with a default "
                    f"that removing would falsify); only optional fields may be withheld: {', '.join(sorted(allowed))}"
                )
            raise ValueError(f"{path!r} is not a field of a complaint; withholdable: {', '.join(sorted(allowed))}")
        for path in paths:
            parts = path.split(".")
            for depth in range(1, len(parts)):
                if ".".join(parts[:depth]) in paths:
                    raise ValueError(f"{path!r} is already withheld with {'.'.join(parts[:depth])!r}; list one")
        if len(set(paths)) != len(paths):
            raise ValueError("a withheld path is listed twice")
        return paths

    @model_validator(mode="after")
    def _tracks_make_sense(self) -> "Memorandum":
        if Track.GENERAL not in self.tracks:
            raise ValueError("tracks must include 'general': every institution handles complaints (Order 2020 No 3)")
        if Track.SMALL_CLAIM in self.tracks and self.small_claim_cap <= 0:
            raise ValueError("small_claim_cap must be above 0.00 when tracks include 'small_claim'")
        return self


def withhold(complaint: Complaint, memo: Memorandum | None) -> tuple[Complaint, tuple[str, ...]]:
    """The complaint without the fields `memo` withholds, and the paths actually removed (those that held a value),
    in the memorandum's order. No memorandum: nothing withheld. Pure."""
    if memo is None:
        return complaint, ()
    removed = []
    for path in memo.withheld:
        complaint, had = _remove(complaint, path.split("."))
        if had:
            removed.append(path)
    return complaint, tuple(removed)


def _remove(record: Any, parts: list[str]) -> tuple[Any, bool]:
    head, *rest = parts
    value = getattr(record, head)
    if value is None or value == ():
        return record, False
    if not rest:
        empty = type(record).model_fields[head].default  # None or (): what "absent" is for this field
        return record.model_copy(update={head: empty}), True
    inner, had = _remove(value, rest)
    return (record.model_copy(update={head: inner}), True) if had else (record, False)
