"""`docking sandbox serve`: the simulated court (REST, or the SOAP WebService), standalone, for integrators and
manual testing."""

from pathlib import Path
from typing import Annotated, Any

import typer
from cryptography import x509

from adapter.errors import InvalidRequest
from cli.arbitration_sandbox_cmd import arbitration
from cli.institution_cmd import institution
from cli.output import console
from cli.sandbox_serve import (
    Host,
    Port,
    Profile,
    configured,
    fault_option,
    listening,
    partner_keys,
    serve_until_interrupted,
)
from cli.spc_sandbox_cmd import spc
from cli.traffic_sandbox_cmd import traffic
from sandbox.court import CourtCore, SandboxConfig
from sandbox.court.config import MISCONFIGURATIONS, parse_latency
from sandbox.pairing import key_and_certificate
from sandbox.push import PushCourt
from sandbox.rest import SandboxServer
from sandbox.server import BaseSandboxServer
from sandbox.soap import SoapCourt, SoapSandboxServer, render
from sandbox.timeforms import FORMS
from scheduler.process import settle
from signing.keyfiles import load_private_key, public_pem
from signing.wsse import WsseSigner, WsseVerifier

app = typer.Typer(help="The sandbox court platform.", no_args_is_help=True)
app.command("institution")(institution)  # sandbox complaint desks (cli/institution_cmd.py)
app.command("traffic")(traffic)  # a sandbox traffic-accident platform (cli/traffic_sandbox_cmd.py)
app.command("arbitration")(arbitration)  # a sandbox arbitration commission (cli/arbitration_sandbox_cmd.py)
app.command("spc")(spc)  # the sandbox SPC platform (cli/spc_sandbox_cmd.py)


