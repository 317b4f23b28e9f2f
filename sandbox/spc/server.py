"""The sandbox SPC platform's HTTP server on loopback: the web form the spc_form connector drives
(connectors/spc_form.py, mappings/spc_form.py), a login with a session cookie, and a small control API.

  POST /fayuan/a/login                    username, password → {"code": "0"} + Set-Cookie JSESSIONID
  POST /fayuan/a/{org,mediator,offline}/… one form (mappings/spc_form.FORMS) → {"code": "0", "id", "repeat"}
  GET  /fayuan/a/roster/list?since=&limit= → {"code": "0", "rows": [...], "next"}
  POST /fayuan/a/roster/query             localIds = JSON list → {"code": "0", "rows": {localId: row | null}}
  GET  /fayuan/a/statistics?month=YYYY-MM → {"code": "0", "month", "counts": {...}}
Without a live session every /fayuan/a/ page answers the HTML login page (HTTP 200, as such platforms do). A refusal
is `-1`: {"code": "-1", "msg": words}, or the bare text `-1` when the platform gives no words.
Control (loopback, bearer token): POST /sandbox/fail-next {"words": [...]}, POST /sandbox/forget {"localId"},
POST /sandbox/remove {"localId", "reason"}, POST /sandbox/expire-sessions, POST /sandbox/tick, GET /sandbox/stats.
"""

import json
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sandbox.loopback import LoopbackHTTPServer, LoopbackRequestHandler
from sandbox.server import MAX_BODY
from sandbox.spc.platform import FORM_TYPES, Failure, SpcCore
from sandbox.wire import wire_json

COOKIE = "JSESSIONID"
LOGIN_PAGE = (
    "<!DOCTYPE html><html><head><title>人民法院调解平台 - 登录</title></head><body>"
    '<form action="/fayuan/a/login" method="post"><input name="username"><input name="password" type="password">'
    "</form></body></html>"
).encode()


class SpcServer(LoopbackHTTPServer[SpcCore]):
    name = "sandbox-spc"

    def __init__(self, core: SpcCore, host: str = "127.0.0.1", port: int = 0, token: str | None = None) -> None:
        super().__init__(core, SpcHandler, host, port, token)


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


class SpcHandler(LoopbackRequestHandler):
    server: SpcServer

    def handle_request(self, method: str) -> None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 <= length <= MAX_BODY:
                raise Refusal(413, f"body of {length} bytes is not accepted")
            body = self.rfile.read(length) if length else b""
            url = urlsplit(self.path)
            if url.path.startswith("/sandbox/"):
                self.reply(200, self.control(method, url.path, body))
            else:
                self.page(method, url.path, parse_qs(url.query), body)
        except Refusal as refusal:
            self.reply(refusal.status, {"code": str(refusal.status), "msg": refusal.message})
        except ValueError:
            self.reply(400, {"code": "400", "msg": "bad request"})
        except Exception as exc:  # a platform answers, it never drops the connection on its own bug
            self.reply(500, {"code": "500", "msg": f"internal error: {type(exc).__name__}"})

    def page(self, method: str, path: str, query: dict[str, list[str]], body: bytes) -> None:
        core = self.server.core
        injected = core.http_failure()
        if injected is not None:
            self.reply(injected, {"code": str(injected), "msg": "injected failure"})
            return
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()} if method == "POST" else {}
        if method == "POST" and path == "/fayuan/a/login":
            token = core.login(form.get("username", ""), form.get("password", ""))
            if token is None:
                self.reply(200, {"code": "-1", "msg": "用户名或密码错误"})
            else:
                self.reply(200, {"code": "0"}, {"Set-Cookie": f"{COOKIE}={token}; Path=/; HttpOnly"})
            return
        if not path.startswith("/fayuan/a/"):
            raise Refusal(404, f"no page {path}")
        cookie = SimpleCookie(self.headers.get("Cookie", ""))
        if not core.session_ok(cookie[COOKIE].value if COOKIE in cookie else None):
            self.send_raw(200, LOGIN_PAGE, "text/html; charset=utf-8")
            return
        try:
            self.reply(200, self.route(method, path, query, form))
        except Failure as failure:
            words = str(failure)
            if words:
                self.reply(200, {"code": "-1", "msg": words})
            else:
                self.send_raw(200, b"-1", "text/plain; charset=utf-8")

    def route(self, method: str, path: str, query: dict[str, list[str]], form: dict[str, str]) -> dict[str, Any]:
        core = self.server.core
        if method == "POST" and path in FORM_TYPES:
            return core.post(path, form)
        if method == "GET" and path == "/fayuan/a/roster/list":
            try:
                since, limit = int(query.get("since", ["0"])[0] or 0), int(query.get("limit", ["100"])[0])
            except ValueError:
                raise Failure("since 和 limit 必须是整数") from None
            return core.listing(max(0, since), limit)
        if method == "POST" and path == "/fayuan/a/roster/query":
            try:
                ids = [str(i) for i in json.loads(form.get("localIds", "[]"))][:1000]
            except (ValueError, TypeError):
                raise Failure("localIds 必须是 JSON 数组") from None
            return core.query(ids)
        if method == "GET" and path == "/fayuan/a/statistics":
            return core.statistics(query.get("month", [""])[0])
        raise Refusal(404, f"no page {method} {path}")

    def control(self, method: str, path: str, body: bytes) -> dict[str, Any]:
        denial = self.control_denial()
        if denial is not None:
            raise Refusal(*denial)
        core = self.server.core
        if method == "GET" and path == "/sandbox/stats":
            return core.stats()
        args = json.loads(body or b"{}")
        if method == "POST" and path == "/sandbox/fail-next":
            core.fail_next(*[str(w) for w in args["words"]])
            return {"failing": args["words"]}
        if method == "POST" and path == "/sandbox/forget":
            return {"forgotten": core.forget(str(args["localId"]))}
        if method == "POST" and path == "/sandbox/remove":
            return {"removed": core.remove(str(args["localId"]), str(args.get("reason") or "法院除名"))}
        if method == "POST" and path == "/sandbox/expire-sessions":
            return {"expired": core.expire_sessions()}
        if method == "POST" and path == "/sandbox/tick":
            return {"answered": core.tick()}
        raise Refusal(404, f"no control route {method} {path}")

    def reply(self, status: int, doc: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self.send_raw(status, wire_json(doc), "application/json; charset=utf-8", headers)
