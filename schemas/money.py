"""RMB amounts: Decimal with two places, never floats (domain.md §4 "Amounts")."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer

MAX_RMB = Decimal("100000000000.00")  # 1e11: well above any single dispute, low enough to catch unit errors


class InvalidAmount(ValueError):
    """An amount that is not yuan with at most two places (the message names why). Amounts are not personal data:
    a refusal shows the amount given, unmasked (adapter/field_errors.py)."""


def parse_rmb(value: Any) -> Decimal:
    """Accept a str/int/Decimal amount with at most two places; refuse floats, which cannot hold cents exactly."""
    if isinstance(value, bool | float):
        raise InvalidAmount("amount must be a decimal string such as '1234.50', not a float")
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise InvalidAmount(f"amount {value!r} is not a number") from exc
    if not amount.is_finite():
        raise InvalidAmount(f"amount {value!r} is not finite")
    if amount < 0:
        raise InvalidAmount(f"amount {value!r} is negative")
    if amount > MAX_RMB:
        raise InvalidAmount(f"amount {value!r} exceeds {MAX_RMB}")
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise InvalidAmount(f"amount {value!r} has more than two decimal places")
    return amount.quantize(Decimal("0.01"))


RMB = Annotated[Decimal, BeforeValidator(parse_rmb), PlainSerializer(lambda d: f"{d:.2f}", return_type=str)]
