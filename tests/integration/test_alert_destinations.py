"""Alert destinations on loopback: the group robots get their documented bodies and signatures and their answers are
read as each documents; mail reaches an SMTP server; an alert goes to every destination through the outbox protocol,
retried where it failed and not repeated where it was taken."""

import base64
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from tenacity import Retrying, stop_after_attempt

from adapter.alerts.conditions import change
from adapter.alerts.delivery import deliver_alerts, replay_dead_alerts
from adapter.alerts.kinds import AlertKind
from adapter.errors import InvalidRequest
from adapter.persistence.engine import UnitOfWork
from adapter.platforms.retry import RetryPolicy
from adapter.testing import FakeClock
from connectors.alert_mail import Mail
from connectors.alert_robots import Robot
from connectors.port import RejectedError, TransientError
from scheduler.alerts import Destinations
from tests.support.smtp_server import smtp_server

pytestmark = pytest.mark.integration
AT = datetime.now(UTC).replace(microsecond=0)
DOC = {"id": "alt_1", "title": "court: circuit breaker OPEN", "text": "**court: circuit breaker OPEN**\n> 16:00 CST"}


class RobotEndpoint:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, list[str]], dict[str, Any]]] = []  # (query, body)
        self.answers: list[tuple[int, dict[str, Any]]] = []  # popped per request; then 200 {"errcode": 0}
        self.url = ""


@contextmanager
def robot_endpoint() -> Iterator[RobotEndpoint]:
    endpoint = RobotEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["content-length"])))
            endpoint.requests.append((parse_qs(urlsplit(self.path).query), body))
            status, answer = endpoint.answers.pop(0) if endpoint.answers else (200, {"errcode": 0, "errmsg": "ok"})
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    endpoint.url = f"http://127.0.0.1:{server.server_address[1]}/send?key=k1"
    try:
        yield endpoint
    finally:
        server.shutdown()
        server.server_close()


def _hmac_b64(key: str, message: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), message.encode(), hashlib.sha256).digest()).decode()


@pytest.mark.parametrize("kind", ["wecom", "dingtalk", "feishu"])
def test_each_robot_is_sent_its_documented_body_and_signature(kind: str) -> None:
    """The request as the vendor checks it: signature recomputed from the timestamp the request carries."""
    with robot_endpoint() as endpoint:
        Robot("ops", kind, endpoint.url, None if kind == "wecom" else "SECtest", clock=lambda: AT).send("alt_1", DOC)
    ((query, body),) = endpoint.requests
    assert query["key"] == ["k1"]
    if kind == "wecom":
        assert body == {"msgtype": "markdown", "markdown": {"content": DOC["text"]}}
    elif kind == "dingtalk":
        (timestamp,) = query["timestamp"]
        assert int(timestamp) == int(AT.timestamp() * 1000)
        assert query["sign"] == [_hmac_b64("SECtest", f"{timestamp}\nSECtest")]
        assert body == {"msgtype": "markdown", "markdown": {"title": DOC["title"], "text": DOC["text"]}}
    else:
        assert body["timestamp"] == str(int(AT.timestamp()))
        assert body["sign"] == _hmac_b64(f"{body['timestamp']}\nSECtest", "")
        assert body["msg_type"] == "text" and "circuit breaker OPEN" in body["content"]["text"]


@pytest.mark.parametrize(
    ("kind", "answer", "error"),
    [
        ("wecom", (200, {"errcode": 45009, "errmsg": "api freq out of limit"}), TransientError),
        ("wecom", (200, {"errcode": 93000, "errmsg": "invalid webhook url"}), RejectedError),
        ("dingtalk", (200, {"errcode": 130101, "errmsg": "send too fast"}), TransientError),
        ("dingtalk", (200, {"errcode": 310000, "errmsg": "sign not match"}), RejectedError),
        ("feishu", (200, {"code": 9499, "msg": "too many requests"}), TransientError),
        ("feishu", (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}), RejectedError),
        ("feishu", (503, {}), TransientError),
        ("dingtalk", (404, {}), RejectedError),
    ],
)
def test_a_robots_answer_is_read_as_it_documents(kind: str, answer: tuple[int, dict[str, Any]], error: type) -> None:
    """A 2xx with a non-zero code is a refusal, but for the rate-limit codes, which are retried like a 5xx."""
    with robot_endpoint() as endpoint:
        endpoint.answers.append(answer)
        with pytest.raises(error):
            Robot("ops", kind, endpoint.url, "s", clock=lambda: AT).send("alt_1", DOC)


