"""The centre's reads over HTTP: filters as `docking cases list` reads them, keyset pages, the OpenAPI document,
the JWKS of every key algorithm, and bad input that is always a problem, never a server error."""

import pytest
from jwcrypto import jwk

from adapter.keys.keyring import Keyring
from reference import case_number
from scheduler import Runtime
from schemas.clock import CHINA, utc_now
from tests.support.api import Api
from tests.support.court import PLATFORM, Court
from tests.support.runtime import pump

pytestmark = pytest.mark.integration


def _all(api: Api, query: str, limit: int = 2) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    page = api.get(f"/api/centre/v1/cases?limit={limit}&{query}").json()
    while True:
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        page = api.get(f"/api/centre/v1/cases?limit={limit}&{query}&cursor={page['next_cursor']}").json()


def test_the_list_pages_every_case_once_newest_first(runtime: Runtime, court: Court, centre: Api) -> None:
    court.core.dispatch(5, "01")
    court.core.dispatch(2, "02")
    pump(runtime, 1)
    whole = centre.get("/api/centre/v1/cases?limit=100").json()
    assert whole["next_cursor"] is None and len(whole["items"]) == 7
    paged = _all(centre, "")
    assert [c["id"] for c in paged] == [c["id"] for c in whole["items"]]
    assert [c["created_at"] for c in paged] == sorted((c["created_at"] for c in paged), reverse=True)
    first = centre.get("/api/centre/v1/cases?limit=2").json()
    other = centre.get(f"/api/centre/v1/cases?limit=2&status=DECLINED&cursor={first['next_cursor']}")
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "query.cursor"


def test_the_list_filters_combine(runtime: Runtime, court: Court, centre: Api) -> None:
    court.core.dispatch(3, "01")
    court.core.dispatch(2, "02")
    pump(runtime, 1)
    every = centre.get("/api/centre/v1/cases?limit=100").json()["items"]
    entrusted = [c for c in every if c["flow"] == "entrusted"]
    assert {c["id"] for c in _all(centre, f"platform={PLATFORM}")} == {c["id"] for c in every}
    assert _all(centre, "platform=elsewhere") == []
    one = entrusted[0]
    number = str(one["case_number"])
    typed = number.replace("（", "(").replace("）", ")")  # any bracket form, normalised as case_lookup does
    assert case_number.parse(typed).text == number
    assert [c["id"] for c in _all(centre, f"case_number={typed}")] == [one["id"]]
    code = number[len("（2026）") :].split("民")[0]
    assert {c["id"] for c in _all(centre, f"court={code}")} == {
        c["id"] for c in every if str(c["case_number"]).startswith(f"{number[: len('（2026）')]}{code}民")
    }
    centre.ok(str(one["id"]), "accept")
    assert [c["id"] for c in _all(centre, "status=ACCEPTED")] == [one["id"]]
    assert len(_all(centre, "status=PENDING_ACCEPTANCE")) == 4
    assert {c["id"] for c in _all(centre, f"cause={one['cause']}")} >= {one["id"]}
    # a date alone is read as a China-time day (parse_when): after 16:00 UTC China is already on the next day
    today = utc_now().astimezone(CHINA).date().isoformat()
    assert len(_all(centre, f"dispatched_from=2000-01-01&dispatched_to={today}")) == 5
    assert _all(centre, "dispatched_to=2000-01-01") == []
    # every pending case's acceptance clock runs out within 3 working days [S2 Art 12]: within the days those span
    # from now, all; none has passed. Counted with the calendar: around a long holiday they span 10 days and more,
    # and this world runs on the real clock (the sandbox court checks signatures against it), not a fixed start.
    now = utc_now()
    closes = runtime.services.deadlines.calendar.add_working_days(now.astimezone(CHINA).date(), 3).closes_at
    pending = {c["id"] for c in _all(centre, "status=PENDING_ACCEPTANCE")}
    assert pending <= {c["id"] for c in _all(centre, f"deadline_within_days={(closes - now).days + 1}")}
    assert _all(centre, "deadline_within_days=0") == []
    bad = centre.get("/api/centre/v1/cases?status=SLEEPING")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "query.status"


