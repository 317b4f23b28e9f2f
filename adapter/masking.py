"""Personal data masking for logs, CLI output and exports (PIPL Art 28: IDs, phones, accounts are sensitive)."""

import re
from typing import Any

# Not \b: CJK characters count as word characters, and an ID usually follows Chinese text directly (身份证号1101…).
_EDGE, _END = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
_ID_LIKE = re.compile(rf"{_EDGE}(\d{{6}})(\d{{8}})(\d{{3}}[\dXx]){_END}")
# Phone numbers as people write them in free text (schemas/contacts.py has the forms): mainland mobiles, also
# grouped (138 1234 5678) or after +86; international numbers after + or 00; landlines with their area code.
_PHONE_LIKE = re.compile(
    rf"{_EDGE}(?:(?:\+|00)[1-9]\d{{0,2}}[ -]?(?:\d[ -]?){{3,11}}\d{{3}}"
    rf"|1[3-9]\d[ -]?\d{{4}}[ -]?\d{{4}}"
    rf"|0\d{{2,3}}-?[2-9]\d{{2,3}}-?\d{{4}}){_END}"
)
_KEPT = "+-() 转"  # separators shown as they are; every other character of a phone is masked or shown as a digit
KEEP_FIRST, KEEP_LAST, HIDDEN = 3, 4, 4


def mask_id(value: str | None) -> str:
    """Keep the first 6 (the issuing area) and the last 4; an ID shorter than 11 keeps only its last 2."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    """Every form a phone can have (mobile, landline with extension, service, international, unrecognised text):
    at least 4 digits are always hidden — a number of 11 digits or more keeps its first 3 and last 4, one of 8 to
    10 only its last 4, a shorter one nothing. Separators stay; any other character (a name written into the
    field, say) is masked."""
    if not value:
        return ""
    digits = sum(c.isdecimal() for c in value)
    first = KEEP_FIRST if digits >= KEEP_FIRST + KEEP_LAST + HIDDEN else 0
    last = KEEP_LAST if digits >= KEEP_LAST + HIDDEN else 0
    shown, seen = [], 0
    for c in value:
        if c.isdecimal():
            seen += 1
            shown.append(c if seen <= first or seen > digits - last else "*")
        else:
            shown.append(c if c in _KEPT else "*")
    return "".join(shown)


def mask_text(text: str) -> str:
    """Mask resident-ID- and phone-shaped numbers that slipped into free text (a note, an error detail)."""
    text = _ID_LIKE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


_MASKS = {"id_number": mask_id, "phone": mask_phone}


def mask_fields(doc: Any) -> Any:
    """A JSON document with every `id_number` and `phone` value masked, at any depth: the fields that are sealed at
    rest (adapter/vault.py), whatever form their value has."""
    if isinstance(doc, dict):
        return {k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) else mask_fields(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [mask_fields(v) for v in doc]
    return doc
