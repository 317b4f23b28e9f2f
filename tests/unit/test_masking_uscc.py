"""A USCC (GB 32100) is an organisation's public code: the partner views keep it whole (mask_document
keep_uscc=True), as `roster orgs` shows it — while IDs, phones and accounts around it stay masked, and a token
shaped as a USCC but read as a resident ID, or failing the USCC check character, is still masked (issue 19)."""

import pytest

from adapter.masking import mask_document
from tests.support.roster_samples import CENTRE_USCC, OTHER_USCC
from tests.support.samples import RESIDENT_ID


@pytest.mark.parametrize("uscc", [CENTRE_USCC, OTHER_USCC, "91110000600037341L"])
def test_a_valid_uscc_is_kept_whole_and_the_personal_numbers_beside_it_are_not(uscc: str) -> None:
    text = f"organisation {uscc} drafted; contact {RESIDENT_ID}, 13812345678, account 6222021234567890123"
    kept = mask_document(text, keep_uscc=True)
    assert uscc in kept
    assert RESIDENT_ID not in kept and "13812345678" not in kept and "6222021234567890123" not in kept
    assert uscc not in mask_document(text)  # elsewhere (complaints, exports) unchanged: masked


@pytest.mark.parametrize(
    "token",
    [RESIDENT_ID, "91110000600037341A", "110105194912310021"],  # an ID; a bad check character; an 18-digit ID
)
def test_what_is_not_surely_a_uscc_stays_masked(token: str) -> None:
    assert token not in mask_document(f"holder {token}", keep_uscc=True)