@pytest.mark.parametrize(
    ("refuse", "error"), [(None, None), ("550 5.1.1 no such user", RejectedError), ("451 4.3.0 later", TransientError)]
)
def test_mail_reaches_the_smtp_server_or_says_why_not(refuse: str | None, error: type | None) -> None:
    """One message per alert, Message-ID from the alert id; a 5xx is a refusal, a 4xx transient."""
    with smtp_server(refuse_rcpt=refuse) as box:
        mail = Mail("mail", box.host, box.port, security="none", sender="docking@example.cn", to=["ops@example.cn"])
        if error is not None:
            with pytest.raises(error):
                mail.send("alt_1", DOC)
            assert box.messages == []
            return
        mail.send("alt_1", DOC)
    ((sender, to, data),) = box.messages
    message = message_from_bytes(data)
    assert (sender, to) == ("docking@example.cn", ["ops@example.cn"])
    assert message["Subject"] == "[docking] court: circuit breaker OPEN" and message["Message-ID"] == "<alt_1@docking>"
    assert "16:00 CST" in message.get_payload()


def test_an_alert_reaches_every_destination_once_through_the_outbox(uow: UnitOfWork) -> None:
    """Mail takes it at once, the robot is rate-limited: retried on the schedule, the mail not sent again."""
    clock = FakeClock(AT)
    with uow.begin() as session:
        change(session.connection(), AlertKind.DEAD_LETTERS, "court", opened=True, at=AT, detail="m-1: HTTP 400")
        assert change(session.connection(), AlertKind.DEAD_LETTERS, "court", opened=True, at=AT) is None
    policy = RetryPolicy(base=1, cap=1)
    once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
    with smtp_server() as box, robot_endpoint() as endpoint:
        endpoint.answers.append((200, {"errcode": 45009, "errmsg": "api freq out of limit"}))
        mail = Mail("mail", box.host, box.port, security="none", sender="d@example.cn", to=["ops@example.cn"])
        sender = Destinations([mail, Robot("wecom", "wecom", endpoint.url, clock=clock)])
        assert deliver_alerts(uow, sender, clock, policy, retrying=once, jitter=lambda: 1) == {"retried": 1}
        clock.now = AT + timedelta(seconds=5)
        assert deliver_alerts(uow, sender, clock, policy, retrying=once, jitter=lambda: 1) == {"delivered": 1}
    assert len(box.messages) == 1 and len(endpoint.requests) == 2
    assert "dead messages" in endpoint.requests[1][1]["markdown"]["content"]


def test_an_alert_refused_goes_dead_and_a_replay_sends_it_again(uow: UnitOfWork) -> None:
    """A robot refusing the signature kills the alert (nothing lost): once fixed, a replay with a reason delivers it."""
    clock = FakeClock(AT)
    with uow.begin() as session:
        alert_id = change(session.connection(), AlertKind.JOB_FAILING, "prune", opened=True, at=AT, detail="disk full")
    once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
    with robot_endpoint() as endpoint:
        endpoint.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
        robot = Destinations([Robot("ding", "dingtalk", endpoint.url, "SECx", clock=clock)])
        assert deliver_alerts(uow, robot, clock, RetryPolicy(), retrying=once) == {"dead": 1}
        with pytest.raises(InvalidRequest, match="reason"):
            replay_dead_alerts(uow, [str(alert_id)], actor="ops", reason=" ", now=AT)
        assert replay_dead_alerts(uow, None, actor="ops", reason="secret fixed", now=AT) == [alert_id]
        assert deliver_alerts(uow, robot, clock, RetryPolicy(), retrying=once) == {"delivered": 1}
    assert len(endpoint.requests) == 2 and "job prune: failing" in endpoint.requests[1][1]["markdown"]["title"]


def test_a_dead_alert_does_not_hold_back_its_conditions_later_alerts(uow: UnitOfWork) -> None:
    """Alerts of one condition go out in order, but one given up on (dead) does not silence the "closed" after it:
    unlike the outbox's per-case order, a stuck earlier alert is no reason to hide later news."""
    clock = FakeClock(AT)
    with uow.begin() as session:
        change(session.connection(), AlertKind.JOB_FAILING, "prune", opened=True, at=AT, detail="disk full")
    once = lambda: Retrying(stop=stop_after_attempt(1), reraise=True)  # noqa: E731
    with robot_endpoint() as endpoint:
        endpoint.answers.append((200, {"errcode": 310000, "errmsg": "sign not match"}))
        robot = Destinations([Robot("ding", "dingtalk", endpoint.url, "SECx", clock=clock)])
        assert deliver_alerts(uow, robot, clock, RetryPolicy(), retrying=once) == {"dead": 1}
        with uow.begin() as session:
            change(session.connection(), AlertKind.JOB_FAILING, "prune", opened=False, at=AT + timedelta(minutes=5))
        clock.now = AT + timedelta(minutes=5)
        assert deliver_alerts(uow, robot, clock, RetryPolicy(), retrying=once) == {"delivered": 1}
    assert len(endpoint.requests) == 2
