"""`python -m cli` — the same as the `docking` console script."""

from cli.main import main

main()
