"""The `docking` command line."""
