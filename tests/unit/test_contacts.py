"""Parties' phone numbers: every form classified and kept, none refused; an unrecognised one flagged on the case."""

import pytest
from pydantic import ValidationError

from schemas.case import Party
from schemas.contacts import classify_phone
from schemas.enums import IdType, PartyKind, PartyRole, PhoneKind
from tests.support import samples

M, L, S, INTL, U = (
    PhoneKind.MOBILE,
    PhoneKind.LANDLINE,
    PhoneKind.SERVICE,
    PhoneKind.INTERNATIONAL,
    PhoneKind.UNRECOGNISED,
)

# (as a court writes it, its kind, its canonical form)
FORMS = [
    ("13812345678", M, "13812345678"),
    ("138 1234 5678", M, "13812345678"),
    ("138-1234-5678", M, "13812345678"),
    ("+86 138 1234 5678", M, "13812345678"),
    ("0086-13812345678", M, "13812345678"),
    ("8613812345678", M, "13812345678"),
    ("１３８１２３４５６７８", M, "13812345678"),  # full-width digits
    ("＋８６ １３８１２３４５６７８", M, "13812345678"),
    ("19912345678", M, "19912345678"),
    ("02087654321", L, "02087654321"),
    ("020-87654321", L, "020-87654321"),
    ("020－87654321", L, "020-87654321"),  # full-width hyphen
    ("020—87654321", L, "020-87654321"),  # a dash typed for the hyphen
    ("(020)87654321", L, "02087654321"),
    ("（020）8765 4321", L, "02087654321"),
    ("0755-8765-4321", L, "0755-8765-4321"),
    ("0571-8765432", L, "0571-8765432"),  # 7-digit local number
    ("+86 20 8765 4321", L, "02087654321"),
    ("0086 755 8765 4321", L, "075587654321"),
    ("020-87654321转123", L, "020-87654321转123"),
    ("020-87654321 转 123", L, "020-87654321转123"),
    ("020-87654321分机123", L, "020-87654321转123"),
    ("020-87654321 ext. 123", L, "020-87654321转123"),
    ("020-87654321 EXT 123", L, "020-87654321转123"),
    ("020-87654321x8", L, "020-87654321转8"),
    ("020-87654321#8", L, "020-87654321转8"),
    ("020-87654321-123", L, "020-87654321-123"),
    ("０２０－８７６５４３２１转１２３", L, "020-87654321转123"),
    ("95588", S, "95588"),
    ("95511-3", S, "95511-3"),
    ("95588转2", S, "95588转2"),
    ("95105888", S, "95105888"),
    ("96511", S, "96511"),
    ("0755-96511", S, "0755-96511"),
    ("962888", S, "962888"),
    ("10086", S, "10086"),
    ("11185", S, "11185"),
    ("12368", S, "12368"),
    ("12378", S, "12378"),
    ("400-820-8820", S, "400-820-8820"),
    ("400 8208 820", S, "4008208820"),
    ("4008208820", S, "4008208820"),
    ("800-820-8820", S, "800-820-8820"),
    ("+86 95588", S, "95588"),
    ("+852 5123 4567", INTL, "+85251234567"),
    ("00852-5123-4567", INTL, "+85251234567"),
    ("(852) 5123 4567", INTL, "+85251234567"),
    ("852 5123 4567", INTL, "+85251234567"),
    ("+853 6612 3456", INTL, "+85366123456"),
    ("853-66123456", INTL, "+85366123456"),
    ("+886 912 345 678", INTL, "+886912345678"),
    ("+886-2-2345-6789", INTL, "+886223456789"),
    ("+1 (415) 555-0123", INTL, "+14155550123"),
    ("+44 20 7946 0958", INTL, "+442079460958"),
    ("+65 6123 4567", INTL, "+6561234567"),
    ("＋８５２ ５１２３ ４５６７", INTL, "+85251234567"),
    ("87654321", U, "87654321"),  # a local number without its area code
    ("13800138000/13900139000", U, "13800138000/13900139000"),
    ("13800138000；020-87654321", U, "13800138000；020-87654321"),
    ("1380013800", U, "1380013800"),
    ("+86 12", U, "+86 12"),
    ("+1 234", U, "+1 234"),
    ("+1234567890123456", U, "+1234567890123456"),  # longer than E.164 allows
    ("见起诉状", U, "见起诉状"),
    ("  无  ", U, "无"),
]


