"""One way to say what was wrong with a payload: each bad field's path and pydantic's message, never its value."""

from pydantic import ValidationError


def summarize(exc: ValidationError, limit: int = 5) -> str:
    # The input values are left out on purpose: they may be ID numbers or phone numbers (PIPL Art 28).
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:limit])