@pytest.mark.parametrize(
    ("profile", "algorithm", "kty"),
    [("jws-detached", "EdDSA", "OKP"), ("jws-detached", "ES256", "EC"), ("jws-detached", "PS256", "RSA")],
)
def test_the_jwks_publishes_our_keys_as_standard_jwks(
    runtime: Runtime, api_base: str, api_keys: dict[str, str], kty: str
) -> None:
    """The keyring's published keys, each importable by an independent JOSE library (jwcrypto)."""
    keyring = runtime.settings.platforms[PLATFORM].signing.keyring
    assert keyring is not None
    for role in ("court:court", "centre", "admin"):
        published = Api(api_base, api_keys[role]).get("/.well-known/jwks.json").json()["keys"]
        assert [{k: v for k, v in key.items() if k != "x-platform"} for key in published] == (
            Keyring.open(keyring).jwks(utc_now())["keys"]
        )
        assert published[0]["kty"] == kty and published[0]["x-platform"] == PLATFORM
        jwk.JWK(**{k: v for k, v in published[0].items() if k != "x-platform"})
    assert Api(api_base, api_keys["court:other"]).get("/.well-known/jwks.json").json() == {"keys": []}


@pytest.mark.parametrize(("profile", "algorithm"), [("sm2-sm3", "SM2")])
def test_sm2_keys_are_left_out_of_the_jwks(api_base: str, api_keys: dict[str, str]) -> None:
    """JOSE registers no SM2 curve; such a key is given as PEM (`docking keys export-public`)."""
    assert Api(api_base, api_keys["centre"]).get("/.well-known/jwks.json").json() == {"keys": []}


def test_the_openapi_document_has_examples_and_the_docs_page_is_served(centre: Api) -> None:
    doc = centre.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert schemas["DeclineBody"]["examples"] and schemas["OutcomeBody"]["examples"]
    assert doc["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    accept = doc["paths"]["/api/centre/v1/cases/{case_id}/accept"]["post"]
    assert {p["name"] for p in accept["parameters"]} >= {"Idempotency-Key", "If-Match", "case_id"}
    assert "application/problem+json" in accept["responses"]["409"]["content"]
    assert "swagger" in centre.get("/docs").text.lower()


NASTY = [
    ("POST", "/api/centre/v1/cases/{id}/accept", b"\xff\xfe\x00garbage", "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/accept", b"[]", "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/accept", b'{"note": null}', "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/decline", b'{"reason": ["a"]}', "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/extend", b'{"until": "2026-02-30"}', "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/mediator", b'{"mediator": "' + "长".encode() * 500 + b'"}', "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/accept", b"note=x", "application/x-www-form-urlencoded"),
    ("POST", "/api/centre/v1/cases/{id}/agreement", b"--x\r\n\r\n", "multipart/form-data; boundary=x"),
    ("POST", "/api/centre/v1/cases/{id}/agreement", b"{}", "application/json"),
    ("POST", "/api/centre/v1/cases", b'{"flow": "delegated"}', "application/json"),
    ("POST", "/api/centre/v1/cases/%00/accept", b"{}", "application/json"),
    ("POST", "/api/centre/v1/cases/{id}/nothing", b"{}", "application/json"),
    ("GET", "/api/centre/v1/cases?limit=abc&deadline_within_days=-1", b"", ""),
    ("GET", "/api/centre/v1/cases?court=不存在的法院", b"", ""),
    ("GET", "/api/centre/v1/cases/" + "x" * 3000, b"", ""),
    ("DELETE", "/api/centre/v1/cases/{id}", b"", ""),
]


@pytest.mark.parametrize(("method", "path", "body", "media"), NASTY)
def test_bad_input_is_a_problem_never_a_server_error(
    runtime: Runtime, court: Court, centre: Api, method: str, path: str, body: bytes, media: str
) -> None:
    court.core.dispatch(1, "01")
    pump(runtime, 1)
    case_id = centre.get("/api/centre/v1/cases").json()["items"][0]["id"]
    headers = {"Idempotency-Key": "nasty", **({"Content-Type": media} if media else {})}
    answer = centre.session.request(
        method, centre.base + path.replace("{id}", case_id), data=body, headers=headers, timeout=10
    )
    assert 400 <= answer.status_code < 500, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert centre.get(f"/api/centre/v1/cases/{case_id}").json()["status"] == "PENDING_ACCEPTANCE"
