"""Desk roles (api/clients.py): `desk:<desk>` parses and prints back, names a configured desk — never a court
platform — and a court role never names a desk."""

import pytest

from adapter.errors import InvalidRequest
from api.clients import Role

COURTS, DESKS = frozenset({"gz"}), frozenset({"card-centre"})


def test_a_desk_role_parses_and_prints_back() -> None:
    role = Role.parse("desk:card-centre", COURTS, DESKS)
    assert role == Role("desk", "card-centre") and str(role) == "desk:card-centre"


@pytest.mark.parametrize(
    ("text", "named"),
    [("desk:gz", "desk ([desks.<name>]) 'gz'"), ("court:card-centre", "platform 'card-centre'"), ("desk:", None)],
)
def test_a_role_names_a_configured_platform_of_its_own_kind(text: str, named: str | None) -> None:
    with pytest.raises(InvalidRequest) as refused:
        Role.parse(text, COURTS, DESKS)
    assert (named or "is not one of") in str(refused.value)
