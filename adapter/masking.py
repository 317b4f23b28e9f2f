"""Personal data masking for logs, CLI output and exports (PIPL Art 28: IDs, phones, accounts are sensitive).

`mask_text` is for free text (an error detail, a note); `mask_document` is for whole payloads an operator reads
(a quarantined message, an outgoing envelope), where account numbers, landlines and USCCs also appear.
"""

import re
from datetime import datetime

# Not \b: CJK characters count as word characters, and an ID usually follows Chinese text directly (身份证号1101…).
_MOBILE = re.compile(r"(?<![0-9A-Za-z])(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")  # mainland mobile numbers
_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")
# Payloads only. GB 32100: department and type characters, 6-digit division, 9-character organisation code, check.
_USCC_CHAR = "[0-9A-HJ-NP-RTUWXY]"  # the GB 32100 alphabet: no I, O, S, V, Z
_USCC = re.compile(rf"(?<![0-9A-Za-z])({_USCC_CHAR}{{2}}\d{{4}})({_USCC_CHAR}{{8}})({_USCC_CHAR}{{4}})(?![0-9A-Za-z])")
_MOBILE_86 = re.compile(r"(?<![0-9A-Za-z])(\+?86[- ]?)(1[3-9]\d)\d{4}(\d{4})(?![0-9A-Za-z])")
_LANDLINE = re.compile(r"(?<![0-9A-Za-z])(0\d{2,3})([- ]?)(\d{3,4})(\d{4})(?![0-9A-Za-z])")
_OLD_ID = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{5})(\d{4})(?![0-9A-Za-z])")  # 15-digit IDs issued before 1999
# Bank accounts and cards: 12–30 digits, possibly grouped by spaces; not part of an id such as MC-1234….
_ACCOUNT = re.compile(r"(?<![0-9A-Za-z_-])\d(?:[ ]?\d){11,29}(?![0-9A-Za-z])")
_STAMP_FORMS = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S", 17: "%Y%m%d%H%M%S%f"}


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


def mask_document(text: str) -> str:
    """`mask_text`, and also USCCs, +86 mobiles, landlines, 15-digit IDs and account numbers (last 4 kept).

    A digit run that reads as a compact timestamp (yyyyMMddHHmm[ss[SSS]]) is left alone: operators need those to
    see why a message was refused, and they identify no one."""
    text = mask_text(text)
    text = _USCC.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    text = _MOBILE_86.sub(lambda m: m.group(1) + m.group(2) + "****" + m.group(3), text)
    text = _LANDLINE.sub(lambda m: m.group(1) + m.group(2) + "*" * len(m.group(3)) + m.group(4), text)
    text = _OLD_ID.sub(lambda m: m.group(1) + "*" * 5 + m.group(3), text)
    return _ACCOUNT.sub(_mask_account, text)


def _mask_account(match: re.Match[str]) -> str:
    run = match.group(0)
    if _is_timestamp(run):
        return run
    digits = [i for i, c in enumerate(run) if c.isdigit()]
    hidden = set(digits[:-4])
    return "".join("*" if i in hidden else c for i, c in enumerate(run))


def _is_timestamp(run: str) -> bool:
    form = _STAMP_FORMS.get(len(run))
    if form is None:
        return False
    try:
        stamp = datetime.strptime(run if len(run) != 17 else run + "000", form)
    except ValueError:
        return False
    return 1949 <= stamp.year <= 2100
