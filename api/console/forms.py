"""What every button of the console does: check the form's CSRF token, make the core's audited call, then show the
page again — with the outcome (303 to `done`), or, if the core refused, with its reason (adapter/errors.py)."""

from collections.abc import Callable

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from adapter.errors import DockingError
from adapter.masking import mask_text
from api.console.session import Operator, check_token


def act(
    request: Request,
    op: Operator,
    csrf: str,
    call: Callable[[], object],
    *,
    done: str,
    refused: Callable[[str], Response],
) -> Response:
    """BadToken (→ 403, nothing done) without the session's token; `refused(reason)` when the core refuses."""
    check_token(request, csrf, op.csrf)
    try:
        call()
    except DockingError as exc:
        return refused(mask_text(str(exc)))
    return RedirectResponse(done, 303)
