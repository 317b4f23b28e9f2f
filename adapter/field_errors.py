"""A use case's input read into its pydantic model, or the InvalidRequest naming the field: one rule for every
boundary that takes a dict (a complaint's intake, a partner action's input), so a refusal always names the dotted
field ("complainant.id_number"), its rule ("identifier" for a GB 11643 / GB 32100 failure, else pydantic's error
type) and the input — masked, never an ID, phone or account number whole."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_id, mask_text
from adapter.rule_names import rule_name
from schemas.identifiers import InvalidIdentifier
from schemas.money import InvalidAmount

M = TypeVar("M", bound=BaseModel)


def read_model(model: type[M], data: Mapping[str, Any] | str | bytes, *, root: str, named: bool = False) -> M:
    """`data` (a dict, or JSON text) as `model`; InvalidInput (an InvalidRequest) whose field and rule are the first
    bad field's (dotted path, or `root`), whose message names it and how many more there are, and whose `errors`
    list every one (field, rule, message). `named`: a project validator's `value_error` gets its named rule
    (adapter/rule_names.py) instead of pydantic's type; without it only an identifier's is named ("identifier")."""
    try:
        if isinstance(data, str | bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        errors = [_one(error, root, named) for error in exc.errors()]
        field, rule, message = errors[0]
        raise InvalidInput(
            message + (f"; and {len(errors) - 1} more" if len(errors) > 1 else ""), errors, field=field, rule=rule
        ) from None


class InvalidInput(InvalidRequest):
    """A model's input refused: the first error as field and rule (as any InvalidRequest), and `errors`, every one
    as (dotted field, rule, message) — the API lists them all (a 422's `errors[]`)."""

    def __init__(self, message: str, errors: list[tuple[str, str, str]], *, field: str, rule: str) -> None:
        super().__init__(message, field=field, rule=rule)
        self.errors = errors


def _one(error: Any, root: str, named: bool) -> tuple[str, str, str]:
    field = ".".join(str(part) for part in error["loc"]) or root
    cause = error.get("ctx", {}).get("error")
    if named:
        rule = rule_name(error["type"], error["msg"], cause)
    else:
        rule = "identifier" if isinstance(cause, InvalidIdentifier) else error["type"]
    value = error.get("input")
    msg = error["msg"].removeprefix("Value error, ")
    if isinstance(cause, InvalidAmount):  # an amount is no personal data: shown as given — unless it is a person's
        return field, rule, f"{field}: {mask_text(msg)} (rule {rule})"  # ID or phone pasted into the wrong field
    if isinstance(value, str | int):  # an ID, USCC, phone or account number is never shown whole
        masked = mask_id(str(value)) if rule == "identifier" else mask_document(str(value))[:80]
        shown = f"; input {masked!r}"
    else:
        shown = ""  # a whole object (a missing field's parent) says nothing the field does not
    return field, rule, f"{field}: {mask_text(msg)} (rule {rule}{shown})"
