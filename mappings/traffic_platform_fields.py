"""The traffic-platform wire's names and value kinds (mappings/traffic_platform.py): canonical snake_case ↔ the
platform's camelCase, a few police terms in the pinyin initials traffic-police systems write, and each body field's
wire kind read from its typed body model (schemas/traffic.py), so a new body field needs no edit here.

Kinds: "t" a time (the agreed timestamp form), "d" a calendar day, "a" yuan (decimal text, never a JSON number),
("o", model) an object, ("l", kind) a list of that kind, "j" free JSON (keys camelCased, values as they are), "s"
anything else (text, codes, numbers, true/false — as the canonical JSON has them).
"""

import re
import types
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import AwareDatetime, BaseModel, FutureDatetime, NaiveDatetime, PastDatetime

# Where the platform's word is not the camelCase of ours: the 认定书 and vehicle terms as the traffic-police systems
# name them (公安交管: 号牌号码 hphm, 车辆类型 cllx), the insurer's, and the platform's own `serialNo`.
NAMES: dict[str, str] = {
    "serial_no": "serialNo",
    "cert_no": "sgrdsbh",  # 事故认定书编号
    "cert_kind": "rdslx",  # 认定书类型
    "plate": "hphm",  # 号牌号码
    "vehicle_kind": "cllx",  # 车辆类型
    "insurer_uscc": "bxgsxydm",  # 保险公司统一社会信用代码
    "policy_no": "bdh",  # 保单号
}
_WIRE_NAMES = {wire: name for name, wire in NAMES.items()}
_CAMEL = re.compile(r"_([a-z0-9])")
_SNAKE = re.compile(r"(?<=[a-z0-9])([A-Z])")


def wire_name(name: str) -> str:
    """Our field name as the platform writes it: `policy_limit` → `policyLimit`, `cert_no` → `sgrdsbh`."""
    return NAMES.get(name) or _CAMEL.sub(lambda m: m.group(1).upper(), name)


def canonical_name(wire: str) -> str:
    """The platform's field name as ours (the inverse of `wire_name`)."""
    return _WIRE_NAMES.get(wire) or _SNAKE.sub(lambda m: "_" + m.group(1).lower(), wire)


_PYDANTIC_TIMES = (AwareDatetime, NaiveDatetime, PastDatetime, FutureDatetime)  # markers, not datetime subclasses
Kind = Any  # "t" | "d" | "a" | "j" | "s" | ("o", model) | ("l", Kind)


def kind_of(annotation: Any) -> Kind:
    """The wire kind of one field annotation (Optional, Annotated and aliases unwrapped)."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return kind_of(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        kinds = [kind_of(a) for a in get_args(annotation) if a is not type(None)]
        # One kind behind the Optional; two different ones (a union of bodies) travel as free JSON
        return kinds[0] if len(kinds) == 1 or all(k == kinds[0] for k in kinds) else "j"
    if origin in (list, tuple, set, frozenset):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return ("l", kind_of(args[0]) if args else "s")
    if origin is dict or annotation is dict:
        return "j"
    if annotation in _PYDANTIC_TIMES:
        return "t"
    if isinstance(annotation, type):
        if issubclass(annotation, datetime):
            return "t"
        if issubclass(annotation, date):
            return "d"
        if issubclass(annotation, Decimal):
            return "a"
        if issubclass(annotation, BaseModel):
            return ("o", annotation)
    return "s"


@cache
def fields_of(model: type[BaseModel]) -> dict[str, Kind]:
    """Each field of `model` with its wire kind, in declaration order."""
    return {name: kind_of(info.annotation) for name, info in model.model_fields.items()}
