"""The API about itself: /healthz (no credentials; /readyz and /metrics are api/health.py's), /openapi.json and
/docs, and /.well-known/jwks.json — our current and retiring public signing keys per platform keyring, so a court
can fetch them.

JWKS: EC P-256, Ed25519 and RSA keys as RFC 7517/8037 JWKs (adapter/keys/keyring.py `jwk`), each with its
`kid`, `alg` and `use`. SM2 keys are left out: JOSE registers no SM2 curve, and a JWK Set with an unknown `crv`
makes common JOSE libraries refuse the whole set; a court on the sm2-sm3 profile takes our key as PEM
(`docking keys export-public`). A court role gets its own platform's keys only; other roles get every platform's,
each key marked with its platform (`x-platform`), since a kid is unique within a keyring, not across them.
"""

import functools
from datetime import datetime
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, Response

from adapter.keys.keyring import Keyring
from api.access import context, require
from api.clients import Client
from api.problems import Problem
from signing.keyfiles import KeyFileError

router = APIRouter()
Anyone = Annotated[Client, Depends(require("meta"))]


@router.get("/healthz", tags=["meta"], openapi_extra={"security": []})
def healthz() -> dict[str, str]:
    """The process lives and answers: a liveness probe, so it asks nothing of the database (a database outage
    is `/readyz`'s to report — restarting the process would not cure it). No credentials: for probes."""
    return {"status": "ok"}


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, client: Anyone) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs", include_in_schema=False)
def docs(client: Anyone) -> HTMLResponse:
    """Swagger UI over /openapi.json, its files served from here (`/docs/…`), never a CDN an intranet cannot reach.
    A browser opening it is asked for credentials: any user name, the API key as the password (api/access.py);
    "Authorize" takes the key again for "Try it out", which calls the API with Bearer as any client does."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="court-docking API",
        swagger_js_url="/docs/swagger-ui-bundle.js",
        swagger_css_url="/docs/swagger-ui.css",
        swagger_favicon_url="/docs/favicon-32x32.png",
    )


SWAGGER_UI = {  # Swagger UI's files as fastapi-swagger ships them (swagger-ui-dist 5: pyproject.toml), by media type
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}


@router.get("/docs/{name}", include_in_schema=False)
def docs_file(name: str, client: Anyone) -> Response:
    """One of Swagger UI's files; a day in the browser's cache (they change only with an upgrade)."""
    if name not in SWAGGER_UI:
        raise Problem(404, "not-found", f"no file /docs/{name}")
    return Response(_file(name), media_type=SWAGGER_UI[name], headers={"Cache-Control": "private, max-age=86400"})


@functools.cache
def _file(name: str) -> bytes:
    """One of SWAGGER_UI's files, read once (the bundle is 1.6 MB)."""
    return resources.files("fastapi_swagger.resources").joinpath(name).read_bytes()


@router.get("/.well-known/jwks.json", tags=["meta"])
def jwks(request: Request, client: Anyone) -> dict[str, Any]:
    """Our public signing keys a court should trust now: published, active and retired within the overlap."""
    ctx = context(request)
    now = ctx.clock()
    keys: list[dict[str, Any]] = []
    for name, platform in sorted(ctx.settings.platforms.items()):
        if client.role.kind == "court" and name != client.role.platform:
            continue
        if platform.signing.keyring is None:  # hmac-appkey: a shared secret, nothing public to publish
            continue
        keys += [{**key, "x-platform": name} for key in _keys(platform.signing.keyring, name, now)]
    return {"keys": keys}


def _keys(folder: Any, platform: str, now: datetime) -> list[dict[str, Any]]:
    try:
        return list(Keyring.open(folder).jwks(now)["keys"])
    except KeyFileError:
        raise Problem(503, "keyring-unreadable", f"the keyring of platform {platform} cannot be read now") from None
