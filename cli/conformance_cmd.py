"""`docking conformance --platform P`: the conformance kit for a court's integrator (adapter/conformance/), run
against the platform's test endpoint only. Exit 0 when every check passes, 1 when any fails, 2 when refused."""

import secrets
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from adapter.config.platform import PlatformSettings, WsseSettings
from adapter.config.settings import load_settings
from adapter.conformance.checks import Target
from adapter.conformance.push_inbox import PushInbox
from adapter.conformance.report import Report
from adapter.conformance.scenario import RUN_BUDGET, require_test_endpoint, run_scenario
from adapter.errors import InvalidRequest
from adapter.platforms.signers import build_signer, build_verifier
from cli.output import ConfigOption, Format, FormatOption, render
from sandbox.pairing import key_and_certificate
from scheduler.runtime import build_connector
from schemas.clock import china_text, utc_now
from signing.base import MessageSigner
from signing.hmac_appkey import HmacSigner
from signing.keyfiles import new_private_key
from signing.profiles import key_signer

STRANGER_KEY_ID = "conformance-stranger"
LISTEN_DEFAULT = "127.0.0.1:8790"


def conformance(
    platform: Annotated[str, typer.Option(help="The platform to test, as named in the config file.")],
    config: ConfigOption = None,
    report: Annotated[
        Path | None, typer.Option(help="Also write the report here (JSON if the name ends .json, else text).")
    ] = None,
    fmt: FormatOption = Format.table,
    case: Annotated[
        str | None, typer.Option(help="A test case the court dispatched for conformance (else one found pending).")
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.5, max=20, help="Seconds each check may take.")] = 5.0,
    listen: Annotated[
        str, typer.Option(help="Push platforms: HOST:PORT where the kit takes the court's pushes meanwhile.")
    ] = "127.0.0.1:8790",  # LISTEN_DEFAULT
    push_wait: Annotated[
        float, typer.Option(min=0.5, max=15, help="Push platforms: seconds to wait for a push.")
    ] = 8.0,
) -> None:
    """Test a court's test endpoint (test_endpoint = true) against its interface: a pass/fail report per check
    with its evidence; exit 1 if any check fails. Only CONF- messages go out, straight to the court: the adapter's
    database and outbox are not touched."""
    _writable(report)  # before the run, not after it: a report that cannot be written would lose the whole run
    settings = load_settings(config)
    if platform not in settings.platforms:
        if config is None and not settings.platforms:
            raise InvalidRequest(
                f"--platform {platform!r}: no configuration was given — name the config file with -c/--config "
                "or $DOCKING_CONFIG (docking.toml in this folder is not read by itself)",
                field="platform",
            )
        known = ", ".join(settings.platforms) or "none"
        raise InvalidRequest(f"--platform {platform!r} is not configured (configured: {known})", field="platform")
    if settings.platforms[platform].mode != "push" and listen != LISTEN_DEFAULT:
        raise InvalidRequest(
            f"--listen {listen!r}: --listen is for push platforms; {platform!r} is polled", field="listen"
        )
    listen_address(listen)
    result = run_kit(
        platform, settings.platforms[platform], case=case or "", timeout=timeout, listen=listen, push_wait=push_wait
    )
    if fmt is Format.csv:  # one row per check, for a spreadsheet; the evidence is in the JSON and table forms
        rows = [
            {"id": r.id, "result": r.verdict, "passed": r.passed, "reason": r.reason, "seconds": round(r.seconds, 3)}
            for r in result.results
        ]
        render(rows, ["id", "result", "passed", "reason", "seconds"], fmt)
    else:
        print(result.to_json() if fmt is Format.json else result.to_text(china_text(result.started_at)))
    if report is not None:
        report.write_text(
            result.to_json() if report.suffix == ".json" else result.to_text(china_text(result.started_at)) + "\n",
            encoding="utf-8",
        )
    if not result.passed:
        raise typer.Exit(1)


def run_kit(
    name: str,
    config: PlatformSettings,
    *,
    case: str = "",
    timeout: float = 5.0,
    listen: str = "127.0.0.1:8790",
    push_wait: float = 8.0,
    budget: float = RUN_BUDGET,
) -> Report:
    """The scenario against platform `name` (adapter/conformance/scenario.py), each check within `timeout` seconds
    and the whole run within `budget`; InvalidRequest unless the platform is marked `test_endpoint = true`, or
    where a push platform's `listen` (HOST:PORT) is malformed or taken."""
    require_test_endpoint(name, config)
    config = config.model_copy(update={"timeout_seconds": min(config.timeout_seconds, timeout)})
    signer = build_signer(config.signing, platform=name)
    inbox = _inbox(listen) if config.mode == "push" else None
    with tempfile.TemporaryDirectory(prefix="conformance-") as scratch:
        target = Target(
            connector=build_connector(name, config, signer, utc_now),
            stranger=build_connector(name, _stranger_wsse(config, Path(scratch)), _stranger(config), utc_now),
            verifier=build_verifier(config.signing, platform=name),
            mode=config.mode,
            inbox=inbox,
            case_id=case,
            push_wait=push_wait,
        )
        try:
            return run_scenario(name, config.transport, target, timeout=timeout, budget=budget)
        finally:
            if inbox is not None:
                inbox.stop()


def _writable(report: Path | None) -> None:
    """InvalidRequest naming --report when its folder does not exist (or is no folder) or the path is a folder."""
    if report is None:
        return
    if report.is_dir():
        raise InvalidRequest(
            f"--report {str(report)!r} is a folder: name a file, e.g. {report / 'report.json'}", field="report"
        )
    if not report.parent.is_dir():
        raise InvalidRequest(
            f"--report {str(report)!r}: folder {report.parent} does not exist; create it or name another",
            field="report",
        )


def listen_address(listen: str) -> tuple[str, int]:
    """(host, port) of --listen HOST:PORT; InvalidRequest naming --listen unless the port is 1–65535."""
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise InvalidRequest(f"--listen {listen!r} must look like HOST:PORT", field="listen")
    if not 1 <= int(port) <= 65535:
        raise InvalidRequest(f"--listen {listen!r}: port {port} is not between 1 and 65535", field="listen")
    return host, int(port)


def _inbox(listen: str) -> PushInbox:
    host, port = listen_address(listen)
    try:
        return PushInbox(host, port).start()
    except (OSError, OverflowError) as exc:  # OverflowError: a port the OS refuses outright
        why = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise InvalidRequest(f"--listen {listen}: cannot listen there ({why})", field="listen") from None


def _stranger(config: PlatformSettings) -> MessageSigner:
    """Our requests' signer with a key (or app secret) the court was never given, under our own profile."""
    signing = config.signing
    if signing.profile == "hmac-appkey":
        assert signing.app_key is not None
        return HmacSigner(signing.app_key, secrets.token_hex(32).encode(), signing.hmac_method, signing.hex_case)
    algorithm = "SM2" if signing.profile == "sm2-sm3" else "EdDSA"
    return key_signer(signing.profile, new_private_key(algorithm), STRANGER_KEY_ID)


def _stranger_wsse(config: PlatformSettings, scratch: Path) -> PlatformSettings:
    """A SOAP platform's settings with a WS-Security key and certificate the court was never given (in `scratch`)."""
    if config.wsse is None:
        return config
    key, certificate = key_and_certificate(scratch, "stranger", "rsa")
    wsse = WsseSettings(key=key, certificate=certificate, court_certificates=config.wsse.court_certificates)
    return config.model_copy(update={"wsse": wsse})
