"""`docking keys generate`: Ed25519 key pairs for signing what the adapter sends."""

from pathlib import Path
from typing import Annotated

import typer

from adapter.cli.output import console
from adapter.errors import InvalidRequest
from adapter.keys import KeyFileError, generate_keypair

app = typer.Typer(help="Signing keys.", no_args_is_help=True)


@app.command("generate")
def generate(
    key_id: Annotated[str, typer.Option("--key-id", help="Key id sent with every signature, e.g. centre-2026-01.")],
    directory: Annotated[Path, typer.Option("--dir", help="Where to write <key-id>.key and <key-id>.pub.")] = Path(
        "keys"
    ),
) -> None:
    """Generate a key pair: the private key (PKCS#8, mode 0600) stays here; give the .pub to the court."""
    if not key_id.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise InvalidRequest(f"--key-id {key_id!r} may hold only letters, digits, '-', '_' and '.'")
    try:
        files = generate_keypair(directory, key_id)
    except KeyFileError as exc:
        raise InvalidRequest(str(exc)) from exc
    console.print(f"private key: {files.private} (keep secret)\npublic key:  {files.public} (send to the court)")