@pytest.mark.parametrize(("written", "kind", "canonical"), FORMS, ids=[f[0] for f in FORMS])
def test_every_form_is_classified_and_normalised(written: str, kind: PhoneKind, canonical: str) -> None:
    phone = classify_phone(written)
    assert (phone.kind, phone.text) == (kind, canonical)
    assert classify_phone(phone.text) == phone, "the canonical form reads the same again"


def _party(phone: object, address: object = None, id_number: str = samples.RESIDENT_ID) -> Party:
    return Party.model_validate(
        {
            "name": "张三",
            "role": PartyRole.DEFENDANT,
            "kind": PartyKind.NATURAL_PERSON,
            "id_type": IdType.RESIDENT_ID,
            "id_number": id_number,
            "phone": phone,
            "address": address,
        }
    )


@pytest.mark.parametrize(("written", "kind", "canonical"), FORMS, ids=[f[0] for f in FORMS])
def test_a_party_is_never_refused_for_its_phone(written: str, kind: PhoneKind, canonical: str) -> None:
    party = _party(written)
    assert (party.phone, party.phone_kind) == (canonical, kind)
    assert Party.model_validate_json(party.model_dump_json()) == party, "stored and read back unchanged"


def _deep(levels: int) -> object:
    """A phone nested `levels` lists deep, as json.loads would return a hostile court's value."""
    value: object = "13812345678"
    for _ in range(levels):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("sent", "phone", "kind"),
    [
        (13812345678, "13812345678", M),  # a JSON number
        (13812345678.0, "13812345678", M),
        (["13812345678", "020-87654321"], "13812345678; 020-87654321", U),  # several numbers in a list
        ({"mobile": "13812345678"}, '{"mobile": "13812345678"}', U),
        (True, "true", U),
        ("", None, None),
        ("   ", None, None),
        (None, None, None),
        ("1" * 300, "1" * 300, U),  # no length limit of its own
        ([["13812345678"], [["020-87654321"]]], "13812345678; 020-87654321", U),  # nested lists: the numbers
        (_deep(100_000), "13812345678", M),  # walked without recursion, however deep
    ],
)
def test_a_phone_of_any_json_type_is_kept_as_text(sent: object, phone: str | None, kind: PhoneKind | None) -> None:
    party = _party(sent)
    assert (party.phone, party.phone_kind) == (phone, kind)


@pytest.mark.parametrize("address", ["广州市" * 300, 12345, {"province": "广东", "street": "中山五路"}])
def test_an_address_of_any_length_or_json_type_is_kept(address: object) -> None:
    assert _party("13812345678", address).address is not None


def test_identity_numbers_stay_strict() -> None:
    """A lenient phone does not make the party lenient: a wrong ID check character still refuses it."""
    wrong = samples.RESIDENT_ID[:17] + ("0" if samples.RESIDENT_ID[17] != "0" else "1")
    with pytest.raises(ValidationError, match="check character"):
        _party("87654321", id_number=wrong)


def test_only_an_unrecognised_phone_is_flagged_on_the_case_by_its_place_never_its_number() -> None:
    plaintiff, _ = samples.dispatch().parties
    bank = Party.model_validate({**plaintiff.model_dump(), "phone": "95588"})
    odd = samples.dispatch(parties=(bank, _party("87654321"), _party("+852 5123 4567")))
    assert odd.flags == ["party 2 phone: unrecognised form"]
    assert samples.dispatch().flags == []
    assert samples.dispatch(parties=(plaintiff, _party(None))).flags == []


def test_case_number_and_phone_flags_are_listed_together() -> None:
    plaintiff, _ = samples.dispatch().parties
    both = samples.dispatch(case_number="（2026）粤9999民初1号", parties=(plaintiff, _party("见起诉状")))
    assert both.flags[0].startswith("case number: court code")
    assert both.flags[1:] == ["party 2 phone: unrecognised form"]
