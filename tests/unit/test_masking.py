"""Personal-data masking for logs and exports: IDs keep area and last four, phones keep prefix and last four."""

import pytest

from adapter.masking import mask_document, mask_fields, mask_id, mask_phone, mask_text

RESIDENT_ID = "110105198503071230"


def test_resident_id_keeps_first_six_and_last_four() -> None:
    """An 18-character ID keeps the issuing area and the last four; the birth date and serial are hidden."""
    masked = mask_id(RESIDENT_ID)
    assert masked == "110105********1230"
    assert len(masked) == len(RESIDENT_ID)
    assert "19850307" not in masked


def test_resident_id_with_x_check_digit_keeps_the_x() -> None:
    """The X check character is part of the kept last four."""
    assert mask_id("11010519850307123X") == "110105********123X"


def test_short_identifier_keeps_only_its_last_two() -> None:
    """A short document number (≤ 10 characters) shows only its last two."""
    assert mask_id("E12345678") == "*******78"


def test_phone_keeps_first_three_and_last_four() -> None:
    """An 11-digit mobile keeps the carrier prefix and the last four."""
    assert mask_phone("13812345678") == "138****5678"


def test_landline_with_area_code_keeps_first_three_and_last_four() -> None:
    """Longer numbers hide every middle digit."""
    assert mask_phone("02087654321") == "020****4321"


def test_very_short_phone_is_fully_masked() -> None:
    """A number of seven digits or fewer is hidden entirely, since keeping 3 + 4 would show all of it."""
    assert mask_phone("8765432") == "*******"


@pytest.mark.parametrize("value", ["", None])
def test_empty_or_missing_values_mask_to_empty(value: str | None) -> None:
    """None and empty strings give an empty string rather than an error."""
    assert mask_id(value) == ""
    assert mask_phone(value) == ""


def test_empty_text_stays_empty() -> None:
    """Masking empty text is a no-op."""
    assert mask_text("") == ""


def test_id_inside_a_spaced_sentence_is_masked() -> None:
    """An ID between spaces in free text is masked in place, the rest of the text untouched."""
    text = f"party id {RESIDENT_ID} failed validation"
    assert mask_text(text) == "party id 110105********1230 failed validation"


def test_id_with_lowercase_x_inside_text_is_masked() -> None:
    """A lower-case x check character is still recognised as an ID."""
    assert mask_text("id 11010519850307123x.") == "id 110105********123x."


def test_text_without_ids_is_unchanged() -> None:
    """Shorter or longer digit runs (amounts, 19-digit card numbers are not IDs) are left alone."""
    text = "amount 35000.50, case 1001, ref 1234567890123456789"
    assert mask_text(text) == text


def test_id_inside_a_chinese_sentence_is_masked() -> None:
    """An ID written straight after Chinese text (no spaces, as Chinese is written) is masked."""
    text = f"申请人身份证号{RESIDENT_ID}，联系电话见附件"
    assert mask_text(text) == "申请人身份证号110105********1230，联系电话见附件"


# Every phone form a party may have (schemas/contacts.py), as stored, and as masked.
PHONES = [
    ("13812345678", "138****5678"),
    ("020-87654321", "020-****4321"),
    ("020-87654321转123", "020-*******1转123"),
    ("0755-96511", "****-*6511"),
    ("400-820-8820", "***-***-8820"),
    ("95588", "*****"),
    ("8765 4321", "**** 4321"),  # 8 to 10 digits: only the last 4 are shown
    ("95511-3", "*****-*"),
    ("+85251234567", "+852****4567"),
    ("+14155550123", "+141****0123"),
    ("13800138000/13900139000", "138****************9000"),  # unrecognised, kept as written
    ("张三 13812345678", "** 138****5678"),  # a name written into the field is masked too
    ("１３８１２３４５６７８", "１３８****５６７８"),  # full-width digits are digits
]


@pytest.mark.parametrize(("stored", "masked"), PHONES)
def test_every_phone_form_hides_at_least_four_digits_and_keeps_at_most_seven(stored: str, masked: str) -> None:
    assert mask_phone(stored) == masked
    shown = sum(c.isdecimal() for c in masked)
    assert shown <= 7 and sum(c.isdecimal() for c in stored) - shown >= 4


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("call +852 5123 4567 today", "call +852 **** 4567 today"),
        ("或 00852-5123-4567", "或 008**-****-4567"),  # the 00 counts among the first three
        ("手机138 1234 5678，座机020-87654321", "手机138 **** 5678，座机020-****4321"),
        ("申请人电话+86 138-1234-5678", "申请人电话+86 1**-****-5678"),
        ("at 2026-03-02T09:30:00+08:00, amount 35000.50, case 0104-5f3a9c", None),
    ],
)
def test_phones_of_every_form_inside_text_are_masked(text: str, masked: str | None) -> None:
    assert mask_text(text) == (text if masked is None else masked)


