"""Personal data masking for logs, CLI output and exports (PIPL Art 28: IDs, phones, accounts are sensitive)."""

import re

# Not \b: CJK characters count as word characters, and an ID usually follows Chinese text directly (身份证号1101…).
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")  # mainland mobile numbers
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_id(value: str | None) -> str:
    """Keep the first 6 (the issuing area) and the last 4; an ID shorter than 11 keeps only its last 2."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * (len(value) - 2) + value[-2:]
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_text(text: str) -> str:
    """Mask resident-ID- and mobile-shaped numbers that slipped into free text (a note, an error detail)."""
    text = _ID_LIKE.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)
