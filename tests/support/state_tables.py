"""A partner kind's state machine checked against a table written by hand from partners.md (not read from the
machine's own TRANSITIONS): each (status, event) pair moves where the table says, or is refused naming the status,
the event and the events allowed there."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import pytest

from adapter.partners.machine import IllegalPartnerTransition, Machine


def assert_pair_as_table(
    machine: Machine, table: Mapping[Any, Mapping[Any, Any]], status: StrEnum, event: StrEnum
) -> None:
    expected = table[status].get(event)
    if expected is None:
        with pytest.raises(IllegalPartnerTransition) as refused:
            machine.advance(status.value, event.value)
        assert refused.value.status == status and refused.value.event == event
        assert refused.value.allowed == sorted(e.value for e in table[status])
    else:
        assert machine.advance(status.value, event.value) == expected.value