@app.command("serve")
def serve(
    centre_key: Annotated[list[str], typer.Option(help="KEY_ID=PATH of a centre public key the court trusts.")],
    host: Host = "127.0.0.1",
    port: Port = 8700,
    keys: Annotated[Path, typer.Option(help="Where the court's own key pair lives (created if absent).")] = Path(
        "sandbox-keys"
    ),
    court_key_id: Annotated[str, typer.Option()] = "court-2026-01",
    dispatch: Annotated[int, typer.Option(min=0, help="Cases to dispatch at start-up.")] = 10,
    seed: Annotated[int, typer.Option()] = 7,
    profile: Profile = "jws-detached",
    transport: Annotated[str, typer.Option(help="rest (JSON API) or soap (the WebService, WS-Security).")] = "rest",
    centre_cert: Annotated[
        list[Path] | None, typer.Option(help="soap: a PEM certificate whose WS-Security signatures the court trusts.")
    ] = None,
    timestamp_format: Annotated[
        str,
        typer.Option(
            help="The form of the court's times: iso8601, iso8601_china, yyyyMMddHHmmss, 'yyyy-MM-dd HH:mm:ss', "
            "epoch_seconds or epoch_millis (give the adapter's platform the same timestamp_format)."
        ),
    ] = "iso8601",
    push_to: Annotated[
        str | None,
        typer.Option(
            help="A pushing court: POST its dispatches, rulings and receipts to the adapter at this base URL "
            '(its platform says mode = "push") instead of waiting to be polled.'
        ),
    ] = None,
    push_key: Annotated[
        str | None, typer.Option(help="--push-to: the court's API key (`docking clients add --role court:NAME`).")
    ] = None,
    push_every: Annotated[float, typer.Option(min=0.05, help="--push-to: seconds between push rounds.")] = 1.0,
    fault: Annotated[list[str] | None, fault_option("", MISCONFIGURATIONS)] = None,
    latency: Annotated[
        str,
        typer.Option(
            metavar="MS[,JITTER]",
            help="Hold every platform request this many milliseconds, give or take JITTER (a real court answers in "
            "tens to hundreds of ms), e.g. 50 or 50,10.",
        ),
    ] = "0",
) -> None:
    """Serve a court ODR platform on HOST:PORT until Ctrl-C."""
    if transport not in ("rest", "soap"):
        raise InvalidRequest(f"--transport {transport!r} is not rest or soap")
    if centre_cert and transport != "soap":
        raise InvalidRequest("--centre-cert is for --transport soap (WS-Security); a REST court checks --centre-key")
    if push_to is not None and (not push_key or transport != "rest"):
        raise InvalidRequest("--push-to needs --push-key (the court's API key) and --transport rest")
    if timestamp_format not in FORMS:
        raise InvalidRequest(f"--timestamp-format {timestamp_format!r} is not one of {', '.join(FORMS)}")
    try:
        held, jitter = parse_latency(latency)
    except ValueError as exc:
        raise InvalidRequest(f"--latency {exc}") from None
    signer, verifier, court_key = partner_keys(centre_key, keys, court_key_id, profile)
    config = configured(  # --fault: misconfigured on purpose, for `docking conformance` to pinpoint
        lambda: SandboxConfig(
            seed=seed,
            court_key_id=court_key_id,
            timestamp_format=timestamp_format,
            misconfigured=tuple(fault or ()),
            latency_seconds=held,
            latency_jitter_seconds=jitter,
        )
    )
    core = CourtCore(config, signer, verifier)
    soap = _soap_court(core, keys, centre_cert or []) if transport == "soap" else None
    server: BaseSandboxServer = listening(
        lambda: SoapSandboxServer(soap, host, port) if soap is not None else SandboxServer(core, host, port),
        f"{host}:{port}",
    )
    core.dispatch(dispatch)
    public = public_pem(court_key.public_key())
    console.print(f"sandbox court on {server.url}  (court key {court_key_id}: {keys / (court_key_id + '.pub')})")
    if held:
        console.print(f"answering after {held * 1000:g} ms ± {jitter * 1000:g} ms")
    if transport == "soap":
        console.print(f"SOAP endpoint {server.url}/ws/exchange (?wsdl); WS-Security certificate {keys / 'court.crt'}")
    console.print(
        f"control token: {server.control_token}  (POST /sandbox/dispatch, /sandbox/inject, /sandbox/trust, and "
        "for reconciliation drills /sandbox/forget, /sandbox/alter, /sandbox/lose, /sandbox/reset-feed; "
        "GET /sandbox/stats)"
    )
    console.print(public.decode().strip(), highlight=False)
    if fault:
        console.print(f"misconfigured on purpose: {', '.join(fault)}")
    # The start-up heap frozen, as `docking run`'s is (scheduler/process.py): each full collection walked it
    # (~120 ms of CPU, every handler stopped, about once per 2,000 SOAP Submits). Every court alike: the REST court is
    # the benchmarks' baseline (bench/delivery.py raw_rps), and a ratio must not gain from one court's side alone.
    settle()
    server.start()
    if push_to is not None:
        assert push_key is not None
        PushCourt(core, push_to, push_key).start(push_every)
        console.print(f"pushing to {push_to}/api/court/v1/{{dispatches,decisions,receipts}} every {push_every:g} s")
    serve_until_interrupted(server.stop)


def _soap_court(core: Any, keys: Path, centre_certs: list[Path]) -> Any:
    """The WebService around `core`: the court's WS-Security key and certificate (made on first use), trusting
    the centre certificates given."""
    if not centre_certs:
        raise InvalidRequest("--transport soap needs --centre-cert (the centre's WS-Security certificate)")
    try:
        trusted = [x509.load_pem_x509_certificate(path.read_bytes()) for path in centre_certs]
        key_path, cert_path = keys / "court.key", keys / "court.crt"
        if not key_path.exists():
            keys.mkdir(parents=True, exist_ok=True)
            key_path, cert_path = key_and_certificate(keys, "court", "rsa")
        signer = WsseSigner(load_private_key(key_path), x509.load_pem_x509_certificate(cert_path.read_bytes()))
    except (OSError, ValueError) as exc:
        raise InvalidRequest(f"WS-Security files: {exc}") from exc
    core.render = render
    return SoapCourt(core, signer, WsseVerifier(trusted))