def test_sealed_fields_are_masked_by_name_whatever_their_form() -> None:
    """An unrecognised phone kept as written has no shape to find in text; its field name is enough."""
    doc = {"body": {"case": {"parties": [{"name": "张三", "id_number": RESIDENT_ID, "phone": "见起诉状 8765"}]}}}
    masked = mask_fields(doc)
    assert masked["body"]["case"]["parties"][0] == {
        "name": "张三",
        "id_number": "110105********1230",
        "phone": "**** ****",
    }


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        pytest.param('"zjhm": "91440101MA59ABCD1D"', '"zjhm": "914401********CD1D"', id="uscc-with-letters"),
        pytest.param("N2440106MA0000001G", "N24401********001G", id="uscc-village-collective-N"),
        pytest.param("914400001234567899", "914400********7899", id="uscc-all-digits"),
        pytest.param("身份证号110105198503071230，", "身份证号110105********1230，", id="resident-id"),
        pytest.param("旧证110105850307123", "旧证110105*****7123", id="old-15-digit-id"),
        pytest.param("tel 13812345678", "tel 138****5678", id="mobile"),
        pytest.param("tel 020-87654321", "tel 020-****4321", id="landline-dashed"),
        pytest.param("tel 0755 1234 5678", "tel **** **** 5678", id="landline-spaced"),
        pytest.param("账号6222021234567890123。", "账号***************0123。", id="card-19-digits"),
        pytest.param("account 6222 0212 3456 7890", "account **** **** **** 7890", id="card-grouped"),
        pytest.param("acct 110060149018800012345", "acct " + "*" * 17 + "2345", id="corporate-account"),
    ],
)
def test_payload_masking_covers_every_kind_of_personal_number(text: str, masked: str) -> None:
    """`mask_document` (quarantined bytes, outgoing envelopes) hides IDs, USCCs, phones and account numbers."""
    assert mask_document(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("fssj 20260302093000", id="yyyyMMddHHmmss"),
        pytest.param("ts 20261130184405123", id="yyyyMMddHHmmssSSS"),
        pytest.param("at 202603020930", id="yyyyMMddHHmm"),
        pytest.param("id MC-12345678901234567890", id="our-id"),
        pytest.param("amount 35000.50, serial 1001, 案号（2026）粤0104民初1001号", id="amounts-and-case-numbers"),
        pytest.param("sha256 6f8f5ad2f78eb519acadd3accaeedeacb303c96740288916abd24cccc0656f33", id="digest"),
    ],
)
def test_payload_masking_leaves_timestamps_ids_and_amounts_readable(text: str) -> None:
    """What an operator needs to see why a message was refused, and which identifies no one, stays as it is."""
    assert mask_document(text) == text


# Account numbers as people and partners write them (attacker review: the grouped, dotted and country-coded forms,
# and a short one in a payee's `account` field, were shown whole or half).
ACCOUNT_FORMS = [
    ("6222021234567890123", "***************0123"),
    ("6222 0212 3456 7890", "**** **** **** 7890"),
    ("6222-0212-3456-7890-123", "****-****-****-***0-123"),
    ("6222.0212.3456.7890", "****.****.****.7890"),
    ("账号6222021234567890123号", "账号***************0123号"),
    ("账号6222021234567890123.12", "账号***************0123.12"),  # a fen-like tail does not make it an amount
]


@pytest.mark.parametrize(("text", "shown"), ACCOUNT_FORMS)
def test_an_account_in_free_text_keeps_only_its_last_4_digits(text: str, shown: str) -> None:
    assert mask_document(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "20261202103000",
        "1234567890.12",
        "MC-2026-000123",
        "(2026)粤0106民初1234号",
        "2026-12-02 10:30:00",
        "DJ440104202612020001",
        "2026.12.01-2027.01.30",  # a date range as written in Chinese documents
        "10000000.00-20000000.00",
        "100.00 200.00 300.00",
        "20261202-000001",  # a date-serial id
        "192.168.100.200",  # the address an API log line names
    ],
)
def test_what_only_looks_like_an_account_is_left(text: str) -> None:
    """A compact timestamp, an amount in yuan, a message id, a case number (案号), a date and time, a traffic
    platform's serial number (letters before the digits)."""
    assert mask_document(text) == text


@pytest.mark.parametrize(
    ("account", "shown"),
    [
        ("62220212345", "*******2345"),  # too short for free text's pattern: the field masks it
        ("CN6222021234567890123", "*****************0123"),
        ("6222-0212-3456-7890-123", "****-****-****-***0-123"),
        ("12345678", "********"),  # 8 digits or fewer: none shown
    ],
)
def test_an_account_field_is_masked_whatever_its_form(account: str, shown: str) -> None:
    assert mask_fields({"payee": {"name": "张三", "account": account}}) == {"payee": {"name": "张三", "account": shown}}
