"""Configuration: one typed settings object, built once at start-up and passed down.

    settings.py   the Settings model (a nested model per platform, SecretStr for secrets) and `load_settings`
    hints.py      what the loader says beyond "invalid": the key probably meant, environment variables ignored
    tomlfile.py   reading an operator's TOML file, every failure a ConfigError naming the file

Nothing here opens a database or loads a key; the entry points read the settings through scheduler/bootstrap.py.
"""
