"""`python -m adapter.cli` — the same as the `docking` console script."""

from adapter.cli.main import main

main()
