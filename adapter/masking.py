"""Personal data masking for logs, CLI output and exports (PIPL Art 28: IDs, phones, accounts are sensitive).

`mask_text` is for free text (an error detail, a note); `mask_document` is for whole payloads an operator reads
(a quarantined message, an outgoing envelope), where account numbers, USCCs and old IDs also appear.
"""

import re
from datetime import datetime
from typing import Any

from schemas.identifiers import social_credit_code

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
# Payloads only. GB 32100: department and type characters, 6-digit division, 9-character organisation code, check.
_USCC_CHAR = "[0-9A-HJ-NP-RTUWXY]"  # the GB 32100 alphabet: no I, O, S, V, Z
_USCC = re.compile(rf"{_EDGE}({_USCC_CHAR}{{2}}\d{{4}})({_USCC_CHAR}{{8}})({_USCC_CHAR}{{4}}){_END}")
_OLD_ID = re.compile(rf"{_EDGE}(\d{{6}})(\d{{5}})(\d{{4}}){_END}")  # 15-digit IDs issued before 1999
# Bank accounts and cards: 12–30 digits, possibly grouped by spaces, or in groups of four joined by hyphens or dots
# (6222-0212-3456-7890-123) — not any digits a hyphen or dot joins: dates (2026.12.01-2027.01.30), amounts, serials
# (20261202-000001) and addresses (192.168.100.200) stay readable. Not part of an id such as MC-1234… or DJ4401….
_ACCOUNT = re.compile(
    rf"(?<![0-9A-Za-z_-])(?:\d(?:[ ]?\d){{11,29}}|\d{{4}}([-.])\d{{4}}(?:\1\d{{4}}){{1,5}}(?:\1\d{{1,3}})?){_END}"
)
_STAMP_FORMS = {12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S", 17: "%Y%m%d%H%M%S%f"}
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


def mask_document(text: str, *, keep_uscc: bool = False) -> str:
    """`mask_text`, and also USCCs, 15-digit IDs and account numbers (last 4 kept).

    A digit run that reads as a compact timestamp (yyyyMMddHHmm[ss[SSS]]) is left alone: operators need those to
    see why a message was refused, and they identify no one. `keep_uscc`: a USCC (GB 32100, its check character
    right, not shaped as a resident ID) is left whole — an organisation's public registration code, not personal
    data: the docking partners' views show the roster's organisations by it (partners.md §4), as `roster orgs`
    does."""
    if keep_uscc:
        parts, last = [], 0
        for match in _USCC.finditer(text):
            if _is_uscc(match.group(0)):
                parts += [mask_document(text[last : match.start()]), match.group(0)]
                last = match.end()
        return "".join([*parts, mask_document(text[last:])])
    # Accounts first: a grouped one (6222-0212-3456-…) must not be read as a landline inside it and half shown.
    text = _ACCOUNT.sub(_mask_account, text)
    text = mask_text(text)
    text = _USCC.sub(lambda m: m.group(1) + "*" * 8 + m.group(3), text)
    return _OLD_ID.sub(lambda m: m.group(1) + "*" * 5 + m.group(3), text)


def _is_uscc(token: str) -> bool:
    if _ID_LIKE.fullmatch(token):  # 17 digits and a digit or X: read as a person's ID, whatever else it may be
        return False
    try:
        return social_credit_code(token) == token
    except ValueError:
        return False


def _mask_account(match: re.Match[str]) -> str:
    """An account-shaped run, masked; left for the passes after it when it is a timestamp (it identifies no one) or
    reads as a resident ID, an old ID or a phone (each masked in its own way)."""
    run = match.group(0)
    if _is_timestamp(run) or any(form.fullmatch(run) for form in (_ID_LIKE, _OLD_ID, _PHONE_LIKE)):
        return run
    return mask_account(run)


def mask_account(value: str | None) -> str:
    """A bank account or card number, in any form (grouped, with a country code, letters among the digits): every
    letter and digit masked but the last 4 digits; separators as they are. One of 8 digits or fewer keeps nothing."""
    if not value:
        return ""
    digits = [i for i, c in enumerate(value) if c.isdigit()]
    shown = set(digits[-KEEP_LAST:]) if len(digits) >= KEEP_LAST + HIDDEN + 1 else set()
    return "".join(c if i in shown or not c.isalnum() else "*" for i, c in enumerate(value))


def _is_timestamp(run: str) -> bool:
    form = _STAMP_FORMS.get(len(run))
    if form is None:
        return False
    try:
        stamp = datetime.strptime(run if len(run) != 17 else run + "000", form)
    except ValueError:
        return False
    return 1949 <= stamp.year <= 2100


# The fields sealed at rest (adapter/persistence/vault.py), by name: an account is masked by its field whatever its
# form, not only where it looks like one (partners.md: a payee's account, schemas/traffic.py Payee).
_MASKS = {"id_number": mask_id, "phone": mask_phone, "account": mask_account}


def mask_fields(doc: Any) -> Any:
    """A JSON document with every `id_number`, `phone` and `account` value masked, at any depth: the fields that
    are sealed at rest (adapter/persistence/vault.py), whatever form their value has."""
    if isinstance(doc, dict):
        return {k: _MASKS[k](v) if k in _MASKS and isinstance(v, str) else mask_fields(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [mask_fields(v) for v in doc]
    return doc
