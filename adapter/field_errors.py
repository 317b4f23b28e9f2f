"""A use case's input read into its pydantic model, or the InvalidRequest naming the field: one rule for every
boundary that takes a dict (a complaint's intake, a partner action's input), so a refusal always names the dotted
field ("complainant.id_number"), its rule ("identifier" for a GB 11643 / GB 32100 failure, else pydantic's error
type) and the input — masked, never an ID, phone or account number whole."""

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from adapter.errors import InvalidRequest
from adapter.masking import mask_document, mask_id, mask_text
from schemas.identifiers import InvalidIdentifier

M = TypeVar("M", bound=BaseModel)


def read_model(model: type[M], data: Mapping[str, Any] | str | bytes, *, root: str) -> M:
    """`data` (a dict, or JSON text) as `model`; InvalidRequest(field=dotted path or `root`, rule=…) naming the
    first bad field and how many more there are."""
    try:
        if isinstance(data, str | bytes):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(part) for part in error["loc"]) or root
        rule = "identifier" if isinstance(error.get("ctx", {}).get("error"), InvalidIdentifier) else error["type"]
        value = error.get("input")
        if isinstance(value, str | int):  # an ID, USCC, phone or account number is never shown whole
            masked = mask_id(str(value)) if rule == "identifier" else mask_document(str(value))[:80]
            shown = f"; input {masked!r}"
        else:
            shown = ""  # a whole object (a missing field's parent) says nothing the field does not
        raise InvalidRequest(
            f"{field}: {mask_text(error['msg'])} (rule {rule}{shown})"
            + (f"; and {len(exc.errors()) - 1} more" if len(exc.errors()) > 1 else ""),
            field=field,
            rule=rule,
        ) from None
