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
    ] = "127.0.0.1:8790",
    push_wait: Annotated[
        float, typer.Option(min=0.5, max=15, help="Push platforms: seconds to wait for a push.")
    ] = 8.0,
) -> None:
    """Test a court's test endpoint (test_endpoint = true) against its interface: a pass/fail report per check
    with its evidence; exit 1 if any check fails. Only CONF- messages go out, straight to the court: the adapter's
    database and outbox are not touched."""
    settings = load_settings(config)
    if platform not in settings.platforms:
        known = ", ".join(settings.platforms) or "none"
        raise InvalidRequest(f"--platform {platform!r} is not configured (configured: {known})", field="platform")
    result = run_kit(
        platform, settings.platforms[platform], case=case or "", timeout=timeout, listen=listen, push_wait=push_wait
    )
    if fmt is Format.csv:  # one row per check, for a spreadsheet; the evidence is in the JSON and table forms
        rows = [
            {"id": r.id, "passed": r.passed, "reason": r.reason, "seconds": round(r.seconds, 3)} for r in result.results
        ]
        render(rows, ["id", "passed", "reason", "seconds"], fmt)
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


def _inbox(listen: str) -> PushInbox:
    host, sep, port = listen.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise InvalidRequest(f"--listen {listen!r} must look like HOST:PORT", field="listen")
    try:
        return PushInbox(host, int(port)).start()
    except OSError as exc:
        raise InvalidRequest(f"--listen {listen}: cannot listen there ({exc.strerror})", field="listen") from None


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
