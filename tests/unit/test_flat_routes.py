"""api/app.py serves the API routers' routes flat: a router holding more than its routes is named, not flattened."""

from typing import Any

import pytest
from fastapi import APIRouter, Depends

from api import app as app_module

HELD: list[tuple[dict[str, Any], list[str]]] = [
    ({}, []),
    ({"prefix": "/x", "tags": ["t"]}, []),  # in each route's own path and tags already
    ({"dependencies": [Depends(lambda: 1)]}, ["dependencies"]),
    ({"responses": {404: {"description": "gone"}}}, ["responses"]),
    ({"deprecated": True}, ["deprecated"]),
    ({"include_in_schema": False}, ["include_in_schema"]),
    ({"on_startup": [lambda: None]}, ["startup/shutdown handlers"]),
]


@pytest.mark.parametrize(("settings", "named"), HELD)
def test_what_a_router_holds_beyond_its_routes_is_named(settings: dict[str, Any], named: list[str]) -> None:
    assert app_module._router_settings(APIRouter(**settings)) == named
