"""Configuration: one typed settings object, built once at start-up and passed down.

    settings.py   the Settings model (SecretStr for secrets; encryption, jobs, API) and `load_settings`
    platform.py   the nested model per platform: transport, signing profile and keys, WS-Security, retries, TLS
    hints.py      what the loader says beyond "invalid": the key probably meant, environment variables ignored
    tomlfile.py   reading an operator's TOML file, every failure a ConfigError naming the file

Nothing here opens a database or loads a key; the entry points read the settings through scheduler/bootstrap.py.
"""
