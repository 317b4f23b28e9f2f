"""The complainant's blind index (adapter/complaints/blind_index.py) and the desk directory: keyed per data key, found
under every configured key after a rotation, never the plain hash of the ID; an institution without a desk refused
naming its USCC and the setting."""

import hashlib

import pytest

from adapter.complaints.blind_index import NO_KEY_ID, index_value, search_values
from adapter.complaints.directory import Desk, DeskDirectory
from adapter.errors import InvalidRequest
from adapter.persistence.vault import Vault, new_key
from tests.support.complaint_samples import BANK_USCC, INSURER_USCC, RESIDENT_ID, complaint

PERSON = complaint().complainant
OTHER = complaint(complainant={**PERSON.model_dump(mode="json"), "id_number": "440104199001011232"}).complainant


@pytest.mark.parametrize("vault", [None, Vault([new_key("a")], "a")], ids=["unsealed", "sealed"])
def test_one_person_one_value_per_key_another_person_another(vault: Vault | None) -> None:
    value = index_value(PERSON, vault)
    assert value == index_value(PERSON, vault) and value != index_value(OTHER, vault)
    assert value.split(":")[0] == (NO_KEY_ID if vault is None else "a")
    assert value in search_values(PERSON, vault)
    assert hashlib.sha256(RESIDENT_ID.encode()).hexdigest() not in value and RESIDENT_ID not in value


def test_after_a_rotation_the_old_keys_values_are_still_searched_and_new_ones_use_the_active_key() -> None:
    old = new_key("old")
    before = index_value(PERSON, Vault([old], "old"))
    rotated = Vault([old, new_key("new")], "new")
    assert index_value(PERSON, rotated).startswith("new:") and before in search_values(PERSON, rotated)
    assert index_value(PERSON, Vault([new_key("old")], "old")) != before  # another key with the same id: no match


def test_an_institution_without_a_desk_is_refused_naming_its_uscc_and_the_setting() -> None:
    desks = DeskDirectory.of([Desk("card-centre", (BANK_USCC,))])
    assert desks.for_institution(BANK_USCC).name == "card-centre"
    with pytest.raises(InvalidRequest) as refused:
        desks.for_institution(INSURER_USCC)
    assert (refused.value.field, refused.value.rule) == ("institution.uscc", "no_desk")
    assert INSURER_USCC in str(refused.value) and "[desks.<name>]" in str(refused.value)
