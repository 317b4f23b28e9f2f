"""Structured logs (cli/logs.py): JSON lines with the bound ids, personal numbers masked and secrets redacted in
every field, the console shape, and the API's request id bound for the request's own lines."""

import asyncio
import base64
import json
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from api.middleware import Guard
from cli import logs
from tests.support.logs import restored_logging

ID = "11010519491231002X"
PHONE = "13812345678"
SECRET = "s3cr3t-planted-9f2c"


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    """The process's logging pointed at a file for the test, and given back as it was afterwards."""
    with restored_logging(tmp_path / "docking.log") as path:
        yield path


def _lines(path: Path) -> list[dict[str, Any]]:
    for handler in logging.getLogger().handlers:
        handler.flush()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_a_standard_library_line_is_json_with_the_bound_ids_and_china_time(log_file: Path) -> None:
    """A `logging.getLogger` call comes out as one JSON object carrying what the work in hand bound."""
    logs.configure("INFO", "json", log_file)
    with structlog.contextvars.bound_contextvars(platform="gz-odr", case_id="MC-1", message_id="M-1", job="deliver"):
        logging.getLogger("docking.delivery").warning("message %s retried", "M-1")
    logging.getLogger("docking.delivery").info("unbound")
    bound, unbound = _lines(log_file)
    assert bound["event"] == "message M-1 retried" and bound["level"] == "warning"
    assert bound["logger"] == "docking.delivery"
    assert (bound["platform"], bound["case_id"], bound["message_id"], bound["job"]) == (
        "gz-odr",
        "MC-1",
        "M-1",
        "deliver",
    )
    assert bound["time"].endswith("+08:00")
    assert "platform" not in unbound


def test_personal_numbers_are_masked_in_the_message_and_in_every_field(log_file: Path) -> None:
    """An ID, a mobile and an account number are masked wherever they are: text, arguments, extras, tracebacks."""
    logs.configure("INFO", "json", log_file)
    log = logging.getLogger("docking.test")
    log.warning("party %s called from %s", ID, PHONE, extra={"note": f"card 6222 0212 3456 7890, id {ID}"})
    structlog.get_logger("docking.native").warning(f"native {PHONE}", detail={"id": ID})
    try:
        raise ValueError(f"bad id {ID}")
    except ValueError:
        log.exception("failed")
    text = log_file.read_text(encoding="utf-8")
    assert ID not in text and PHONE not in text and "6222 0212 3456 7890" not in text
    assert "110105********002X" in text and "138****5678" in text
    assert len(_lines(log_file)) == 3


def test_a_secret_is_never_written_whatever_it_is_called(log_file: Path) -> None:
    """Fields named like secrets are replaced; a bearer token or password=… in the text is cut out."""
    logs.configure("INFO", "json", log_file)
    log = logging.getLogger("docking.test")
    log.info("connecting", extra={"password": SECRET, "api_key": SECRET, "client_secret": SECRET})
    log.info("header Authorization: Bearer %s", SECRET)
    basic = base64.b64encode(f"engineer:{SECRET}".encode()).decode()  # /docs in a browser: the key as a password
    log.info("header Authorization: Basic %s", basic)
    log.info("dsn user=docking password=%s host=db", SECRET)
    structlog.get_logger("docking.native").info("native", token=SECRET, private_key=SECRET)
    text = log_file.read_text(encoding="utf-8")
    assert SECRET not in text and basic not in text and text.count(logs.REDACTED) >= 8
    assert "host=db" in text  # only the secret went, not the rest of the line


def test_the_console_shape_is_the_one_docking_always_wrote(log_file: Path) -> None:
    """Console: "<date> <time>,<ms> CST LEVEL logger: message key=value"."""
    logs.configure("WARNING", "console", log_file)
    logging.getLogger("docking.test").info("not shown below the level")
    with structlog.contextvars.bound_contextvars(platform="gz-odr"):
        logging.getLogger("docking.test").warning("party %s", ID)
    (line,) = log_file.read_text(encoding="utf-8").splitlines()
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} CST WARNING docking\.test: party 110105\*{8}002X platform=gz-odr", line
    ), line


def test_a_bad_option_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="--log-level 'LOUD'"):
        logs.configure("LOUD", "json")
    with pytest.raises(ValueError, match="--log-format 'xml'"):
        logs.configure("INFO", "xml")  # type: ignore[arg-type]


def test_an_api_request_binds_its_request_id_for_its_own_lines(log_file: Path) -> None:
    """Lines the handler writes carry the request's id (the client's X-Request-Id here); none leaks past it."""
    logs.configure("INFO", "json", log_file)

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.to_thread(logging.getLogger("docking.api").info, "handling")  # in a worker thread, as routes do
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        pass

    guard = Guard(app, max_body=1000, timeout=5, audit=lambda record: None)
    scope = {"type": "http", "method": "GET", "path": "/x", "headers": [(b"x-request-id", b"req-42")]}
    asyncio.run(guard(scope, receive, send))
    logging.getLogger("docking.api").info("after")
    handling, after = _lines(log_file)
    assert handling["request_id"] == "req-42" and "request_id" not in after


@pytest.mark.parametrize(
    ("chosen", "terminal", "to_file", "quieter"),
    [
        (False, True, False, True),  # `docking demo` on a terminal, no level asked for: warnings only
        (True, True, False, False),  # --log-level (or $DOCKING_LOG_LEVEL) given: kept, whatever it is
        (False, False, False, False),  # not a terminal (CI, a pipe, a service): every line, as always
        (False, True, True, False),  # --log-file: the file gets every line
    ],
)
def test_a_command_quiets_the_log_only_on_a_terminal_nobody_chose_a_level_for(
    log_file: Path, monkeypatch: pytest.MonkeyPatch, chosen: bool, terminal: bool, to_file: bool, quieter: bool
) -> None:
    monkeypatch.setenv(logs.INHERITED, "{}")  # given back as it was: configure writes the choice there
    logs.configure("INFO", "console", log_file if to_file else None)
    monkeypatch.setattr(logs, "LEVEL_CHOSEN", chosen)
    monkeypatch.setattr(logs.sys.stderr, "isatty", lambda: terminal)
    assert logs.quieter("WARNING") is quieter
    assert logging.getLogger().level == (logging.WARNING if quieter else logging.INFO)
    assert json.loads(os.environ[logs.INHERITED])["level"] == ("WARNING" if quieter else "INFO")  # its children too
