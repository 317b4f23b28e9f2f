"""Parties' contact details (domain.md §4 "Dispatch": contacts): phones classified and normalised, never refused.

A court's dispatch is never refused for a contact detail. A phone number of no form known here is kept exactly as
written (sealed at rest and masked on display like any phone) with the kind `unrecognised`, and the case shows it
as a flag (`CaseDispatch.flags`). Identity numbers stay strict (schemas/identifiers.py).

Forms, read after NFKC (full-width digits, ＋, －), with dashes unified and spaces and brackets dropped; numbering
per the MIIT's 电信网编号计划 (2017) and ITU-T E.164:
- mobile: 1[3-9] and 9 more digits, possibly after +86 / 0086 / 86 → the 11 digits;
- landline: the trunk 0, a 2–3 digit area code, a 7–8 digit local number (first digit 2–9), possibly an extension
  after -, 转, 分机, ext, x or # → as written, the extension mark as 转;
- service: 400 / 800 numbers, 95xxx and 96xxx numbers of 5–8 digits (96xxx are local, so possibly after an area
  code), 10xxx–12xxx short numbers (10086, 12345, 12368, 12378 …), possibly with an extension or menu choice
  (95511-3, 95588转2) → as written;
- international: + or 00 and 7–15 digits (E.164) outside +86, or 852 / 853 and 8 digits, 886 and 8–9 digits
  written without the + (Hong Kong, Macau, Taiwan) → + and the digits.
"""

import json
import re
import unicodedata
from dataclasses import dataclass

from schemas.enums import PhoneKind
from schemas.identifiers import InvalidIdentifier


@dataclass(frozen=True)
class Phone:
    text: str  # the canonical form; an unrecognised number exactly as written (outer spaces stripped)
    kind: PhoneKind


_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−﹣", "-"))
_EXTENSION_MARK = re.compile(r"(?:分机|转|ext\.?|x|#)(?=\d{1,6}$)", re.IGNORECASE)
_EXTENSION = r"(?:(?:-|转)\d{1,6})?"
_MOBILE = re.compile(r"(?:86)?(1[3-9]\d{9})")
_LANDLINE = re.compile(rf"0\d{{2,3}}-?[2-9]\d{{2,3}}-?\d{{4}}{_EXTENSION}")
_SERVICE = re.compile(rf"(?:[48]00(?:-?\d){{7}}|(?:0\d{{2,3}}-?)?9[56]\d{{3,6}}|1[0-2]\d{{3}}){_EXTENSION}")
_CHINA = re.compile(r"(?:\+|00)86-?")
_INTERNATIONAL = re.compile(r"(?:\+|00)([1-9][\d-]*)")
_GREATER_CHINA = re.compile(r"85[23]\d{8}|886\d{8,9}")  # HK, Macau, Taiwan written without the +
_LAYOUT = re.compile(r"[\s()\[\]]")
_DIGITS_AND_DASHES = re.compile(r"[\d-]+")
# A mobile or landline number already in its canonical form: what courts send most, and what a classified number
# is asked again as (`Party.phone_kind`). Every step of the general path leaves it as it is (ASCII digits and
# dashes: no space, no extension mark, no +86 or 00), and then _MOBILE, or _LANDLINE after it, takes all of it.
_CANONICAL_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_CANONICAL_LANDLINE = re.compile(r"0[1-9][0-9]{1,2}-?[2-9][0-9]{2,3}-?[0-9]{4}(?:-[0-9]{1,6})?")


def _compact(value: str) -> str:
    # NFKC leaves ASCII as it is, and no dash in _DASHES is ASCII: an ASCII number (nearly every one) skips both.
    folded = value if value.isascii() else unicodedata.normalize("NFKC", value).translate(_DASHES)
    return _EXTENSION_MARK.sub("转", _LAYOUT.sub("", folded))


def _mainland(text: str) -> Phone | None:
    mobile_digits = _MOBILE.fullmatch(text.replace("-", "")) if _DIGITS_AND_DASHES.fullmatch(text) else None
    if mobile_digits:
        return Phone(mobile_digits.group(1), PhoneKind.MOBILE)
    if _LANDLINE.fullmatch(text):
        return Phone(text, PhoneKind.LANDLINE)
    if _SERVICE.fullmatch(text):
        return Phone(text, PhoneKind.SERVICE)
    return None


def classify_phone(value: str) -> Phone:
    """The number's kind and canonical form; never raises. Idempotent: classifying `text` again gives the same."""
    if _CANONICAL_MOBILE.fullmatch(value):
        return Phone(value, PhoneKind.MOBILE)
    if _CANONICAL_LANDLINE.fullmatch(value):
        return Phone(value, PhoneKind.LANDLINE)
    return _classified(value)


def _classified(value: str) -> Phone:
    """`classify_phone` by the general path: every form, each step applied."""
    written = value.strip()
    text = _compact(written)
    china = _CHINA.match(text)
    if china:  # +86 20 8765 4321 is 020-87654321 written for callers abroad
        national = text[china.end() :]
        found = _mainland(national) or (None if national.startswith("0") else _mainland("0" + national))
    else:
        found = _mainland(text)
        abroad = _INTERNATIONAL.fullmatch(text)
        digits = abroad.group(1).replace("-", "") if abroad else text.replace("-", "")
        if found is None and ((abroad and 7 <= len(digits) <= 15) or _GREATER_CHINA.fullmatch(digits)):
            found = Phone("+" + digits, PhoneKind.INTERNATIONAL)
    return found or Phone(written, PhoneKind.UNRECOGNISED)


def mobile(value: str) -> str:
    """A mainland mobile number as 11 digits, or InvalidIdentifier (naming neither the digits nor the person)."""
    phone = classify_phone(value)
    if phone.kind is not PhoneKind.MOBILE:
        raise InvalidIdentifier("not a mainland mobile number (11 digits starting 13–19)")
    return phone.text


def contact_text(value: object) -> object:
    """A contact detail as text, whatever JSON type a platform sent it as: a number (13800138000), several numbers
    in a list, however nested (joined with "; ", walked without recursion), even an object (its JSON). Kept, never
    refused; anything else passes unchanged for the field's own type check."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        parts, stack = [], [iter(value)]
        while stack:  # a hostile court's 10,000-deep list must not exhaust the stack
            item = next(stack[-1], _END)
            if item is _END:
                stack.pop()
            elif isinstance(item, list | tuple):
                stack.append(iter(item))
            elif item is not None:
                parts.append(str(_scalar_text(item)))
        return "; ".join(parts)
    return _scalar_text(value)


_END = object()


def _scalar_text(value: object) -> object:
    if isinstance(value, bool | dict):
        try:
            return json.dumps(value, ensure_ascii=False)
        except (RecursionError, ValueError):  # nested past what json can write: the raw message keeps it
            return "(a nested value too deep to show)"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return value
    if isinstance(value, bool | dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):  # one level: several numbers; anything deeper is kept as its JSON
        return "; ".join(
            json.dumps(v, ensure_ascii=False) if isinstance(v, list | tuple) else str(contact_text(v))
            for v in value
            if v is not None
        )
    return value
